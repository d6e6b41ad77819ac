"""Writes for data-protection concerns (P23), each audited in its own transaction.

Audit details carry the concern's id, how it came in and dates, never the person's name,
contact details or what they wrote. The DPO is told by email once the concern is saved;
the email says only that a concern arrived and where to read it, because email is not the
place for its content.
"""

import datetime as dt
import logging
import smtplib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Membership, Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import anonymous_record, audit_record
from seip.concerns.models import ACKNOWLEDGE_WITHIN_DAYS, MAX_TEXT, Concern, RaisedVia
from seip.organisations.models import Partnership
from seip.progress.selectors import portal_students_visible_to
from seip.students.models import Student

logger = logging.getLogger(__name__)


def _dpo_addresses(partnership: Partnership) -> list[str]:
    members = Membership.objects.filter(
        partnership=partnership, role=Role.DPO, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted({partnership.dpo_email, *members} - {""})


def _notify_dpo(concern: Concern) -> None:
    subject = f"Data-protection concern {concern.pk} received"
    body = (
        f"A data-protection concern was raised with {concern.partnership.name}.\n"
        f"Acknowledge it by {concern.acknowledge_by:%-d %B %Y}.\n"
        f"Sign in to SEIP to read it: {reverse('concerns:detail', args=[concern.pk])}\n"
    )
    try:
        send_mail(subject, body, None, _dpo_addresses(concern.partnership))
    except (smtplib.SMTPException, OSError):
        # The concern is saved and listed for the DPO either way; say so without content.
        logger.warning("Could not email the DPO about concern %s", concern.pk)


def _raise(
    *,
    partnership: Partnership,
    via: RaisedVia,
    user: User | None,
    name: str,
    contact: str,
    what_happened: str,
) -> Concern:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter your name"
    if not contact.strip():
        errors["contact"] = "Enter how we can reply to you"
    if not what_happened.strip():
        errors["what_happened"] = "Tell us what happened"
    elif len(what_happened) > MAX_TEXT:
        errors["what_happened"] = f"Use {MAX_TEXT} characters or fewer"
    if errors:
        raise ValidationError(errors)
    received = timezone.now()
    concern = Concern(
        partnership=partnership,
        raised_via=via,
        raised_by=user,
        name=name.strip(),
        contact=contact.strip(),
        what_happened=what_happened.strip(),
        received_at=received,
        acknowledge_by=timezone.localdate(received) + dt.timedelta(days=ACKNOWLEDGE_WITHIN_DAYS),
    )
    concern.full_clean()
    concern.save()
    if user is None:
        # Anyone can post the public form, as often as they like: kept off the audit
        # chain's lock, and counted into the chain later (ADR 0025).
        anonymous_record(action="concerns.raise", obj=concern, detail={"via": via})
    else:
        audit_record(actor=user, action="concerns.raise", obj=concern, detail={"via": via})
    transaction.on_commit(lambda: _notify_dpo(concern))
    return concern


@transaction.atomic
def concern_raise_public(
    *, partnership: Partnership, name: str, contact: str, what_happened: str
) -> Concern:
    """Anyone, signed in or not, raises a concern with a partnership's DPO (P23)."""
    return _raise(
        partnership=partnership,
        via=RaisedVia.PUBLIC,
        user=None,
        name=name,
        contact=contact,
        what_happened=what_happened,
    )


@transaction.atomic
def concern_raise_portal(
    *, partnership: Partnership, what_happened: str, contact: str = "", actor: User
) -> Concern:
    """A family member raises a concern from the portal, with a partnership of a child they
    follow there; their name and reply address come from their account."""
    if not portal_students_visible_to(actor).filter(partnership=partnership).exists():
        raise PermissionDenied("You can raise a concern with a partnership you work with.")
    return _raise(
        partnership=partnership,
        via=RaisedVia.PORTAL,
        user=actor,
        name=actor.full_name or actor.email,
        contact=contact.strip() or actor.email,
        what_happened=what_happened,
    )


def _ensure_dpo(actor: User, concern: Concern) -> None:
    if not has_role(actor, [Role.DPO], partnership=concern.partnership):
        raise PermissionDenied("Only the data protection officer handles concerns.")


def _check_day(field: str, day: dt.date, concern: Concern) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "The date must be today or in the past"})
    if day < timezone.localdate(concern.received_at):
        raise ValidationError({field: "The date must be on or after the concern arrived"})


@transaction.atomic
def concern_acknowledge(*, concern: Concern, acknowledged_on: dt.date, actor: User) -> Concern:
    """Record that the person was told their concern arrived (within 30 days)."""
    _ensure_dpo(actor, concern)
    if concern.acknowledged_on is not None:
        raise ValidationError("This concern has already been acknowledged.")
    _check_day("acknowledged_on", acknowledged_on, concern)
    concern.acknowledged_on = acknowledged_on
    concern.acknowledged_by = actor
    concern.full_clean()
    concern.save()
    audit_record(
        actor=actor,
        action="concerns.acknowledge",
        obj=concern,
        detail={
            "on": acknowledged_on.isoformat(),
            "late": acknowledged_on > concern.acknowledge_by,
        },
    )
    return concern


@transaction.atomic
def concern_respond(
    *, concern: Concern, response: str, responded_on: dt.date, actor: User
) -> Concern:
    """Record the DPO's response. Responding also acknowledges, if that was not done."""
    _ensure_dpo(actor, concern)
    if concern.responded_on is not None:
        raise ValidationError("This concern has already been answered.")
    if not response.strip():
        raise ValidationError({"response": "Enter the response"})
    _check_day("responded_on", responded_on, concern)
    if concern.acknowledged_on is None:
        concern.acknowledged_on = responded_on
        concern.acknowledged_by = actor
    concern.response = response.strip()
    concern.responded_on = responded_on
    concern.responded_by = actor
    concern.full_clean()
    concern.save()
    audit_record(
        actor=actor,
        action="concerns.respond",
        obj=concern,
        detail={"on": responded_on.isoformat()},
    )
    return concern


@transaction.atomic
def concern_link_student(*, concern: Concern, student: Student, actor: User) -> Concern:
    """The DPO says which student on record the concern is about (ADR 0035): its name,
    contact and text are sealed again under that student's key, so the student's erasure
    cuts them from every copy (``retention.erasure.TOMBSTONES``). Once only."""
    _ensure_dpo(actor, concern)
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.student_id is not None:
        raise ValidationError("This concern is already linked to a student.")
    if student.partnership_id != concern.partnership_id:
        raise ValidationError({"student": "Choose a student of this partnership"})
    # Open every value under the service key before the link changes how they are sealed.
    for name in ("name", "contact", "what_happened", "response"):
        getattr(concern, name)
    concern.student = student
    concern.save()
    audit_record(
        actor=actor,
        action="concerns.link_student",
        obj=concern,
        detail={"student_id": student.pk},
    )
    return concern
