"""The report facts of placements and suspensions (issue 20, ADR 0049), added to each
counted student's ``reports.facts.StudentFacts`` in a few bulk queries. Categories and
numbers only: nothing here names a child.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from seip.behaviour.models import Exclusion, ExclusionKind
from seip.core.calendar import term_containing
from seip.placements.models import APPlacement, EndReason, PartTimeTimetable, PlacementCheck
from seip.placements.schooldays import (
    provision_due_on,
    school_days_between,
    suspension_days,
)
from seip.provision.models import Intervention, InterventionType

#: How long a return to mainstream must last to count as reintegration: two terms.
SUSTAINED_TERMS = 2


def sustained_until(returned_on: dt.date) -> dt.date:
    """The end of the second term after the term of the return."""
    term = term_containing(returned_on)
    for _ in range(SUSTAINED_TERMS):
        term = term.next()
    return term.end


def suspension_outcome(
    start: dt.date, sessions: int | None, provision_from: dt.date | None
) -> tuple[bool, int]:
    """(past five school days with no provision from day 6, school days out of education
    before provision was arranged) for one suspension."""
    days = suspension_days(sessions)
    out = (
        days
        if provision_from is None
        else min(days, school_days_between(start, provision_from - dt.timedelta(days=1)))
    )
    day_six = provision_due_on(start, sessions)
    unprovided = day_six is not None and (provision_from is None or provision_from > day_six)
    return unprovided, out


def add_facts(facts: dict[int, Any], ids: QuerySet[Any, Any], until: dt.date) -> None:
    """Fill the placement fields of ``facts`` (student id to ``StudentFacts``)."""
    if not facts:
        return
    since = min(f.referred_on for f in facts.values())
    for student, start, sessions, provision_from in (
        Exclusion.objects.filter(
            student__in=ids, kind=ExclusionKind.SUSPENSION, start_date__gte=since,
            start_date__lte=until,
        )
        .order_by()
        .values_list("student_id", "start_date", "sessions", "follow_up__provision_from")
    ):  # fmt: skip
        if (f := facts.get(student)) is None or start < f.referred_on:
            continue
        unprovided, out = suspension_outcome(start, sessions, provision_from)
        day_six = provision_due_on(start, sessions)
        if unprovided and day_six is not None and day_six <= until:
            f.suspensions_unprovided += 1
        f.days_out_of_education += out
    for student, attended, possible, reviewed_on in (
        PlacementCheck.objects.filter(placement__student__in=ids, reviewed_on__lte=until)
        .order_by()
        .values_list("placement__student_id", "sessions_attended", "sessions_possible",
                     "reviewed_on")
    ):  # fmt: skip
        if (f := facts.get(student)) is None or reviewed_on < f.referred_on:
            continue
        f.placement_attended += attended
        f.placement_possible += possible
    _reintegration(facts, ids, until)


def _reintegration(facts: dict[int, Any], ids: QuerySet[Any, Any], until: dt.date) -> None:
    """Of the students whose placement ended long enough ago to know, whether they
    returned to mainstream full-time and were still there two terms later: no new AP
    placement, part-time timetable or permanent exclusion before then."""
    ended = (
        APPlacement.objects.filter(student__in=ids, intervention__end_date__lte=until)
        .order_by("intervention__end_date")
        .values_list("student_id", "intervention__end_date", "end_reason")
    )
    latest: dict[int, tuple[dt.date, str]] = {}
    for student, end, reason in ended:
        if end is not None and (f := facts.get(student)) is not None and end >= f.referred_on:
            latest[student] = (end, reason)
    known = {s: v for s, v in latest.items() if sustained_until(v[0]) <= until}
    if not known:
        return
    breaks: dict[int, list[dt.date]] = defaultdict(list)
    for student, day in Intervention.objects.filter(
        student__in=list(known), type=InterventionType.AP_PLACEMENT
    ).values_list("student_id", "start_date"):
        breaks[student].append(day)
    for student, day in PartTimeTimetable.objects.filter(student__in=list(known)).values_list(
        "student_id", "start_date"
    ):
        breaks[student].append(day)
    for student, day in Exclusion.objects.filter(
        student__in=list(known), kind=ExclusionKind.PERMANENT
    ).values_list("student_id", "start_date"):
        breaks[student].append(day)
    for student, (end, reason) in known.items():
        stayed = not any(end < day <= sustained_until(end) for day in breaks[student])
        facts[student].reintegrated = reason == EndReason.MAINSTREAM_FULL_TIME and stayed
