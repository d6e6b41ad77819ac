"""The register's services: who may act, the audit trail, status changes and the clock."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seip.accounts.models import Membership, Role
from seip.accounts.selectors import forget_memberships
from seip.audit.models import AuditEvent
from seip.rights.models import PauseReason, ReceivedVia, RequesterKind, RequestType, Status
from seip.rights.selectors import (
    attention_counts,
    child_view_expected,
    clock_of,
    dashboard,
    due_date_for,
    portal_requests_of,
    rights_requests_visible_to,
)
from seip.rights.services import (
    PORTAL_IDENTITY,
    rights_checks_record,
    rights_complete,
    rights_extend,
    rights_identity_verified,
    rights_pause,
    rights_refuse,
    rights_request_portal,
    rights_resume,
    rights_withdraw,
)
from seip.rights.tests.conftest import RECEIVED, make_request

D = dt.date


def events(request, action):
    return AuditEvent.objects.filter(
        action=f"rights.{action}", object_type="rights.rightsrequest", object_id=str(request.pk)
    )


# --- entering a request ------------------------------------------------------------------


@pytest.mark.promise("P18")
def test_an_access_request_is_registered_on_the_legal_clock(access_request):
    assert access_request.status == Status.RECEIVED
    assert due_date_for(access_request) == D(2026, 11, 2)  # 1 November 2026 is a Sunday
    event = events(access_request, "create").get()
    assert event.detail == {
        "type": "access",
        "status": "received",
        "via": "email",
        "requester_kind": "parent_carer",
    }


def test_audit_details_hold_no_personal_data(access_request, personas):
    rights_identity_verified(
        request=access_request, checked_on=RECEIVED, method="Passport seen", actor=personas["dpo"]
    )
    text = json.dumps(
        list(AuditEvent.objects.filter(action__startswith="rights.").values()), default=str
    )
    for personal in ("Sam", "sam@example.test", "Jordan", "Passport", "Everything you hold"):
        assert personal not in text


@pytest.mark.parametrize(
    "persona", ["key_worker", "safeguarding_lead", "school_contact", "school_b", "admin", "parent"]
)
def test_only_the_coordinator_or_dpo_enter_requests(county, student, personas, persona):
    with pytest.raises(PermissionDenied):
        make_request(partnership=county.a, student=student, actor=personas[persona])


def test_the_dpo_may_enter_and_act(county, student, personas):
    request = make_request(partnership=county.a, student=student, actor=personas["dpo"])
    rights_identity_verified(
        request=request, checked_on=RECEIVED, method="In person", actor=personas["dpo"]
    )
    assert request.status == Status.IN_PROGRESS


def test_a_request_about_a_child_not_on_record_needs_their_details(county, personas):
    with pytest.raises(ValidationError) as error:
        make_request(partnership=county.a, student=None, actor=personas["coordinator"])
    assert "subject_details" in error.value.message_dict
    request = make_request(
        partnership=county.a,
        student=None,
        subject_details="Alex Unknown, born 1 May 2013",
        actor=personas["coordinator"],
    )
    assert request.student is None
    assert request.subject_details == "Alex Unknown, born 1 May 2013"


def test_subject_details_are_not_kept_when_the_student_is_on_record(county, student, personas):
    request = make_request(
        partnership=county.a,
        student=student,
        subject_details="Jordan Example, 14/3/2012",
        actor=personas["coordinator"],
    )
    assert request.subject_details == ""


def test_a_student_of_another_partnership_is_refused(county, student, personas):
    coordinator = personas["coordinator"]
    Membership.objects.create(user=coordinator, role=Role.COORDINATOR, partnership=county.b)
    forget_memberships(coordinator)
    with pytest.raises(ValidationError) as error:
        make_request(partnership=county.b, student=student, actor=coordinator)
    assert "student" in error.value.message_dict


def test_a_request_cannot_be_received_in_the_future(county, student, personas):
    with pytest.raises(ValidationError) as error:
        make_request(
            partnership=county.a,
            student=student,
            received_on=timezone.localdate() + dt.timedelta(days=1),
            actor=personas["coordinator"],
        )
    assert "received_on" in error.value.message_dict


def test_identity_checked_on_receipt_starts_in_progress(county, student, personas):
    request = make_request(
        partnership=county.a, student=student, identity=True, actor=personas["coordinator"]
    )
    assert request.status == Status.IN_PROGRESS
    assert request.identity_checked_by == personas["coordinator"]


# --- identity and stop the clock ---------------------------------------------------------


@pytest.mark.promise("P18")
def test_waiting_for_identity_moves_the_start_to_the_day_it_arrived(access_request, personas):
    coordinator = personas["coordinator"]
    rights_pause(
        request=access_request, reason=PauseReason.IDENTITY, asked_on=D(2026, 10, 2), note="",
        actor=coordinator,
    )  # fmt: skip
    assert access_request.status == Status.AWAITING
    assert due_date_for(access_request) is None  # the clock is stopped
    rights_identity_verified(
        request=access_request, checked_on=D(2026, 10, 12), method="Birth certificate copy",
        actor=coordinator,
    )  # fmt: skip
    access_request.refresh_from_db()
    assert access_request.status == Status.IN_PROGRESS
    # One month from Monday 12 October: Thursday 12 November.
    assert due_date_for(access_request) == D(2026, 11, 12)
    assert events(access_request, "pause").count() == 1
    assert events(access_request, "identity_verified").count() == 1


@pytest.mark.promise("P18")
def test_clarification_pause_then_resume_adds_the_days(access_request, personas):
    coordinator = personas["coordinator"]
    rights_identity_verified(
        request=access_request, checked_on=RECEIVED, method="Known", actor=coordinator
    )
    rights_pause(
        request=access_request, reason=PauseReason.CLARIFICATION, asked_on=D(2026, 10, 5),
        note="Which years?", actor=coordinator,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already stopped"):
        rights_pause(
            request=access_request, reason=PauseReason.FEE, asked_on=D(2026, 10, 6), note="",
            actor=coordinator,
        )  # fmt: skip
    rights_resume(request=access_request, received_on=D(2026, 10, 9), actor=coordinator)
    state = clock_of(access_request)
    assert state.paused_days == 5  # 5, 6, 7, 8 and 9 October
    # 1 November + 5 days = Friday 6 November.
    assert state.due_on == D(2026, 11, 6)
    assert access_request.status == Status.IN_PROGRESS
    assert events(access_request, "resume").get().detail["reason"] == "clarification"


def test_resume_refuses_an_identity_wait_and_a_running_clock(access_request, personas):
    coordinator = personas["coordinator"]
    with pytest.raises(ValidationError, match="not stopped"):
        rights_resume(request=access_request, received_on=RECEIVED, actor=coordinator)
    rights_pause(
        request=access_request, reason=PauseReason.IDENTITY, asked_on=RECEIVED, note="",
        actor=coordinator,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="identity check"):
        rights_resume(request=access_request, received_on=RECEIVED, actor=coordinator)


def test_a_pause_cannot_start_before_the_request(access_request, personas):
    with pytest.raises(ValidationError) as error:
        rights_pause(
            request=access_request, reason=PauseReason.CLARIFICATION,
            asked_on=D(2026, 9, 30), note="", actor=personas["coordinator"],
        )  # fmt: skip
    assert "asked_on" in error.value.message_dict


# --- extension ---------------------------------------------------------------------------


@pytest.mark.promise("P18")
def test_an_extension_notified_in_the_first_month(access_request, personas):
    rights_extend(
        request=access_request, months=2, reason="Five years of records across agencies.",
        notified_on=D(2026, 10, 20), actor=personas["coordinator"],
    )  # fmt: skip
    assert access_request.status == Status.EXTENDED
    # Three months from 1 October: Friday 1 January 2027 is New Year's Day -> Monday 4th.
    assert due_date_for(access_request) == D(2027, 1, 4)
    assert events(access_request, "extend").get().detail["months"] == 2


def test_an_extension_notice_on_the_last_day_is_in_time(access_request, personas):
    rights_extend(
        request=access_request, months=1, reason="Complex", notified_on=D(2026, 11, 2),
        actor=personas["coordinator"],
    )  # fmt: skip
    assert due_date_for(access_request) == D(2026, 12, 1)


def test_an_extension_notice_after_the_first_month_is_refused(access_request, personas):
    with pytest.raises(ValidationError) as error:
        rights_extend(
            request=access_request, months=2, reason="Complex", notified_on=D(2026, 11, 3),
            actor=personas["coordinator"],
        )  # fmt: skip
    assert "2 November 2026" in str(error.value.message_dict["notified_on"])
    access_request.refresh_from_db()
    assert access_request.extension_months == 0
    assert not events(access_request, "extend").exists()


@pytest.mark.parametrize("months", [0, 3])
def test_an_extension_is_one_or_two_months(access_request, personas, months):
    with pytest.raises(ValidationError):
        rights_extend(
            request=access_request, months=months, reason="Complex", notified_on=RECEIVED,
            actor=personas["coordinator"],
        )  # fmt: skip


def test_a_request_is_extended_only_once(access_request, personas):
    kwargs = {"reason": "Complex", "notified_on": RECEIVED, "actor": personas["coordinator"]}
    rights_extend(request=access_request, months=1, **kwargs)
    with pytest.raises(ValidationError, match="already"):
        rights_extend(request=access_request, months=1, **kwargs)


def test_the_notice_deadline_includes_clarification_days(access_request, personas):
    coordinator = personas["coordinator"]
    rights_pause(
        request=access_request, reason=PauseReason.CLARIFICATION, asked_on=D(2026, 10, 5),
        note="", actor=coordinator,
    )  # fmt: skip
    rights_resume(request=access_request, received_on=D(2026, 10, 9), actor=coordinator)
    # The first month now ends on Friday 6 November, so a notice on the 5th is in time.
    rights_extend(
        request=access_request, months=1, reason="Complex", notified_on=D(2026, 11, 5),
        actor=coordinator,
    )  # fmt: skip
    assert access_request.status == Status.EXTENDED


# --- closing -----------------------------------------------------------------------------


def test_completing_needs_identity_and_parental_responsibility(access_request, personas):
    coordinator = personas["coordinator"]
    kwargs = {"completed_on": D(2026, 10, 20), "outcome_notes": "Bundle sent."}
    with pytest.raises(ValidationError, match="identity"):
        rights_complete(request=access_request, actor=coordinator, **kwargs)
    rights_identity_verified(
        request=access_request, checked_on=RECEIVED, method="Known", actor=coordinator
    )
    with pytest.raises(ValidationError, match="parental responsibility"):
        rights_complete(request=access_request, actor=coordinator, **kwargs)
    rights_checks_record(
        request=access_request, parental_responsibility_how="Named on the signed referral",
        child_view_sought=True, child_view="Happy for mum to see it.", actor=coordinator,
    )  # fmt: skip
    rights_complete(request=access_request, actor=coordinator, **kwargs)
    assert access_request.status == Status.COMPLETED
    assert access_request.closed_on == D(2026, 10, 20)
    with pytest.raises(ValidationError, match="closed"):
        rights_withdraw(
            request=access_request, withdrawn_on=D(2026, 10, 21), note="", actor=coordinator
        )


def test_refusing_needs_a_reason_and_ends_a_wait(access_request, personas):
    coordinator = personas["coordinator"]
    rights_pause(
        request=access_request, reason=PauseReason.IDENTITY, asked_on=RECEIVED, note="",
        actor=coordinator,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        rights_refuse(
            request=access_request, refused_on=D(2026, 11, 1), reason=" ", actor=coordinator
        )
    rights_refuse(
        request=access_request, refused_on=D(2026, 11, 20), reason="Identity never proved.",
        actor=coordinator,
    )  # fmt: skip
    assert access_request.status == Status.REFUSED
    assert access_request.pauses.get().ended_on == D(2026, 11, 20)
    assert events(access_request, "refused").exists()


def test_withdrawal(access_request, personas):
    rights_withdraw(
        request=access_request, withdrawn_on=D(2026, 10, 3), note="", actor=personas["dpo"]
    )
    assert access_request.status == Status.WITHDRAWN
    assert events(access_request, "withdrawn").get().actor == personas["dpo"]


@pytest.mark.parametrize("persona", ["key_worker", "school_contact", "parent", "admin"])
def test_others_cannot_act_on_a_request(access_request, personas, persona):
    with pytest.raises(PermissionDenied):
        rights_withdraw(
            request=access_request, withdrawn_on=RECEIVED, note="", actor=personas[persona]
        )


def test_a_coordinator_of_another_partnership_cannot_act(access_request, county, personas):
    other = personas["nobody"]
    Membership.objects.create(user=other, role=Role.COORDINATOR, partnership=county.b)
    with pytest.raises(PermissionDenied):
        rights_withdraw(request=access_request, withdrawn_on=RECEIVED, note="", actor=other)
    assert not rights_requests_visible_to(other).exists()


# --- the child's view --------------------------------------------------------------------


def test_the_childs_view_is_expected_for_a_child_of_12_or_over(access_request):
    # Jordan was born on 14 March 2012: 14 when his mother asked.
    assert child_view_expected(access_request)


def test_a_view_without_asking_is_refused(access_request, personas):
    with pytest.raises(ValidationError):
        rights_checks_record(
            request=access_request, parental_responsibility_how="", child_view_sought=False,
            child_view="Something", actor=personas["coordinator"],
        )  # fmt: skip


# --- the portal --------------------------------------------------------------------------


@pytest.mark.promise("P18")
def test_a_parent_asks_in_the_portal(linked, personas):
    parent = personas["parent"]
    request = rights_request_portal(
        student=linked, type=RequestType.ACCESS, details="", actor=parent
    )
    assert request.received_via == ReceivedVia.PORTAL
    assert request.received_on == timezone.localdate()
    assert request.requester_kind == RequesterKind.PARENT_CARER
    assert request.identity_check_method == PORTAL_IDENTITY
    assert request.identity_checked_by is None
    assert request.parental_responsibility_confirmed
    assert request.status == Status.IN_PROGRESS
    assert list(portal_requests_of(parent)) == [request]
    assert request in rights_requests_visible_to(personas["coordinator"])
    assert request in rights_requests_visible_to(personas["dpo"])
    with pytest.raises(ValidationError, match="already"):
        rights_request_portal(student=linked, type=RequestType.ACCESS, details="", actor=parent)


def test_the_student_asks_for_themself(linked, personas):
    request = rights_request_portal(
        student=linked, type=RequestType.RECTIFICATION, details="My year group is wrong.",
        actor=personas["student"],
    )  # fmt: skip
    assert request.requester_kind == RequesterKind.STUDENT
    assert not child_view_expected(request)


def test_a_parent_cannot_ask_about_a_child_they_do_not_follow(student, personas):
    with pytest.raises(PermissionDenied):
        rights_request_portal(
            student=student, type=RequestType.ACCESS, details="", actor=personas["parent"]
        )


def test_a_revoked_link_cannot_ask(linked, personas):
    linked.portal_links.filter(user=personas["parent"]).update(revoked_at=timezone.now())
    with pytest.raises(PermissionDenied):
        rights_request_portal(
            student=linked, type=RequestType.ERASURE, details="", actor=personas["parent"]
        )


# --- the register ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    ["key_worker", "safeguarding_lead", "school_contact", "provider", "la_officer", "admin",
     "parent", "student", "nobody"],
)  # fmt: skip
def test_nobody_else_sees_the_register(access_request, personas, persona):
    assert not rights_requests_visible_to(personas[persona]).exists()


def test_dashboard_sorts_overdue_and_due_soon(county, student, personas):
    coordinator = personas["coordinator"]
    overdue = make_request(partnership=county.a, student=student, actor=coordinator)
    soon = make_request(
        partnership=county.a, student=student, received_on=D(2026, 10, 28), actor=coordinator
    )
    later = make_request(
        partnership=county.a, student=student, received_on=D(2026, 11, 20), actor=coordinator
    )
    closed = make_request(partnership=county.a, student=student, actor=coordinator)
    rights_withdraw(request=closed, withdrawn_on=RECEIVED, note="", actor=coordinator)
    board = dashboard(coordinator, today=D(2026, 11, 23))
    assert [r.request for r in board.overdue] == [overdue]  # due 2 November
    assert [r.request for r in board.due_soon] == [
        soon
    ]  # 28 November is a Saturday: due Monday 30th
    assert [r.request for r in board.open] == [overdue, soon, later]
    assert [r.request for r in board.closed] == [closed]
    assert attention_counts(coordinator, today=D(2026, 11, 23)) == (1, 1)
    assert attention_counts(personas["key_worker"], today=D(2026, 11, 23)) == (0, 0)
