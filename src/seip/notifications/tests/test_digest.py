"""The daily digest: counts of what is due, received by a real SMTP server, once a day."""

import datetime as dt

import pytest
from django.utils import timezone

from seip.concerns.services import concern_raise_public
from seip.notifications.models import Kind, SentMessage, Status
from seip.notifications.selectors import DigestCounts, digest_counts
from seip.notifications.services import digests_send, preferences_update
from seip.notifications.tests.conftest import assert_no_personal_data, free_port, smtp_backend
from seip.organisations.tests.factories import AgreementFactory, OrganisationFactory
from seip.rights.models import ReceivedVia, RequesterKind, RequestType
from seip.rights.services import Requester, rights_request_create
from seip.students.models import Case


@pytest.fixture
def work(zebedee, signed, county, personas):
    """Something due for each of the partnership's staff: Zebedee's review is overdue
    (his case opened in the spring), Jordan's referral waits for a decision, a subject
    access request about Zebedee is due within the week, an agreement expires within 60
    days and a concern waits for the DPO."""
    today = timezone.localdate()
    Case.objects.filter(student=zebedee).update(opened_at=timezone.now() - dt.timedelta(days=200))
    rights_request_create(
        partnership=county.a, student=zebedee, type=RequestType.ACCESS,
        details="Everything about Zebedee Quillfeather",
        requester=Requester(RequesterKind.PARENT_CARER, "Sam Quillfeather", "sam@example.org"),
        received_via=ReceivedVia.EMAIL, received_on=today - dt.timedelta(days=28),
        actor=personas["coordinator"],
    )  # fmt: skip
    AgreementFactory(
        organisation=OrganisationFactory(name="Youth Service"),
        partnership=county.a,
        signed_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=30),
    )
    concern_raise_public(
        partnership=county.a, name="Sam Quillfeather", contact="sam@example.org",
        what_happened="Zebedee Quillfeather's record is wrong",
    )  # fmt: skip
    return zebedee


def test_the_counts_come_from_the_records(work, personas):
    coordinator = digest_counts(personas["coordinator"])
    assert (
        coordinator.reviews_overdue,
        coordinator.referrals_awaiting,
        coordinator.rights_due_soon,
        coordinator.agreements_expiring,
        coordinator.concerns_unacknowledged,
    ) == (1, 1, 1, 1, 0)
    assert 0 <= (coordinator.rights_soonest_days or 0) <= 7
    assert digest_counts(personas["key_worker"]) == DigestCounts(reviews_overdue=1)
    dpo = digest_counts(personas["dpo"])
    assert (dpo.concerns_unacknowledged, dpo.rights_due_soon) == (1, 1)
    assert not digest_counts(personas["safeguarding_lead"]).anything


@pytest.mark.promise("P15")
def test_each_member_of_staff_receives_a_digest_that_names_no_one(work, personas, smtp):
    assert digests_send() == 4
    [digest] = smtp.to("coordinator@seip.test")
    assert digest.subject == "SEIP: what is due today"
    days = digest_counts(personas["coordinator"]).rights_soonest_days
    for line in (
        "- 1 review overdue",
        "- 1 referral waiting for a decision",
        f"- 1 rights request due in {days} day" if days else "- 1 rights request due today",
        "- 1 data-sharing agreement expiring within 60 days",
        "See your tasks: https://seip.test/tasks/",
        "https://seip.test/account/notifications/",
    ):
        assert line in digest.text
    assert "review overdue" in smtp.to("key_worker@seip.test")[0].text
    assert "1 data-protection concern to acknowledge" in smtp.to("dpo@seip.test")[0].text
    # The administrator manages every agreement.
    assert "1 data-sharing agreement expiring" in smtp.to("admin@seip.test")[0].text
    # Nothing due, or not staff: no email at all.
    for persona in ("safeguarding_lead", "school_contact", "parent", "student"):
        assert smtp.to(f"{persona}@seip.test") == []
    for message in smtp.messages:
        assert_no_personal_data(message)
    record = SentMessage.objects.get(recipient=personas["coordinator"])
    assert (record.kind, record.status, record.day) == (
        Kind.DIGEST, Status.SENT, timezone.localdate()
    )  # fmt: skip
    assert record.counts["reviews_overdue"] == 1
    assert all(isinstance(n, int) for n in record.counts.values())


def test_a_second_run_the_same_day_sends_nothing_twice(work, personas, smtp):
    assert digests_send() == 4
    assert digests_send() == 0
    assert len(smtp.messages) == 4
    assert SentMessage.objects.filter(kind=Kind.DIGEST).count() == 4
    # The next day is a new digest.
    assert digests_send(today=timezone.localdate() + dt.timedelta(days=1)) == 4
    assert len(smtp.to("coordinator@seip.test")) == 2


def test_a_digest_that_failed_to_send_is_tried_again_once(work, personas, settings, smtp):
    port = settings.MAILERS["default"]["OPTIONS"]["port"]
    settings.MAILERS = smtp_backend(free_port())  # nobody listens there
    assert digests_send() == 0
    assert set(SentMessage.objects.values_list("status", flat=True)) == {Status.FAILED}
    settings.MAILERS = smtp_backend(port)
    assert digests_send() == 4
    assert digests_send() == 0
    assert len(smtp.to("coordinator@seip.test")) == 1
    assert SentMessage.objects.filter(kind=Kind.DIGEST, status=Status.SENT).count() == 4


def test_someone_who_switched_the_digest_off_gets_none(work, personas, smtp):
    coordinator = personas["coordinator"]
    preferences_update(user=coordinator, kinds=[Kind.REFERRAL_SIGNED], actor=coordinator)
    assert digests_send() == 3
    assert smtp.to("coordinator@seip.test") == []
    assert not SentMessage.objects.filter(recipient=coordinator).exists()
    assert len(smtp.to("key_worker@seip.test")) == 1
