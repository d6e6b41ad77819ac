"""One row of facts per counted student: the raw aggregation every report table is cut from.

Reports count a **referral cohort**: the students whose referral was accepted in the
period (ADR 0022). Each student therefore belongs to exactly one school and one term,
which is what makes the release ledger's algebra true (a term plus the rest of the year
is the year to date; one school is part of all schools). Outcomes are measured for that
cohort from the referral up to the end of the period (or today, for a period not yet
over), so a report on a past year does not change as its students move on or leave.

Every query here is a bulk ``values()`` read keyed by the population, never a per-student
lookup, so a county's year (thousands of students) takes a handful of queries.
Nothing here leaves the reports app: facts hold categories and numbers, never a name.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import FloatField, Min, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from seip.attendance.calculations import Counts, tally_between
from seip.attendance.models import AttendanceYear
from seip.behaviour.codes import GRADES_BY_CODE
from seip.behaviour.models import (
    AttainmentResult,
    AttitudeRating,
    Exclusion,
    ExclusionKind,
    Incident,
    Subject,
)
from seip.core.calendar import academic_year, term_of
from seip.moves.history import MOVE_OUTCOMES, move_outcomes
from seip.placements.facts import add_facts as placement_facts
from seip.provision.models import FundingStream, Intervention, InterventionType
from seip.records.characteristics import characteristics
from seip.referrals.models import Tier
from seip.reports.population import TERMS, Period, Scope, countable_students
from seip.students.models import Case, Destination, Student

#: The population as a subquery (``Student.objects....values("pk")``).
Ids = QuerySet[Student, Any]

ATTITUDE_AREAS = ("engagement", "relationships", "self_regulation", "attitude_to_learning")

#: Breakdown categories, in the order reports show them.
YEAR_GROUPS = ("Year 7", "Year 8", "Year 9", "Year 10", "Year 11", "Other year group")
SEXES = ("Female", "Male")
SEN_GROUPS = ("No SEN", "SEN support", "EHC plan")
DISADVANTAGE = ("Disadvantaged", "Not disadvantaged")
#: DfE major ethnic groups; the main codes roll up by their first letter.
ETHNIC_GROUPS = ("White", "Mixed", "Asian", "Black", "Chinese", "Any other", "Unclassified")
TIERS = tuple(f"Tier {tier.value}" for tier in Tier)
DESTINATIONS = tuple(str(d.label) for d in Destination)
INTERVENTIONS = tuple(str(t.label) for t in InterventionType)
FUNDING = tuple(str(f.label) for f in FundingStream)
SUBJECTS = tuple(str(s.label) for s in Subject)
MOVE_OUTCOME_GROUPS = MOVE_OUTCOMES
IN_HOUSE = "The partnership"


def ethnic_group(code: str) -> str:
    if code == "CHNE":
        return "Chinese"
    if not code or code in ("REFU", "NOBT"):
        return "Unclassified"
    return {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black"}.get(code[0], "Any other")


def year_group(nc_year: int) -> str:
    return f"Year {nc_year}" if 7 <= nc_year <= 11 else "Other year group"


@dataclass
class StudentFacts:
    """What the reports know of one counted student: categories and numbers only."""

    school: str  # school id, as the ledger's population names it
    partnership: str  # partnership id
    term: str  # term of the referral: autumn, spring or summer
    year_group: str
    sex: str
    sen: str = "No SEN"
    disadvantage: str = "Not disadvantaged"
    ethnicity: str = "Unclassified"
    tier: str = "Tier 2"
    referred_on: dt.date = dt.date.min
    #: Attendance in the academic year of referral up to the referral, and since it.
    before: Counts = field(default_factory=Counts)
    since: Counts = field(default_factory=Counts)
    incidents: int = 0
    suspensions: int = 0
    permanent_exclusions: int = 0
    destination: str | None = None  # set when the case closed within the period
    #: Latest result in the period per subject: (subject, at or above target).
    results: dict[str, bool] = field(default_factory=dict)
    attitude_first: float | None = None
    attitude_latest: float | None = None
    #: Interventions started in the period: (type label, provider, funding label, cost).
    interventions: list[tuple[str, str, str, float]] = field(default_factory=list)
    #: Managed moves started by the end of the period, as their outcome by then (ADR 0048).
    managed_moves: list[str] = field(default_factory=list)
    # Placements and suspensions (issue 20, ADR 0049; seip.placements.facts) ----------
    #: Sessions attended and possible at AP providers, from half-termly reviews.
    placement_attended: int = 0
    placement_possible: int = 0
    #: Suspensions past five school days with no education arranged from day 6.
    suspensions_unprovided: int = 0
    #: School days suspended before education was arranged.
    days_out_of_education: int = 0
    #: None until a placement ended two terms ago; then back in mainstream full-time
    #: and still there.
    reintegrated: bool | None = None


def cohort(*, scope: Scope, period: Period) -> QuerySet[Student]:
    """The referral cohort of ``period`` within ``scope`` (P25, P20; see module doc)."""
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return countable_students(scope=scope, period=period).filter(
        created_at__gte=start, created_at__lt=end
    )


def gather(*, scope: Scope, period: Period, today: dt.date | None = None) -> list[StudentFacts]:
    """Facts for every student of the cohort, in about ten queries."""
    today = today or timezone.localdate()
    until = min(period.end, today)
    students = cohort(scope=scope, period=period)
    facts: dict[int, StudentFacts] = {}
    rows = students.annotate(signed_on=Min("referral__consents__signed_on")).values_list(
        "pk", "report_school", "partnership_id", "created_at", "signed_on", "sex", "nc_year",
        "ethnicity",
    )  # fmt: skip
    # ``timezone.localtime`` looks the zone up again for every value: once will do.
    zone = timezone.get_current_timezone()
    for pk, school, partnership, created, signed_on, sex, nc_year, ethnicity in rows:
        # The term is the acceptance's (it places the student in the cohort); outcomes are
        # measured before and after the day the parent signed the referral form.
        accepted = created.astimezone(zone).date()
        referred = min(signed_on or accepted, accepted)
        term = term_of(accepted)  # once: it walks the calendar's half terms
        if term not in TERMS or term not in period.terms:
            continue
        facts[pk] = StudentFacts(
            school=str(school),
            partnership=str(partnership),
            term=term,
            year_group=year_group(nc_year),
            sex="Female" if sex == "F" else "Male",
            ethnicity=ethnic_group(ethnicity),
            referred_on=referred,
        )
    ids = students.values("pk")
    _needs(facts, ids)
    _cases(facts, ids, period, until)
    _attendance(facts, ids, until)
    _behaviour(facts, ids, until)
    _attainment(facts, ids, until)
    _attitude(facts, ids, until)
    _interventions(facts, ids, period, until)
    _managed_moves(facts, ids, until)
    placement_facts(facts, ids, until)  # issue 20, ADR 0049
    return list(facts.values())


def _needs(facts: dict[int, StudentFacts], ids: Ids) -> None:
    for student, c in characteristics(ids).items():
        if (f := facts.get(student)) is None:
            continue
        f.sen = c.sen or "No SEN"
        if c.disadvantaged:
            f.disadvantage = "Disadvantaged"


def _cases(
    facts: dict[int, StudentFacts],
    ids: Ids,
    period: Period,
    until: dt.date,
) -> None:
    labels = dict(Destination.choices)
    zone = timezone.get_current_timezone()
    rows = Case.objects.filter(student__in=ids).order_by("opened_at", "pk")
    for student, tier, closed_at, destination in rows.values_list(
        "student_id", "tier", "closed_at", "destination"
    ):
        if (f := facts.get(student)) is None:
            continue
        f.tier = f"Tier {tier}"  # the latest case's tier wins
        if closed_at is not None and destination:
            closed = closed_at.astimezone(zone).date()
            f.destination = str(labels[destination]) if closed <= until else None


def _attendance(facts: dict[int, StudentFacts], ids: Ids, until: dt.date) -> None:
    if not facts:
        return
    last = academic_year(until)
    referred: dict[int, list[int]] = defaultdict(list)  # school year of referral -> students
    for pk, fact in facts.items():
        referred[academic_year(fact.referred_on)].append(pk)
    latest = max(referred)
    # A year's marks count for a student referred in it (before and since) or in an
    # earlier one up to ``until``'s year (since): read only those years, each for those
    # students, not every year every student has, which is megabytes of marks the loop
    # below would skip.
    for year in range(min(referred), max(last, latest) + 1):
        wanted = [pk for y, pks in referred.items() if y == year or y < year <= last for pk in pks]
        if not wanted:
            continue
        # A short list by id; otherwise the cohort (``_tally`` skips any row that does
        # not count), so the query never carries thousands of parameters.
        students: Ids | list[int] = wanted if len(wanted) <= _BY_ID else ids
        # No ordering: the years are summed, and sorting tens of MB of marks costs a spill.
        rows = (
            AttendanceYear.objects.filter(student__in=students, academic_year=year)
            .order_by()
            .values_list("student_id", "academic_year", "marks")
        )
        # Read whole: one year of the cohort's marks (about 2 MB for a county's year) is
        # in memory at a time, and a server-side cursor (``iterator``) took three times
        # as long on PostgreSQL.
        for student, year_of_row, marks in rows:
            if (f := facts.get(student)) is not None:
                _tally(f, year_of_row, marks, until)


#: Up to this many students, a year's marks are read by student id (``_attendance``).
_BY_ID = 500


def _tally(f: StudentFacts, year: int, marks: str, until: dt.date) -> None:
    referred_year = academic_year(f.referred_on)
    if year == referred_year:
        f.before += tally_between(year, marks, None, f.referred_on - dt.timedelta(days=1))
    if referred_year <= year <= academic_year(until):
        f.since += tally_between(year, marks, f.referred_on, until)


def _behaviour(facts: dict[int, StudentFacts], ids: Ids, until: dt.date) -> None:
    if not facts:
        return
    # Nothing before the earliest referral counts: leave it in the database.
    since = min(f.referred_on for f in facts.values())
    for student, day in (
        Incident.objects.filter(student__in=ids, occurred_on__gte=since, occurred_on__lte=until)
        .order_by()
        .values_list("student_id", "occurred_on")
    ):  # counted: no need to sort
        if (f := facts.get(student)) is not None and day >= f.referred_on:
            f.incidents += 1
    for student, kind, day in (
        Exclusion.objects.filter(student__in=ids, start_date__gte=since, start_date__lte=until)
        .order_by()
        .values_list("student_id", "kind", "start_date")
    ):
        if (f := facts.get(student)) is None or day < f.referred_on:
            continue
        if kind == ExclusionKind.PERMANENT:
            f.permanent_exclusions += 1
        else:
            f.suspensions += 1


def _attainment(facts: dict[int, StudentFacts], ids: Ids, until: dt.date) -> None:
    labels = dict(Subject.choices)
    rows = (
        AttainmentResult.objects.filter(student__in=ids, assessed_on__lte=until)
        .exclude(target_grade="")
        .order_by("assessed_on", "pk")
        .values_list("student_id", "subject", "scale", "grade", "target_grade")
    )
    for student, subject, scale, grade, target in rows:
        if (f := facts.get(student)) is None:
            continue
        grades = GRADES_BY_CODE.get(scale, {})
        if grade in grades and target in grades:  # the latest result per subject wins
            f.results[str(labels[subject])] = grades[grade].ordinal >= grades[target].ordinal


def _attitude(facts: dict[int, StudentFacts], ids: Ids, until: dt.date) -> None:
    rows = (
        AttitudeRating.objects.filter(student__in=ids, rated_on__lte=until)
        .order_by("rated_on", "pk")
        .values_list("student_id", *ATTITUDE_AREAS)
    )
    for student, *scores in rows:
        if (f := facts.get(student)) is None:
            continue
        mean = sum(scores) / len(scores)
        if f.attitude_first is None:
            f.attitude_first = mean
        f.attitude_latest = mean


def _interventions(
    facts: dict[int, StudentFacts],
    ids: Ids,
    period: Period,
    until: dt.date,
) -> None:
    types = dict(InterventionType.choices)
    streams = dict(FundingStream.choices)
    providers: dict[int | None, str] = defaultdict(lambda: IN_HOUSE)
    # The cost as a float from the database: the same number as float(Decimal), without
    # a Decimal made and quantised for every row (ADR 0047).
    rows = (
        Intervention.objects.filter(
            student__in=ids, start_date__gte=period.start, start_date__lte=until
        )
        .annotate(cost=Cast("total_cost", FloatField()))
        .values_list("student_id", "type", "provider_id", "provider__name", "funding_stream",
                     "cost")
    )  # fmt: skip
    for student, kind, provider, provider_name, stream, cost in rows:
        if (f := facts.get(student)) is None:
            continue
        if provider is not None:
            providers[provider] = provider_name
        f.interventions.append(
            (str(types[kind]), providers[provider], str(streams[stream]), float(cost or 0))
        )


# Managed moves (ADR 0048) -----------------------------------------------------------------


def _managed_moves(facts: dict[int, StudentFacts], ids: Ids, until: dt.date) -> None:
    for student, outcomes in move_outcomes(ids, until).items():
        if (f := facts.get(student)) is not None:
            f.managed_moves = outcomes
