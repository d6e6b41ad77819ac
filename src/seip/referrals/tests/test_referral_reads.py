"""The school's reads of the referral it wrote, and the audit of every referral read.

Finding 4 of issue 15: the school kept the referral (UPN, date of birth, reasons, carers,
the signed scan) after consent was withdrawn, after an objection and after archiving, and
its reads left no trace. Each case below was a 200 on the old code.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.organisations.models import OrganisationType
from seip.referrals.models import ReferralStatus
from seip.referrals.services import consent_withdraw
from seip.rights.models import ReceivedVia, RequesterKind, RequestType
from seip.rights.services import Requester, rights_request_create
from seip.sharing.models import Disclosure, DisclosureKind
from seip.sharing.services import record_referral_read
from seip.students.models import Student


def _pages(referral):
    consent = referral.consents.get()
    return [
        reverse("referrals:detail", args=[referral.pk]),
        reverse("referrals:signed_form", args=[referral.pk, consent.pk]),
    ]


def _statuses(client, referral):
    return [client.get(url).status_code for url in _pages(referral)]


def test_the_school_reads_its_referral_while_it_waits_for_a_decision(login, personas, signed):
    assert _statuses(login(personas["school_contact"]), signed) == [200, 200]


@pytest.mark.promise("P07")
def test_withdrawing_consent_for_schools_before_the_decision_closes_the_referral(
    login, personas, signed
):
    consent_withdraw(
        referral=signed, categories={OrganisationType.SCHOOL}, actor=personas["coordinator"]
    )
    signed.refresh_from_db()
    assert signed.status == ReferralStatus.SIGNED  # the AP consent still stands
    assert _statuses(login(personas["school_contact"]), signed) == [404, 404]
    # The partnership still decides on it.
    assert _statuses(login(personas["coordinator"]), signed) == [200, 200]


@pytest.mark.promise("P07")
def test_withdrawn_consent_closes_an_accepted_referral_to_the_school(login, personas, signed, case):
    consent_withdraw(
        referral=signed, categories={OrganisationType.SCHOOL}, actor=personas["coordinator"]
    )
    assert _statuses(login(personas["school_contact"]), signed) == [404, 404]


@pytest.mark.promise("P20")
def test_an_objection_closes_the_referral_to_the_school(login, personas, signed, case):
    rights_request_create(
        partnership=signed.partnership, student=case.student, type=RequestType.OBJECTION,
        details="", received_via=ReceivedVia.EMAIL, received_on=timezone.localdate(),
        requester=Requester(RequesterKind.PARENT_CARER, "Sam Example", "sam@example.test"),
        actor=personas["coordinator"],
    )  # fmt: skip
    assert _statuses(login(personas["school_contact"]), signed) == [404, 404]


@pytest.mark.promise("P17")
def test_an_archived_student_s_referral_is_closed_to_the_school(login, personas, signed, case):
    Student.objects.filter(pk=case.student_id).update(archived_at=timezone.now())
    assert _statuses(login(personas["school_contact"]), signed) == [404, 404]
    # The archive stays open to the co-ordinator and the DPO (P17).
    assert _statuses(login(personas["dpo"]), signed) == [200, 200]


def test_after_acceptance_the_school_reads_the_student_not_the_referral(
    login, personas, signed, case
):
    client = login(personas["school_contact"])
    assert _statuses(client, signed) == [404, 404]
    assert client.get(reverse("students:detail", args=[case.student_id])).status_code == 200


def test_a_declined_referral_is_closed_to_the_school(login, personas, signed):
    login(personas["coordinator"]).post(
        reverse("referrals:decline", args=[signed.pk]), {"decline_reason": "Met by school plan"}
    )
    assert _statuses(login(personas["school_contact"]), signed) == [404, 404]


def test_the_school_keeps_its_own_draft(login, personas, draft):
    page = login(personas["school_contact"]).get(reverse("referrals:detail", args=[draft.pk]))
    assert page.status_code == 200


@pytest.mark.promise("P14")
@pytest.mark.parametrize("persona", ["school_contact", "coordinator"])
def test_every_referral_read_is_audited(login, personas, signed, persona):
    client = login(personas[persona])
    for url in _pages(signed):
        client.get(url)
    reads = AuditEvent.objects.filter(
        object_type="referrals.referral",
        object_id=str(signed.pk),
        actor=personas[persona],
        action__startswith="read.",
    ).values_list("action", flat=True)
    assert sorted(reads) == ["read.referral", "read.signed_form"]
    assert not Disclosure.objects.exists()  # no student yet: nothing in a family's log


@pytest.mark.promise("P14")
def test_a_read_of_a_referral_that_became_a_student_is_a_disclosure_to_the_school(
    personas, signed, case
):
    record_referral_read(
        actor=personas["school_contact"], referral=signed, part="signed_form", download=True
    )
    disclosure = Disclosure.objects.get()
    assert (disclosure.student_id, disclosure.kind) == (case.student_id, DisclosureKind.DOWNLOAD)
    assert disclosure.purpose == "School on roll"


def test_referral_list_is_audited_with_ids(login, personas, signed, draft):
    login(personas["school_contact"]).get(reverse("referrals:list"))
    event = AuditEvent.objects.get(action="read.referral_list")
    assert event.detail["referrals"] == [signed.pk]


def test_the_record_offers_the_signed_form_only_to_those_who_may_open_it(login, personas, case):
    """The scan's link and its download follow one rule (``may_open_scan``): the key
    worker reads the record but is not offered a link the download would refuse."""
    from seip.students.services import case_assign_key_worker

    case_assign_key_worker(
        case=case, key_worker=personas["key_worker"], actor=personas["coordinator"]
    )
    consent = case.student.referral.consents.get()
    link = reverse("referrals:signed_form", args=[consent.referral_id, consent.pk])
    record = reverse("students:detail", args=[case.student.pk])
    key_worker = login(personas["key_worker"])
    page = key_worker.get(record).content.decode()
    assert link not in page
    assert "Kept by the partnership" in page
    assert key_worker.get(link).status_code == 403
    coordinator = login(personas["coordinator"])
    assert link in coordinator.get(record).content.decode()
    assert coordinator.get(link).status_code == 200
