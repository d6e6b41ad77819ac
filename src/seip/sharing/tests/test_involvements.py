"""Need to know (P08), sharing only where agreed (P07), recipients keep it safe (P09) and
no outsiders (P13): an organisation reaches an individual record only through a live
involvement, and loses it the moment consent or its agreement lapses."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.conftest import signed_in
from seip.organisations.models import DataSharingAgreement, OrganisationType
from seip.organisations.tests.factories import OrganisationFactory
from seip.records.tests.factories import NeedFactory, code
from seip.referrals.services import consent_extend, consent_withdraw
from seip.referrals.tests.factories import notice_for
from seip.sharing.models import Disclosure, DisclosureKind, Involvement
from seip.sharing.selectors import sharing_refusal
from seip.sharing.services import involvement_create, involvement_end
from seip.students.selectors import students_visible_to
from seip.students.services import case_assign_key_worker, case_open

TODAY = timezone.localdate


@pytest.fixture
def student(active_case):
    return active_case.student


def involve(student, organisation, actor, **overrides):
    values = {
        "purpose": "Two days a week at the farm site",
        "starts_on": TODAY(),
        "ends_on": None,
        **overrides,
    }
    return involvement_create(student=student, organisation=organisation, actor=actor, **values)


def sees(user, student) -> bool:
    return students_visible_to(user).filter(pk=student.pk).exists()


@pytest.mark.promise("P08")
def test_a_provider_sees_a_student_only_through_an_involvement(student, county, personas):
    provider = personas["provider"]
    assert not sees(provider, student)
    involve(student, county.provider, personas["coordinator"])
    assert sees(provider, student)
    # The same organisation's contact sees no other student of the partnership.
    assert list(students_visible_to(provider)) == [student]


@pytest.mark.promise("P08")
def test_an_ended_or_future_involvement_opens_nothing(student, county, personas):
    involvement = involve(
        student, county.provider, personas["coordinator"], starts_on=TODAY() - dt.timedelta(30)
    )
    involvement_end(
        involvement=involvement, ends_on=TODAY() - dt.timedelta(1), actor=personas["coordinator"]
    )
    assert not sees(personas["provider"], student)
    Involvement.objects.filter(pk=involvement.pk).update(
        starts_on=TODAY() + dt.timedelta(7), ends_on=None
    )
    assert not sees(personas["provider"], student)


@pytest.mark.promise("P07")
def test_an_involvement_without_consent_for_the_category_is_refused(student, county, personas):
    # The family agreed to schools and alternative providers, not health.
    with pytest.raises(ValidationError) as refused:
        involve(student, county.agency, personas["coordinator"], purpose="CAMHS assessment")
    assert "has not agreed to share information with health organisations" in str(refused.value)
    assert not Involvement.objects.exists()
    assert not sees(personas["agency"], student)


@pytest.mark.promise("P07")
def test_withdrawing_consent_suspends_access_at_that_moment(client, student, county, personas):
    involve(student, county.provider, personas["coordinator"])
    client.force_login(personas["provider"])
    url = reverse("students:detail", args=[student.pk])
    assert sees(personas["provider"], student)
    consent_withdraw(
        referral=student.referral,
        categories={OrganisationType.ALTERNATIVE_PROVIDER},
        actor=personas["coordinator"],
    )
    # No nightly job: the very next read is refused, and the record is not there.
    assert not sees(personas["provider"], student)
    assert signed_in(client, personas["provider"]).get(url).status_code == 404
    # The involvement itself is kept, shown to staff as suspended.
    assert Involvement.objects.count() == 1


@pytest.mark.promise("P09")
def test_an_organisation_without_a_current_agreement_is_refused(student, county, personas):
    DataSharingAgreement.objects.filter(organisation=county.provider).update(
        signed_on=dt.date(2024, 9, 1), expires_on=TODAY() - dt.timedelta(1)
    )
    with pytest.raises(ValidationError) as refused:
        involve(student, county.provider, personas["coordinator"])
    message = str(refused.value)
    assert "no current data-sharing agreement" in message
    assert "expired on" in message


@pytest.mark.promise("P09")
def test_an_agreement_expiring_suspends_access_the_same_day(student, county, personas):
    involve(student, county.provider, personas["coordinator"])
    assert sees(personas["provider"], student)
    DataSharingAgreement.objects.filter(organisation=county.provider).update(
        expires_on=TODAY() - dt.timedelta(1)
    )
    assert not sees(personas["provider"], student)
    assert sharing_refusal(student, county.provider) is not None


@pytest.mark.promise("P13")
def test_an_organisation_not_registered_with_the_partnership_receives_nothing(student, personas):
    stranger = OrganisationFactory(name="Unknown Tutors Ltd", type="alternative_provider")
    with pytest.raises(ValidationError) as refused:
        involve(student, stranger, personas["coordinator"])
    assert "is not registered as a partner" in str(refused.value)


@pytest.mark.promise("P13")
@pytest.mark.parametrize("persona", ["la_officer", "agency", "provider", "admin", "nobody"])
def test_outsiders_see_no_individual_without_an_involvement(student, personas, persona):
    assert not students_visible_to(personas[persona]).exists()


@pytest.mark.promise("P08")
def test_key_workers_write_only_to_their_own_caseload(signed, county, personas):
    from seip.accounts.models import Membership, Role
    from seip.accounts.tests.factories import UserFactory
    from seip.students.permissions import ensure_can_write

    other = UserFactory(email="other.kw@seip.test")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    case = case_open(
        referral=signed, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    )  # fmt: skip
    case_assign_key_worker(case=case, key_worker=other, actor=personas["coordinator"])
    student = case.student
    # The key worker who does not hold the case may read it, but not change it.
    assert sees(personas["key_worker"], student)
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        ensure_can_write(personas["key_worker"], student)
    ensure_can_write(other, student)
    ensure_can_write(personas["coordinator"], student)


def test_creating_and_ending_are_audited_without_personal_data(student, county, personas):
    involvement = involve(student, county.provider, personas["coordinator"])
    involvement_end(involvement=involvement, ends_on=TODAY(), actor=personas["coordinator"])
    events = AuditEvent.objects.filter(action__startswith="involvement.")
    assert [e.action for e in events.order_by("seq")] == ["involvement.create", "involvement.end"]
    for event in events:
        assert student.last_name not in str(event.detail)


@pytest.mark.promise("P07")
def test_health_details_go_only_to_health_and_schools(client, student, county, personas):
    from seip.referrals.tests.factories import PDF

    NeedFactory(student=student, kind="sen_primary", code=code("sen_need", "SEMH"))
    involve(student, county.provider, personas["coordinator"])
    consent_extend(
        referral=student.referral, signed_by_name="Sam Example", relationship="Mother",
        has_parental_responsibility=True, signed_on=TODAY(), notice_version=notice_for(county.a),
        categories={OrganisationType.HEALTH}, form=PDF, actor=personas["coordinator"],
    )  # fmt: skip
    involve(student, county.agency, personas["coordinator"], purpose="CAMHS assessment")
    url = reverse("students:detail", args=[student.pk])
    provider_page = signed_in(client, personas["provider"]).get(url).content.decode()
    assert "Primary SEN type of need" not in provider_page
    assert "1 health detail withheld" in provider_page
    agency_page = signed_in(client, personas["agency"]).get(url).content.decode()
    assert "Primary SEN type of need" in agency_page
    assert "withheld" not in agency_page


@pytest.mark.promise("P14")
def test_an_external_view_is_a_disclosure_the_family_can_see(client, student, county, personas):
    from seip.progress.models import PortalLink, PortalRelationship

    involve(student, county.provider, personas["coordinator"])
    url = reverse("students:detail", args=[student.pk])
    signed_in(client, personas["coordinator"]).get(url)  # the team: audited, not disclosed
    assert not Disclosure.objects.exists()
    signed_in(client, personas["provider"]).get(url)
    signed_in(client, personas["provider"]).get(reverse("progress:progress_pdf", args=[student.pk]))
    kinds = sorted(Disclosure.objects.values_list("kind", "organisation__name"))
    assert kinds == [
        (DisclosureKind.DOWNLOAD, "Bridgeway AP"),
        (DisclosureKind.VIEW, "Bridgeway AP"),
    ]
    reads = AuditEvent.objects.filter(action="read.profile", object_id=str(student.pk))
    assert {e.actor_id for e in reads} == {personas["coordinator"].pk, personas["provider"].pk}

    PortalLink.objects.create(
        user=personas["parent"], student=student,
        relationship=PortalRelationship.PARENT_CARER, parental_responsibility=True,
    )  # fmt: skip
    page = signed_in(client, personas["parent"]).get(
        reverse("sharing:portal_disclosures", args=[student.pk])
    )
    body = page.content.decode()
    assert "Who has seen or received" in body
    assert "Bridgeway AP" in body
    assert "Looked at the record" in body
    assert "Downloaded a progress report" in body
    assert "Two days a week at the farm site" in body


def test_staff_record_an_involvement_through_the_page(client, student, county, personas):
    c = signed_in(client, personas["key_worker"])
    url = reverse("sharing:involvement_new", args=[student.pk])
    refused = c.post(url, {
        "organisation": county.agency.pk, "purpose": "CAMHS", "starts_on": TODAY().isoformat(),
    })  # fmt: skip
    assert refused.status_code == 200
    assert "has not agreed to share information with health" in refused.content.decode()
    done = c.post(url, {
        "organisation": county.provider.pk, "purpose": "Farm", "starts_on": TODAY().isoformat(),
    })  # fmt: skip
    assert done.status_code == 302
    page = c.get(reverse("students:detail", args=[student.pk])).content.decode()
    assert "Bridgeway AP" in page
    assert "Active" in page
