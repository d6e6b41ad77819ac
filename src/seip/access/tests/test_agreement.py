"""The list and the explanation agree (issue 21, ADR 0050).

``sharing.selectors.live_involvements`` decides in SQL which organisations reach a
student; ``sharing_refusal`` explains a "no" to a co-ordinator. Both are built from the
access layer's predicates. On generated worlds (objection, registration, consent,
agreement and involvement each in any state) they must agree with each other, with what a
provider's contact can open, and with the rule as the promises state it.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.organisations.models import OrganisationType
from seip.organisations.tests.factories import AgreementFactory, OrganisationFactory
from seip.referrals.models import ConsentGrant
from seip.rights.models import Restriction, RightsRequest
from seip.sharing.models import Involvement
from seip.sharing.selectors import live_involvements, sharing_refusal
from seip.students.selectors import students_visible_to

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
OUTSIDE = [
    OrganisationType.ALTERNATIVE_PROVIDER,
    OrganisationType.HEALTH,
    OrganisationType.VOLUNTARY,
]


@dataclass(frozen=True)
class World:
    kind: str
    registration: str  # listed with the student's partnership, another one, or none
    consent: str  # live, withdrawn, never given
    agreement: str  # in force, expired, not yet signed, none, with another partnership
    involvement: str  # running, ended, not started, none
    restriction: str  # in force, lifted, none


worlds = st.builds(
    World,
    kind=st.sampled_from(OUTSIDE),
    registration=st.sampled_from(["listed", "elsewhere", "none"]),
    consent=st.sampled_from(["live", "withdrawn", "never"]),
    agreement=st.sampled_from(["in_force", "expired", "future", "none", "elsewhere"]),
    involvement=st.sampled_from(["running", "ended", "future", "none"]),
    restriction=st.sampled_from(["in_force", "lifted", "none"]),
)


def _expected(world: World) -> bool:
    """The rule as PROMISES.md states it (P07, P08, P09, P13, P20)."""
    return (
        world.restriction != "in_force"
        and world.registration == "listed"
        and world.consent == "live"
        and world.agreement == "in_force"
        and world.involvement == "running"
    )


def _build(world: World, student, county):
    organisation = OrganisationFactory(type=world.kind)
    if world.registration == "listed":
        organisation.partnerships.add(student.partnership)
    elif world.registration == "elsewhere":
        organisation.partnerships.add(county.b)
    grants = ConsentGrant.objects.filter(referral=student.referral, category=world.kind)
    grants.update(withdrawn_at=timezone.now())
    if world.consent in ("live", "withdrawn"):
        consent = student.referral.grants.select_related("consent").first().consent
        ConsentGrant.objects.create(
            referral=student.referral, consent=consent, category=world.kind,
            granted_at=timezone.now(),
            withdrawn_at=timezone.now() if world.consent == "withdrawn" else None,
        )  # fmt: skip
    spans = {
        "in_force": (TODAY - 30 * DAY, TODAY + 30 * DAY),
        "expired": (TODAY - 400 * DAY, TODAY - DAY),
        "future": (TODAY + DAY, TODAY + 400 * DAY),
        "elsewhere": (TODAY - 30 * DAY, TODAY + 30 * DAY),
    }
    if world.agreement in spans:
        signed_on, expires_on = spans[world.agreement]
        partnership = county.b if world.agreement == "elsewhere" else student.partnership
        AgreementFactory(
            organisation=organisation, partnership=partnership,
            signed_on=signed_on, expires_on=expires_on,
        )  # fmt: skip
    runs = {
        "running": (TODAY - 10 * DAY, None),
        "ended": (TODAY - 30 * DAY, TODAY - DAY),
        "future": (TODAY + DAY, None),
    }
    if world.involvement in runs:
        starts_on, ends_on = runs[world.involvement]
        Involvement.objects.create(
            student=student, organisation=organisation, purpose="Mentoring",
            starts_on=starts_on, ends_on=ends_on,
        )  # fmt: skip
    if world.restriction != "none":
        request = RightsRequest.objects.create(
            partnership=student.partnership, student=student, type="objection",
            requester_kind="parent_carer", requester_name="A Parent",
            requester_contact="x@y.test", received_via="email", received_on=TODAY,
        )  # fmt: skip
        Restriction.objects.create(
            request=request, student=student, since=timezone.now(),
            lifted_at=timezone.now() if world.restriction == "lifted" else None,
        )  # fmt: skip
    contact = UserFactory()
    Membership.objects.create(user=contact, role=Role.PROVIDER_CONTACT, organisation=organisation)
    return organisation, contact


@pytest.mark.promise("P07")
@pytest.mark.promise("P08")
@pytest.mark.promise("P09")
@pytest.mark.promise("P13")
@pytest.mark.promise("P20")
@pytest.mark.django_db
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds)
def test_the_query_and_the_explanation_agree(world, active_case, county):
    student = active_case.student
    with transaction.atomic():
        organisation, contact = _build(world, student, county)
        listed = live_involvements().filter(student=student, organisation=organisation).exists()
        reason = sharing_refusal(student, organisation)
        opens = students_visible_to(contact).filter(pk=student.pk).exists()
        assert listed == (reason is None) == opens == _expected(world), (world, reason)
        if not _expected(world):
            assert reason is not None
            assert reason.endswith(")."), reason
        transaction.set_rollback(True)


@pytest.mark.promise("P08")
@pytest.mark.django_db
def test_the_explanation_names_the_first_thing_to_fix(active_case, county):
    """An organisation failing several rules is told the one a co-ordinator fixes first."""
    student = active_case.student
    world = World(
        kind=OrganisationType.HEALTH, registration="none", consent="never",
        agreement="none", involvement="none", restriction="none",
    )  # fmt: skip
    organisation, _ = _build(world, student, county)
    assert "is not registered as a partner" in sharing_refusal(student, organisation)
    organisation.partnerships.add(student.partnership)
    assert "has not agreed to share" in sharing_refusal(student, organisation)
    assert "has not agreed to share" in sharing_refusal(
        student, organisation, need_involvement=False
    )
