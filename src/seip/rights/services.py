"""Writes for the rights register (P18 to P22), each audited in its own transaction.

The co-ordinator handles requests and the DPO oversees them: both may act on any request
of their partnership (``HANDLER_ROLES``). A family member may make a request through the
portal for a child they follow there (``rights_request_portal``). Audit details carry
the request's type, status and dates, never the requester's or the child's details.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.keys.fields import sealed_fields
from seip.organisations.models import Partnership
from seip.progress.models import PortalLink, PortalRelationship
from seip.progress.selectors import portal_students_visible_to
from seip.rights.clock import MAX_EXTENSION_MONTHS
from seip.rights.fields import reseal
from seip.rights.models import (
    OPEN_STATUSES,
    ClockPause,
    PauseReason,
    ReceivedVia,
    RequesterKind,
    RequestType,
    Restriction,
    RestrictionOutcome,
    RightsRequest,
    Status,
)
from seip.rights.selectors import HANDLER_ROLES, clock_of
from seip.students.models import Student

#: What the register says about a portal request's identity check (ADR 0017).
PORTAL_IDENTITY = "Signed in to their own SEIP portal account"


@dataclass(frozen=True)
class Requester:
    kind: RequesterKind
    name: str
    contact: str


@dataclass(frozen=True)
class IdentityCheck:
    checked_on: dt.date
    method: str


def ensure_handler(actor: User, partnership: Partnership) -> None:
    if not has_role(actor, HANDLER_ROLES, partnership=partnership):
        raise PermissionDenied("Only the co-ordinator or the DPO can handle rights requests.")


def _ensure_open(request: RightsRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise ValidationError("This request is closed and cannot be changed.")


def _check_day(field: str, day: dt.date, request: RightsRequest, what: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: f"The date {what} must be today or in the past"})
    if day < request.received_on:
        raise ValidationError({field: f"The date {what} must be on or after the request arrived"})


def _open_pause(request: RightsRequest) -> ClockPause | None:
    return request.pauses.filter(ended_on__isnull=True).first()


def _running_status(request: RightsRequest) -> Status:
    """The status of an open request whose clock is running."""
    if request.extension_months:
        return Status.EXTENDED
    return Status.IN_PROGRESS if request.identity_checked else Status.RECEIVED


def _audit(actor: User, action: str, request: RightsRequest, **detail: object) -> None:
    audit_record(
        actor=actor,
        action=f"rights.{action}",
        obj=request,
        detail={"type": request.type, "status": request.status, **detail},
    )


def _create(
    *,
    partnership: Partnership,
    student: Student | None,
    subject_details: str,
    type: RequestType,
    details: str,
    requester: Requester,
    requester_user: User | None,
    received_via: ReceivedVia,
    received_on: dt.date,
    identity: IdentityCheck | None,
    identity_checked_by: User | None,
    parental_responsibility_how: str,
    actor: User,
) -> RightsRequest:
    errors: dict[str, str] = {}
    if student is not None and student.partnership_id != partnership.pk:
        errors["student"] = "Choose a student of this partnership"
    if student is None and not subject_details.strip():
        errors["subject_details"] = (
            "Enter the child's name and date of birth as the requester gave them"
        )
    if received_on > timezone.localdate():
        errors["received_on"] = "The date received must be today or in the past"
    if not requester.name.strip():
        errors["requester_name"] = "Enter the requester's name"
    if not requester.contact.strip():
        errors["requester_contact"] = "Enter how to reply to the requester"
    if identity is not None and not (received_on <= identity.checked_on <= timezone.localdate()):
        errors["identity_checked_on"] = (
            "The identity check must be dated between the day received and today"
        )
    if identity is not None and not identity.method.strip():
        errors["identity_check_method"] = "Say how identity was checked"
    if errors:
        raise ValidationError(errors)
    request = RightsRequest(
        partnership=partnership,
        student=student,
        # Kept only while the child is not on record (P25; see models.py).
        subject_details="" if student is not None else subject_details.strip(),
        type=type,
        details=details.strip(),
        requester_kind=requester.kind,
        requester_name=requester.name.strip(),
        requester_contact=requester.contact.strip(),
        requester_user=requester_user,
        received_via=received_via,
        received_on=received_on,
        parental_responsibility_confirmed=bool(parental_responsibility_how.strip()),
        parental_responsibility_how=parental_responsibility_how.strip(),
        created_by=actor,
    )
    if identity is not None:
        request.identity_checked_on = identity.checked_on
        request.identity_check_method = identity.method.strip()
        request.identity_checked_by = identity_checked_by
    request.status = _running_status(request)
    request.full_clean()
    request.save()
    _audit(actor, "create", request, via=received_via, requester_kind=requester.kind)
    if type == RequestType.OBJECTION and student is not None:
        _restrict(request, student, actor)
    return request


def _restrict(request: RightsRequest, student: Student, actor: User) -> Restriction:
    """An objection restricts processing the moment it is recorded (P20, Art 18(1)(d)):
    nothing is shared, transferred or reported until the DPO's balancing decision."""
    restriction = Restriction.objects.create(request=request, student=student, since=timezone.now())
    audit_record(
        actor=actor,
        action="rights.restrict",
        obj=restriction,
        detail={"request": request.pk, "student_id": student.pk},
    )
    return restriction


@transaction.atomic
def rights_request_create(
    *,
    partnership: Partnership,
    student: Student | None,
    subject_details: str = "",
    type: RequestType,
    details: str,
    requester: Requester,
    received_via: ReceivedVia,
    received_on: dt.date,
    identity: IdentityCheck | None = None,
    parental_responsibility_how: str = "",
    actor: User,
) -> RightsRequest:
    """Enter a request the partnership received by email, letter, phone or in person.

    The clock runs from the day received. If identity was already checked (in person, or
    a known parent), say how; otherwise check it, or ask for proof with ``rights_pause``.
    """
    ensure_handler(actor, partnership)
    if received_via == ReceivedVia.PORTAL:
        raise ValidationError({"received_via": "Portal requests are made by the family"})
    return _create(
        partnership=partnership,
        student=student,
        subject_details=subject_details,
        type=type,
        details=details,
        requester=requester,
        requester_user=None,
        received_via=received_via,
        received_on=received_on,
        identity=identity,
        identity_checked_by=actor,
        parental_responsibility_how=parental_responsibility_how,
        actor=actor,
    )


@transaction.atomic
def rights_request_portal(
    *, student: Student, type: RequestType, details: str, actor: User
) -> RightsRequest:
    """A parent or carer with parental responsibility, or the student, asks through the
    portal for a child they follow there (P18 to P22).

    Their identity is taken as checked by their own sign-in to the portal account the
    co-ordinator linked to the child, and a parent's parental responsibility by that link,
    which cannot be made without it (progress.PortalLink); ADR 0017 explains why.
    """
    if not portal_students_visible_to(actor).filter(pk=student.pk).exists():
        raise PermissionDenied("You can only ask about a child you follow in the portal.")
    link = PortalLink.objects.get(user=actor, student=student, revoked_at__isnull=True)
    if RightsRequest.objects.filter(
        requester_user=actor, student=student, type=type, status__in=OPEN_STATUSES
    ).exists():
        raise ValidationError({"type": "You already have an open request of this kind"})
    is_student = link.relationship == PortalRelationship.STUDENT
    today = timezone.localdate()
    return _create(
        partnership=student.partnership,
        student=student,
        subject_details="",
        type=type,
        details=details,
        requester=Requester(
            kind=RequesterKind.STUDENT if is_student else RequesterKind.PARENT_CARER,
            name=actor.full_name or actor.email,
            contact=actor.email,
        ),
        requester_user=actor,
        received_via=ReceivedVia.PORTAL,
        received_on=today,
        identity=IdentityCheck(checked_on=today, method=PORTAL_IDENTITY),
        identity_checked_by=None,
        parental_responsibility_how=""
        if is_student
        else "Portal access was given with parental responsibility",
        actor=actor,
    )


@transaction.atomic
def rights_identity_verified(
    *, request: RightsRequest, checked_on: dt.date, method: str, actor: User
) -> RightsRequest:
    """Record who checked the requester's identity, when and how (required before any
    disclosure). If the clock was waiting for that proof, it starts again from the day
    it arrived (the "relevant time", clock.py)."""
    ensure_handler(actor, request.partnership)
    _ensure_open(request)
    _check_day("checked_on", checked_on, request, "of the check")
    if not method.strip():
        raise ValidationError({"method": "Say how identity was checked"})
    pause = _open_pause(request)
    if pause is not None and pause.reason == PauseReason.IDENTITY:
        if checked_on < pause.started_on:
            raise ValidationError({"checked_on": "The check must be on or after proof was asked"})
        pause.ended_on = checked_on
        pause.save(update_fields=["ended_on"])
        pause = None
    request.identity_checked_on = checked_on
    request.identity_check_method = method.strip()
    request.identity_checked_by = actor
    if pause is None:
        request.status = _running_status(request)
    request.full_clean()
    request.save()
    _audit(actor, "identity_verified", request, checked_on=checked_on.isoformat())
    return request


@transaction.atomic
def rights_checks_record(
    *,
    request: RightsRequest,
    parental_responsibility_how: str,
    child_view_sought: bool,
    child_view: str,
    actor: User,
) -> RightsRequest:
    """Record the parental-responsibility check and, for a child of about 12 or over, the
    child's own view: the right belongs to the child."""
    ensure_handler(actor, request.partnership)
    _ensure_open(request)
    if child_view.strip() and not child_view_sought:
        raise ValidationError({"child_view_sought": "Tick this if you recorded the child's view"})
    request.parental_responsibility_how = parental_responsibility_how.strip()
    request.parental_responsibility_confirmed = bool(request.parental_responsibility_how)
    request.child_view_sought = child_view_sought
    request.child_view = child_view.strip()
    request.full_clean()
    request.save()
    _audit(
        actor,
        "checks",
        request,
        parental_responsibility=request.parental_responsibility_confirmed,
        child_view_sought=child_view_sought,
    )
    return request


@transaction.atomic
def rights_pause(
    *, request: RightsRequest, reason: PauseReason, asked_on: dt.date, note: str, actor: User
) -> ClockPause:
    """Stop the clock while waiting for proof of identity, clarification or a fee."""
    ensure_handler(actor, request.partnership)
    _ensure_open(request)
    _check_day("asked_on", asked_on, request, "asked")
    if _open_pause(request) is not None:
        raise ValidationError("The clock is already stopped. Record what arrived first.")
    last = request.pauses.exclude(ended_on__isnull=True).order_by("-ended_on").first()
    if last is not None and last.ended_on is not None and asked_on < last.ended_on:
        raise ValidationError({"asked_on": "The date asked must be after the last wait ended"})
    if reason == PauseReason.IDENTITY and request.identity_checked:
        raise ValidationError({"reason": "The requester's identity has already been checked"})
    pause = ClockPause(
        request=request, reason=reason, started_on=asked_on, note=note.strip(), created_by=actor
    )
    pause.full_clean()
    pause.save()
    request.status = Status.AWAITING
    request.save(update_fields=["status"])
    _audit(actor, "pause", request, reason=reason, asked_on=asked_on.isoformat())
    return pause


@transaction.atomic
def rights_resume(*, request: RightsRequest, received_on: dt.date, actor: User) -> RightsRequest:
    """Restart the clock: the clarification or fee arrived on ``received_on``. Proof of
    identity is recorded with ``rights_identity_verified`` instead, which says how."""
    ensure_handler(actor, request.partnership)
    _ensure_open(request)
    pause = _open_pause(request)
    if pause is None:
        raise ValidationError("The clock is not stopped.")
    if pause.reason == PauseReason.IDENTITY:
        raise ValidationError("Record the identity check instead: it restarts the clock.")
    _check_day("received_on", received_on, request, "received")
    if received_on < pause.started_on:
        raise ValidationError({"received_on": "The date received must be on or after the ask"})
    pause.ended_on = received_on
    pause.save(update_fields=["ended_on"])
    request.status = _running_status(request)
    request.save(update_fields=["status"])
    _audit(actor, "resume", request, reason=pause.reason, received_on=received_on.isoformat())
    return request


@transaction.atomic
def rights_extend(
    *, request: RightsRequest, months: int, reason: str, notified_on: dt.date, actor: User
) -> RightsRequest:
    """Extend the deadline by one or two months for a complex request, or one of several.

    Refused when the requester was told after the first month had run out (the notice
    must come inside it), for more than two months, or a second time.
    """
    ensure_handler(actor, request.partnership)
    _ensure_open(request)
    if request.extension_months:
        raise ValidationError("This request has already been extended.")
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValidationError({"months": "An extension is one or two further months"})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reasons the requester was told"})
    state = clock_of(request)
    if state.extension_notice_due is None:
        raise ValidationError("The clock is stopped. Extend once it is running again.")
    _check_day("notified_on", notified_on, request, "the requester was told")
    if notified_on > state.extension_notice_due:
        raise ValidationError(
            {
                "notified_on": "The requester had to be told within the first month, by "
                f"{state.extension_notice_due:%-d %B %Y}: the deadline cannot be extended now"
            }
        )
    request.extension_months = months
    request.extension_reason = reason.strip()
    request.extension_notified_on = notified_on
    request.status = Status.EXTENDED
    request.full_clean()
    request.save()
    _audit(actor, "extend", request, months=months, notified_on=notified_on.isoformat())
    return request


def _close_restriction(request: RightsRequest, status: Status, actor: User) -> None:
    """A withdrawn objection lifts its restriction; otherwise an objection is closed only
    after the DPO's balancing decision (``rights.objections.objection_decide``)."""
    restriction = Restriction.objects.filter(
        request=request, outcome=RestrictionOutcome.PENDING
    ).first()
    if restriction is None:
        return
    if status != Status.WITHDRAWN:
        raise ValidationError(
            "Processing is restricted while the objection is decided: the DPO records the "
            "balancing decision first."
        )
    restriction.lifted_at = timezone.now()
    restriction.outcome = RestrictionOutcome.WITHDRAWN
    restriction.save(update_fields=["lifted_at", "outcome"])
    audit_record(
        actor=actor,
        action="rights.restriction_lifted",
        obj=restriction,
        detail={"request": request.pk, "outcome": restriction.outcome},
    )


def _close(
    request: RightsRequest, status: Status, on: dt.date, notes: str, actor: User, field: str
) -> RightsRequest:
    _ensure_open(request)
    _check_day(field, on, request, "closed")
    _close_restriction(request, status, actor)
    pause = _open_pause(request)
    if pause is not None:
        if on < pause.started_on:
            raise ValidationError({field: "The date must be on or after the clock stopped"})
        # Nothing more will arrive: the wait ends when the request does.
        pause.ended_on = on
        pause.save(update_fields=["ended_on"])
    request.status = status
    request.closed_on = on
    request.outcome_notes = notes.strip()
    request.full_clean()
    request.save()
    _audit(actor, status, request, closed_on=on.isoformat())
    return request


@transaction.atomic
def rights_complete(
    *, request: RightsRequest, completed_on: dt.date, outcome_notes: str, actor: User
) -> RightsRequest:
    """Close a request as answered. Nothing may be disclosed before the requester's
    identity and, for a parent or carer, their parental responsibility are checked."""
    ensure_handler(actor, request.partnership)
    if request.status == Status.AWAITING:
        raise ValidationError("The clock is stopped: record what arrived before completing.")
    errors: dict[str, str] = {}
    if not request.identity_checked:
        errors["completed_on"] = "Check the requester's identity before completing"
    elif (
        request.requester_kind == RequesterKind.PARENT_CARER
        and not request.parental_responsibility_confirmed
    ):
        errors["completed_on"] = "Check parental responsibility before completing"
    if not outcome_notes.strip():
        errors["outcome_notes"] = "Say what was done"
    if errors:
        raise ValidationError(errors)
    return _close(request, Status.COMPLETED, completed_on, outcome_notes, actor, "completed_on")


@transaction.atomic
def rights_refuse(
    *, request: RightsRequest, refused_on: dt.date, reason: str, actor: User
) -> RightsRequest:
    """Refuse a request, with the reason the requester is given (for example: no right of
    erasure on this ground, or proof of identity never came)."""
    ensure_handler(actor, request.partnership)
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for refusing"})
    return _close(request, Status.REFUSED, refused_on, reason, actor, "refused_on")


@transaction.atomic
def rights_withdraw(
    *, request: RightsRequest, withdrawn_on: dt.date, note: str, actor: User
) -> RightsRequest:
    """The requester withdrew the request."""
    ensure_handler(actor, request.partnership)
    return _close(request, Status.WITHDRAWN, withdrawn_on, note, actor, "withdrawn_on")


@transaction.atomic
def rights_request_link_student(
    *, request: RightsRequest, student: Student, actor: User
) -> RightsRequest:
    """The child a request was about turns out to be on record: name the student (once).

    Until now the request's text, and its waits' and corrections' notes, were sealed with
    the service key; they are sealed again under the student's own key, so that erasing
    the student reaches every copy made from now on (``rights.fields``, ADR 0035). The
    child's details as the requester gave them are no longer needed, and go.
    """
    ensure_handler(actor, request.partnership)
    request = RightsRequest.objects.select_for_update().get(pk=request.pk)
    if request.student_id is not None:
        raise ValidationError("This request already names a student.")
    if student.partnership_id != request.partnership_id:
        raise ValidationError({"student": "Choose a student of this partnership"})
    # Open every value while it is still sealed with the service key.
    rows: list[models.Model] = [
        *request.pauses.all(),
        *(corrections := list(request.corrections.all())),
        *(notice for c in corrections for notice in c.notices.all()),
    ]
    for row in [request, *rows]:
        for field in sealed_fields(type(row)):
            getattr(row, field.attname)
    request.student = student
    request.subject_details = ""
    request.full_clean()
    request.save()
    for row in rows:
        # Each row reaches the student through the request it was loaded from.
        reseal(row)
    _audit(actor, "link_student", request, student_id=student.pk)
    if request.type == RequestType.OBJECTION and request.is_open:
        _restrict(request, student, actor)
    return request
