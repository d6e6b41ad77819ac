"""Field validators for consultations, run by ``full_clean()`` in the service (P25)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from seip.consultations.identifiers import find_identifiers, refusal_message


def no_identifiers(value: str) -> None:
    """Refuse advice that looks like it names, dates or numbers a child (P25).

    The message gives the kind and position of each finding, never the text itself, so
    the refusal can be shown and logged without repeating the identifier.
    """
    findings = find_identifiers(value)
    if findings:
        raise ValidationError(refusal_message(findings), code="identifier")


def not_in_future(value: dt.date) -> None:
    if value > timezone.localdate():
        raise ValidationError(
            "The date the consultation was held must be today or in the past", code="future"
        )
