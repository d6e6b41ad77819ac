"""Reads of behaviour, attitude and attainment for progress views and reports (P03).

These take a student the caller has already fetched through
:func:`seip.students.selectors.student_record_visible_to`, so they never widen who sees
what. Each runs a fixed number of queries however long the student's history is.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.utils import timezone

from seip.accounts.models import User
from seip.behaviour.codes import ATTITUDE_SCALE, Grade
from seip.behaviour.models import (
    AttainmentResult,
    AttitudeRating,
    Exclusion,
    ExclusionKind,
    Incident,
)
from seip.core.calendar import HalfTerm, half_term_of, half_terms_between
from seip.keys import crypto
from seip.students.models import Student
from seip.students.permissions import can_write

AgainstTarget = Literal["above", "on", "below"]


@dataclass(frozen=True)
class HalfTermBehaviour:
    """Counts for one half term. A suspension counts in the half term it starts in."""

    half_term: HalfTerm
    incidents: int
    suspensions: int
    suspension_sessions: int
    permanent_exclusions: int

    @property
    def label(self) -> str:
        return self.half_term.label


@dataclass(frozen=True)
class LatestResult:
    subject: str
    assessment_label: str
    assessed_on: dt.date
    grade: Grade | None
    target: Grade | None
    against_target: AgainstTarget | None

    @property
    def against_target_label(self) -> str:
        labels = {"above": "Above target", "on": "On target", "below": "Below target"}
        return labels[self.against_target] if self.against_target else "No target set"


def incidents_by_half_term(
    student: Student, start: dt.date, end: dt.date
) -> list[HalfTermBehaviour]:
    """Incidents, suspensions and suspension sessions per half term from ``start`` to
    ``end`` inclusive, one row for every half term in the range, empty ones included.

    Two queries whatever the history. Half terms follow :mod:`seip.core.calendar`.
    """
    if end < start:
        return []
    terms = half_terms_between(start, end)
    incidents = dict.fromkeys(terms, 0)
    suspensions = dict.fromkeys(terms, 0)
    sessions = dict.fromkeys(terms, 0)
    permanent = dict.fromkeys(terms, 0)
    for day in Incident.objects.filter(
        student=student, occurred_on__gte=start, occurred_on__lte=end
    ).values_list("occurred_on", flat=True):
        incidents[half_term_of(day)] += 1
    for day, kind, count in Exclusion.objects.filter(
        student=student, start_date__gte=start, start_date__lte=end
    ).values_list("start_date", "kind", "sessions"):
        term = half_term_of(day)
        if kind == ExclusionKind.PERMANENT:
            permanent[term] += 1
        else:
            suspensions[term] += 1
            sessions[term] += count or 0
    return [
        HalfTermBehaviour(term, incidents[term], suspensions[term], sessions[term], permanent[term])
        for term in terms
    ]


def incidents_of(student: Student) -> list[Incident]:
    """Every incident, newest first, with its description (sealed under the child's key,
    P14) opened now: two queries, one of them for the key (none when it is cached)."""
    incidents = list(student.incidents.select_related("source_organisation"))
    if incidents:
        with crypto.using_sealers(crypto.preload([student.referral_id])):
            for incident in incidents:
                incident.description  # noqa: B018 - opens the sealed text
    return incidents


def suspensions(student: Student) -> list[Exclusion]:
    """Every suspension and permanent exclusion, newest first. One query."""
    return list(
        Exclusion.objects.filter(student=student).select_related("school", "source_organisation")
    )


def attitude_series(student: Student) -> list[AttitudeRating]:
    """Every dated rating set, oldest first, for charts of change over time. One query."""
    return list(
        AttitudeRating.objects.filter(student=student)
        .select_related("source_organisation")
        .order_by("rated_on", "pk")
    )


def _against(grade: Grade | None, target: Grade | None) -> AgainstTarget | None:
    if grade is None or target is None:
        return None
    if grade.ordinal > target.ordinal:
        return "above"
    return "on" if grade.ordinal == target.ordinal else "below"


def latest_attainment(student: Student) -> list[LatestResult]:
    """The most recent result in each subject with its target and whether it is on,
    above or below target. One query; subjects in the order English, Maths, Science,
    then other subjects by name."""
    latest: dict[tuple[str, str], AttainmentResult] = {}
    for result in AttainmentResult.objects.filter(student=student).order_by("-assessed_on", "-pk"):
        latest.setdefault((result.subject, result.subject_other.lower()), result)
    order = {"english": 0, "maths": 1, "science": 2, "other": 3}
    rows = sorted(latest.values(), key=lambda r: (order[r.subject], r.subject_other.lower()))
    return [
        LatestResult(
            subject=r.subject_name,
            assessment_label=r.assessment_label,
            assessed_on=r.assessed_on,
            grade=r.grade_info,
            target=r.target_info,
            against_target=_against(r.grade_info, r.target_info),
        )
        for r in rows
    ]


def panel_window(student: Student, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The profile panel's range: from the start of the school year before the student
    was referred, so the half terms before and after referral can be compared, to today."""
    today = today or timezone.localdate()
    referred = timezone.localdate(student.created_at) if student.created_at else today
    start = HalfTerm(half_term_of(referred).year - 1, 1).start
    return start, max(today, start)


def panel_context(student: Student, user: User) -> dict[str, Any]:
    """Context for ``behaviour/student_panel.html`` on the student's profile (P03).

    Six queries whatever the history: the write check, two for the half-term counts, the
    exclusions, the latest attitude ratings and the results.
    """
    start, end = panel_window(student)
    referred = timezone.localdate(student.created_at) if student.created_at else None
    latest_rating = (
        AttitudeRating.objects.filter(student=student)
        .select_related("source_organisation")
        .order_by("-rated_on", "-pk")
        .first()
    )
    return {
        "behaviour_student": student,
        "behaviour_half_terms": incidents_by_half_term(student, start, end),
        "behaviour_referred_term": half_term_of(referred) if referred else None,
        "behaviour_exclusions": suspensions(student),
        "behaviour_latest_rating": latest_rating,
        "behaviour_attitude_scale": ATTITUDE_SCALE,
        "behaviour_attainment": latest_attainment(student),
        "behaviour_can_record": can_write(user, student),
    }
