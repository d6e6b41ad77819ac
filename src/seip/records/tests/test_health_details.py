"""Health details (special category data) go only to those who read health, and what a
user reads is decided by the memberships that reach THIS student, not by every role
they hold elsewhere (P07, P08)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.organisations.models import OrganisationType
from seip.organisations.tests.factories import AgreementFactory, OrganisationFactory
from seip.records import selectors
from seip.records.permissions import access_for
from seip.records.tests.factories import AgencyFactory, NeedFactory, code
from seip.referrals.services import consent_extend
from seip.referrals.tests.factories import PDF, notice_for
from seip.sharing.services import involvement_create
from seip.students.sources import SourceKind

TODAY = timezone.localdate


@pytest.fixture
def student(active_case):
    return active_case.student


@pytest.fixture
def nursing(county):
    service = OrganisationFactory(name="School Nursing Service", type=OrganisationType.HEALTH)
    service.partnerships.add(county.a)
    AgreementFactory(organisation=service, partnership=county.a)
    return service


def involve(student, organisation, actor, purpose="Two days a week at the farm site"):
    return involvement_create(
        student=student, organisation=organisation, purpose=purpose, starts_on=TODAY(),
        ends_on=None, actor=actor,
    )  # fmt: skip


def agency(student, organisation, **extra):
    return AgencyFactory(
        student=student, organisation=organisation, organisation_name="",
        source_kind=SourceKind.AGENCY, source_organisation=organisation, **extra,
    )  # fmt: skip


@pytest.fixture
def health_record(student, county, nursing, personas):
    """A student with a type of need, CAMHS and school nursing involved, a fact that CAMHS
    supplied, and a live placement with the provider."""
    NeedFactory(student=student, kind="sen_primary", code=code("sen_need", "SEMH"))
    NeedFactory(
        student=student, kind="fsm", code=code("yes_no", "Y"),
        source_kind=SourceKind.AGENCY, source_organisation=county.agency,
    )  # fmt: skip
    agency(student, county.agency, role="Mental health practitioner")
    agency(student, nursing)
    agency(student, county.council, role="Attendance officer")
    involve(student, county.provider, personas["coordinator"])
    return student


def profile(login, user, student) -> str:
    return login(user).get(reverse("records:profile", args=[student.pk])).content.decode()


@pytest.mark.promise("P07")
def test_a_provider_is_not_told_which_health_services_are_involved(
    login, personas, health_record, county
):
    body = profile(login, personas["provider"], health_record)
    assert "County CAMHS" not in body
    assert "School Nursing Service" not in body
    assert "Mental health practitioner" not in body
    assert "Primary SEN type of need" not in body
    # The council's involvement is not health: it stays.
    assert county.council.name in body
    assert "Attendance officer" in body
    assert "3 health details withheld" in body
    context = selectors.profile_context(health_record, personas["provider"])
    assert all("CAMHS" not in fact.source for fact in context["facts"])


@pytest.mark.promise("P07")
def test_the_team_and_the_school_on_roll_see_the_health_services(login, personas, health_record):
    for persona in ("coordinator", "school_contact"):
        body = profile(login, personas[persona], health_record)
        assert "County CAMHS" in body
        assert "School Nursing Service" in body
        assert "Another agency: County CAMHS" in body
        assert "withheld" not in body


@pytest.mark.promise("P07")
def test_an_agency_entered_by_name_only_is_withheld_from_non_health_readers(
    login, personas, student
):
    """A name typed in cannot be classified: it may be a clinic. Default deny."""
    AgencyFactory(student=student, organisation_name="Riverside Eating Disorder Clinic")
    involve(student, personas["provider"].memberships.get().organisation, personas["coordinator"])
    assert "Riverside" not in profile(login, personas["provider"], student)
    assert "Riverside" in profile(login, personas["coordinator"], student)


@pytest.mark.promise("P08")
def test_a_health_role_for_another_child_gives_no_health_details_for_this_one(
    login, personas, health_record, county
):
    """A CAMHS worker who is also a contact for the provider reaches this student only
    as the provider: they must read what the provider reads."""
    dual = UserFactory(email="dual@seip.test", full_name="Dual Role")
    Membership.objects.create(user=dual, role=Role.AGENCY_CONTACT, organisation=county.agency)
    Membership.objects.create(user=dual, role=Role.PROVIDER_CONTACT, organisation=county.provider)
    access = access_for(dual, health_record)
    assert access.organisation_types == {OrganisationType.ALTERNATIVE_PROVIDER}
    assert not access.reads_health
    body = profile(login, dual, health_record)
    assert "Primary SEN type of need" not in body
    assert "County CAMHS" not in body


@pytest.mark.promise("P08")
def test_a_school_role_elsewhere_gives_no_health_details(login, personas, health_record, county):
    """The contact of another partnership's school reads health only for its own pupils."""
    dual = UserFactory(email="dual-school@seip.test", full_name="Dual School")
    Membership.objects.create(
        user=dual, role=Role.SCHOOL_CONTACT, organisation=county.school_b.organisation
    )
    Membership.objects.create(user=dual, role=Role.PROVIDER_CONTACT, organisation=county.provider)
    assert not access_for(dual, health_record).reads_health
    assert "County CAMHS" not in profile(login, dual, health_record)


@pytest.mark.promise("P07")
def test_a_health_organisation_involved_with_this_child_reads_health(
    login, personas, health_record, county
):
    consent_extend(
        referral=health_record.referral, signed_by_name="Sam Example", relationship="Mother",
        has_parental_responsibility=True, signed_on=TODAY(),
        notice_version=notice_for(county.a), categories={OrganisationType.HEALTH}, form=PDF,
        actor=personas["coordinator"],
    )  # fmt: skip
    involve(health_record, county.agency, personas["coordinator"], purpose="CAMHS assessment")
    assert access_for(personas["agency"], health_record).reads_health
    body = profile(login, personas["agency"], health_record)
    assert "Primary SEN type of need" in body
    assert "School Nursing Service" in body


@pytest.mark.promise("P07")
def test_a_fact_a_health_service_supplied_does_not_name_it_on_the_student_page(
    login, personas, health_record, county
):
    """The profile hid the source, but the student page's behaviour panel printed
    ``source_label`` as it was: a rating CAMHS supplied named CAMHS to the provider."""
    from seip.behaviour.tests.factories import AttitudeRatingFactory

    AttitudeRatingFactory(
        student=health_record, source_kind=SourceKind.AGENCY, source_organisation=county.agency
    )
    page = reverse("students:detail", args=[health_record.pk])
    body = login(personas["provider"]).get(page).content.decode()
    assert "Another agency" in body
    assert "County CAMHS" not in body
    # The team still learns the source where it reads health: on the profile.
    assert "Another agency: County CAMHS" in profile(login, personas["coordinator"], health_record)
