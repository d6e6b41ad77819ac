"""The school on roll over time, as reports read it (ADR 0048). Kept apart from the
selectors so the reports import nothing but the model."""

import datetime as dt
from typing import Any

from django.db.models import BigIntegerField, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from seip.moves.models import ManagedMove, RollChange


def school_at_referral() -> Coalesce:
    """For a ``Student`` queryset: the school on roll when the student was referred. A
    managed move's transfer changes the school on roll; the first ``RollChange`` keeps
    the school before it. Every roll change is after the referral (a move is only ever
    for a referred student), so the first one's ``from_school`` is the referral's."""
    first = RollChange.objects.filter(student=OuterRef("pk")).order_by("on", "pk")
    return Coalesce(
        Subquery(first.values("from_school")[:1]), F("school"), output_field=BigIntegerField()
    )


#: A move's outcome in reports, by its decision; an undecided one is still in trial.
IN_TRIAL = "In trial"
MOVE_OUTCOMES = ("Transferred", "Returned", "Another plan", IN_TRIAL)
_OUTCOME = {"transferred": "Transferred", "returned": "Returned", "other": "Another plan"}


def move_outcomes(students: Any, until: dt.date) -> dict[int, list[str]]:
    """For the reports, in one query: each student's managed moves that started (the
    family agreed and the trial began) by ``until``, as the outcome each had by then."""
    rows = (
        ManagedMove.objects.filter(
            student__in=students, agreed_on__isnull=False, trial_starts_on__lte=until
        )
        .order_by("trial_starts_on", "pk")
        .values_list("student_id", "decision", "decided_on")
    )
    outcomes: dict[int, list[str]] = {}
    for student, decision, decided_on in rows:
        decided = decision and decided_on is not None and decided_on <= until
        outcomes.setdefault(student, []).append(_OUTCOME[decision] if decided else IN_TRIAL)
    return outcomes
