"""Immediate alerts, received by a real SMTP server: a break-glass read, a signed referral,
an import's end and an exclusion arriving for a key worker's caseload (issue 19)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from seip.audit.models import AuditEvent
from seip.imports.fixtures import make_upn
from seip.imports.models import RunStatus
from seip.imports.runs import import_run_start
from seip.notifications.models import Kind, SentMessage, Status
from seip.notifications.tests.conftest import UPN, assert_no_personal_data
from seip.organisations.models import OrganisationType
from seip.records.services import concern_break_glass
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from seip.students.services import case_open

EXCLUSIONS = {
    "upn": "UPN",
    "start_date": "Start",
    "type": "Category",
    "sessions": "Sessions",
    "reason_1": "Reason",
}


def _exclusions_file(*rows: str) -> bytes:
    return ("\n".join(["UPN,Start,Category,Sessions,Reason", *rows]) + "\n").encode()


def _sign(referral, personas):
    referral_sign(
        referral=referral, signed_by_name="Sam Example", relationship="Mother",
        has_parental_responsibility=True, signed_on=dt.date(2026, 11, 20),
        notice_version=notice_for(referral.partnership), categories={OrganisationType.SCHOOL},
        form=PDF, actor=personas["school_contact"],
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _tasks_at_once(immediate_tasks):
    """Imports run as background tasks: here, at once."""


@pytest.mark.promise("P02")
def test_a_break_glass_read_alerts_the_safeguarding_lead(
    zebedee, personas, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern_break_glass(
            student=zebedee,
            reason="Zebedee Quillfeather told me something",
            actor=personas["key_worker"],
        )
    [alert] = smtp.to("safeguarding_lead@seip.test")
    assert alert.subject == "SEIP: restricted safeguarding records were opened"
    assert f"https://seip.test/students/{zebedee.pk}/safeguarding/" in alert.text
    assert "told me something" not in alert.text  # the reason stays in the service
    assert smtp.to("key_worker@seip.test") == []
    record = SentMessage.objects.get(kind=Kind.BREAK_GLASS)
    assert (record.recipient, record.status, record.counts) == (
        personas["safeguarding_lead"],
        Status.SENT,
        {"opened": 1},
    )
    assert record.sent_at is not None
    assert AuditEvent.objects.filter(
        action="notifications.message.sent", object_id=str(record.pk)
    ).exists()


def test_nothing_is_sent_when_the_change_rolls_back(
    zebedee, personas, smtp, django_capture_on_commit_callbacks
):
    # A refused break-glass (no reason) writes nothing, so tells nobody.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        concern_break_glass(student=zebedee, reason=" ", actor=personas["key_worker"])
    assert smtp.messages == []


def test_a_signed_referral_alerts_the_coordinator(
    zebedee_draft, personas, smtp, django_capture_on_commit_callbacks, request
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = request.getfixturevalue("zebedee_signed")
    [alert] = smtp.to("coordinator@seip.test")
    assert alert.subject == "SEIP: a referral was signed and waits for your decision"
    assert f"https://seip.test/referrals/{referral.pk}/" in alert.text
    assert "1 referral now wait" in alert.text
    assert [m.to for m in smtp.messages] == [["coordinator@seip.test"]]


def test_referrals_signed_together_make_one_email_and_a_decided_one_none(
    zebedee_draft, draft, personas, smtp, django_capture_on_commit_callbacks, request
):
    with django_capture_on_commit_callbacks(execute=True):
        request.getfixturevalue("zebedee_signed")
        request.getfixturevalue("signed")
    [alert] = smtp.messages
    assert "2 referrals now wait" in alert.text
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        third = referral_draft_create(
            school=draft.school, pupil=pupil(upn=make_upn("855", "4001", 12, 5)),
            carers=carers(), actor=personas["school_contact"],
        )  # fmt: skip
        _sign(third, personas)
        case_open(
            referral=third, tier=2, risk_assessment_on=None, risk_assessment_summary="",
            actor=personas["coordinator"],
        )  # fmt: skip
    assert smtp.messages == []  # decided before the email would have gone


def test_an_import_alerts_who_started_it_and_the_key_worker(
    zebedee, county, personas, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = import_run_start(
            school=county.school_a, kind="exclusions", file_name="Quillfeather exclusions.csv",
            content=_exclusions_file(f"{UPN},2026-11-03,FIXD,4,PA"), valid_only=False,
            columns=EXCLUSIONS, actor=personas["coordinator"],
        )  # fmt: skip
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    [finished] = smtp.to("coordinator@seip.test")
    assert finished.subject == "SEIP: your import has finished"
    assert f"https://seip.test/imports/runs/{run.pk}/" in finished.text
    assert "imported: 1" in finished.text
    [excluded] = smtp.to("key_worker@seip.test")
    assert excluded.subject == "SEIP: a suspension or exclusion arrived for your caseload"
    assert "1 suspension or exclusion record for students on your caseload" in excluded.text
    assert SentMessage.objects.get(kind=Kind.EXCLUSION_IMPORTED).counts == {"exclusions": 1}


def test_the_same_file_again_tells_the_key_worker_nothing_new(
    zebedee, county, personas, smtp, django_capture_on_commit_callbacks
):
    content = _exclusions_file(f"{UPN},2026-11-03,FIXD,4,PA")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            import_run_start(
                school=county.school_a, kind="exclusions", file_name="e.csv", content=content,
                valid_only=False, columns=EXCLUSIONS, actor=personas["coordinator"],
            )  # fmt: skip
    assert len(smtp.to("key_worker@seip.test")) == 1
    assert len(smtp.to("coordinator@seip.test")) == 2


def test_a_refused_import_says_so_and_changes_nothing(
    zebedee, county, personas, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_run_start(
            school=county.school_a, kind="exclusions", file_name="e.csv",
            content=_exclusions_file(f"{UPN},not a date,FIXD,4,PA"), valid_only=False,
            columns=EXCLUSIONS, actor=personas["coordinator"],
        )  # fmt: skip
    [refused] = smtp.to("coordinator@seip.test")
    assert refused.subject == "SEIP: your import was refused and nothing was changed"
    assert smtp.to("key_worker@seip.test") == []


def test_a_send_that_fails_is_recorded_and_the_change_stands(
    zebedee, personas, settings, django_capture_on_commit_callbacks
):
    from seip.notifications.tests.conftest import free_port, smtp_backend

    settings.MAILERS = smtp_backend(free_port())  # nobody listens there
    with django_capture_on_commit_callbacks(execute=True):
        opened = concern_break_glass(
            student=zebedee, reason="a reason", actor=personas["key_worker"]
        )
    assert opened == []
    record = SentMessage.objects.get(kind=Kind.BREAK_GLASS)
    assert (record.status, record.sent_at) == (Status.FAILED, None)
    assert AuditEvent.objects.filter(action="records.concern.break_glass").exists()


@pytest.mark.promise("P15")
def test_no_alert_carries_the_childs_name_upn_or_date_of_birth(
    zebedee_draft, county, personas, smtp, django_capture_on_commit_callbacks, request
):
    """Email leaves the service unencrypted: every alert about Zebedee is searched, as
    bytes on the wire and as decoded text, for any of his details."""
    with django_capture_on_commit_callbacks(execute=True):
        request.getfixturevalue("zebedee_signed")
    student = request.getfixturevalue("zebedee")
    with django_capture_on_commit_callbacks(execute=True):
        concern_break_glass(
            student=student, reason="Zebedee's reason", actor=personas["key_worker"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        import_run_start(
            school=county.school_a, kind="exclusions", file_name=f"{UPN} Quillfeather.csv",
            content=_exclusions_file(f"{UPN},2026-11-03,FIXD,4,PA"), valid_only=False,
            columns=EXCLUSIONS, actor=personas["coordinator"],
        )  # fmt: skip
    kinds = set(SentMessage.objects.values_list("kind", flat=True))
    assert kinds == {
        Kind.REFERRAL_SIGNED, Kind.BREAK_GLASS, Kind.IMPORT_FINISHED, Kind.EXCLUSION_IMPORTED
    }  # fmt: skip
    assert len(smtp.messages) == 4
    for message in smtp.messages:
        assert_no_personal_data(message)
