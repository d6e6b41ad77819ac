"""Writes to pre-referral consultations. Each one audits in its own transaction."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.consultations.models import Concern, Consultation, Forum, YearGroup
from seip.consultations.selectors import partnership_staff, schools_recordable_by
from seip.organisations.models import School


@transaction.atomic
def consultation_record(
    *,
    school: School,
    forum: Forum,
    held_on: dt.date,
    year_group: YearGroup,
    concern: Concern,
    advice: str,
    staff: Iterable[User],
    actor: User,
) -> Consultation:
    """Record the advice given about an unnamed child before any referral (P25).

    Only the school's partnership staff, or the school's own contacts, may record one
    (else PermissionDenied). The consultation belongs to the school's partnership. Advice
    that looks like it holds a UPN, a date of birth or a name is refused with a
    ValidationError on ``advice`` that says what and where, and nothing is written. The
    audit event names the consultation by id only: no personal data goes into it.
    """
    if not schools_recordable_by(actor).filter(pk=school.pk).exists():
        raise PermissionDenied(
            "Only the school's partnership staff or its own contacts may record a consultation"
        )
    involved = list(staff)
    allowed = set(partnership_staff([school.partnership]).values_list("pk", flat=True))
    consultation = Consultation(
        school=school,
        partnership=school.partnership,
        forum=forum,
        held_on=held_on,
        year_group=year_group,
        concern=concern,
        advice=advice,
        recorded_by=actor,
    )
    errors: dict[str, list[str]] = {}
    try:
        consultation.full_clean()
    except ValidationError as error:
        errors = dict(error.message_dict)
    if any(person.pk not in allowed for person in involved):
        errors.setdefault("staff", []).append(
            "Choose the staff involved from the school's own partnership"
        )
    if errors:
        raise ValidationError(errors)
    consultation.save()
    consultation.staff.set(involved)
    audit_record(actor=actor, action="consultation.record", obj=consultation)
    return consultation
