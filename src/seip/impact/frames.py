"""The impact engine's input frames, built from the records (P05, P06).

Who is in a frame (ADR 0023):

- **The population** is the reports' own (``reports.population.countable_students``):
  accepted referrals only (P25), no student restricted by an objection (P20); erased
  students have no rows left.
- **A treatment group** is the students whose *first* intervention of one kind (an
  intervention type, a provider, or a placement type) started in the period. The start
  is that first start, so each student has one start date per kind, which makes the
  group's size additive over schools and terms (what the release ledger assumes).
- **The comparison group** is the students of the scope referred in the period (the
  reports' referral cohort) who had *no* intervention of any kind started on or before
  the end of their follow-up window; their start is the referral. Students of another
  intervention are left out on purpose: an effective one would leak its gains into the
  comparison (the engine's ADR).
- **Windows** (``Windows``): the baseline is a fixed window before the start and the
  follow-up a fixed window from it (12 weeks each by default). A student whose
  follow-up window has not ended by today is not in any frame yet: a half-finished
  window would compare unlike periods.

Outcomes in each window: attendance rate (DfE rules, ``attendance.calculations``),
behaviour (incidents plus suspensions per 100 possible sessions), suspensions (a count,
for the cost per suspension avoided), permanent exclusion (0/1), the mean attitude
rating, and attainment against target (grade minus target on the scale's ordinal, the
latest result per subject in the window, averaged over subjects). A window without a
possible session, rating or result has no value, and the engine drops that row.

Covariates: baseline attendance and attainment, year group, SEN, disadvantage and
school, plus looked-after status, tier and the referral term for the progress model.
A missing *baseline attainment* (many students have no result in the baseline window)
is filled with the frame's median: it is a covariate only, and dropping every student
without one would drop most of the attendance analysis. Outcomes are never filled.

Every read is a bulk ``values()`` query keyed by the population (about ten in all),
never a per-student lookup.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import enum
import functools
import math
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd  # type: ignore[import-untyped]
from django.db.models import CharField, FloatField, Min, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from seip.attendance.calculations import possible_and_attended
from seip.attendance.marks import slice_for, year_start
from seip.attendance.models import AttendanceYear
from seip.behaviour.codes import GRADES_BY_CODE
from seip.behaviour.models import AttainmentResult, AttitudeRating, Exclusion, ExclusionKind
from seip.behaviour.models import Incident as IncidentRow
from seip.core.calendar import academic_year, term_of
from seip.moves.models import ManagedMove
from seip.organisations.models import School
from seip.provision.models import Intervention, InterventionType
from seip.records.characteristics import characteristics
from seip.reports.facts import ATTITUDE_AREAS, IN_HOUSE, year_group
from seip.reports.population import Period, Scope, countable_students

#: Outcomes a frame can be built for (the engine's ``design.OUTCOMES`` keys).
OUTCOMES = (
    "attendance",
    "behaviour",
    "suspensions",
    "permanent_exclusion",
    "attitude",
    "attainment",
)


@dataclass(frozen=True)
class Windows:
    """The outcome windows, in whole weeks, and the smallest group given an estimate."""

    baseline_weeks: int = 12
    followup_weeks: int = 12
    min_participants: int = 30

    def __post_init__(self) -> None:
        if self.baseline_weeks < 1 or self.followup_weeks < 1:
            raise ValueError("each window is at least one week")

    def baseline(self, start: dt.date) -> tuple[dt.date, dt.date]:
        return start - dt.timedelta(weeks=self.baseline_weeks), start - dt.timedelta(days=1)

    def followup(self, start: dt.date) -> tuple[dt.date, dt.date]:
        return start, start + dt.timedelta(weeks=self.followup_weeks) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return (
            f"{self.baseline_weeks} weeks before the start and {self.followup_weeks} weeks "
            "from the start"
        )


class Dimension(enum.StrEnum):
    TYPE = "intervention type"
    PROVIDER = "provider"
    PLACEMENT = "placement type"


@dataclass(frozen=True)
class Group:
    """The students whose first intervention of one kind started in the period."""

    dimension: Dimension
    key: str
    label: str
    starts: Mapping[int, dt.date]  # student -> the first start of this kind
    costs: Mapping[int, float]  # student -> full cost of this kind, start to follow-up end


@dataclass(frozen=True)
class Person:
    """One student's covariates: categories and numbers only, never a name."""

    school: str
    year_group: str
    referred_on: dt.date
    sen: str = "none"
    disadvantaged: float = 0.0
    looked_after: float = 0.0
    tier: str = "Tier 2"

    @property
    def referral_term(self) -> str:
        return term_of(self.referred_on)


class Window(NamedTuple):
    """The outcomes of one window (``nan`` where there is nothing to measure), in the
    order of ``OUTCOMES``: a tuple, so a frame's columns are one ``zip`` (ADR 0053)."""

    attendance: float
    behaviour: float
    suspensions: float
    permanent_exclusion: float
    attitude: float
    attainment: float


@dataclass
class Records:
    """Everything the frames are cut from, loaded in bulk for one scope and period."""

    period: Period
    windows: Windows
    until: dt.date
    people: dict[int, Person] = field(default_factory=dict)
    attendance: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    incidents: dict[int, list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    suspensions: dict[int, list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    exclusions: dict[int, list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    attitude: dict[int, list[tuple[dt.date, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: (date, subject, grade minus target), in date order.
    results: dict[int, list[tuple[dt.date, str, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    groups: list[Group] = field(default_factory=list)
    comparison: dict[int, dt.date] = field(default_factory=dict)  # student -> referral
    cohort: set[int] = field(default_factory=set)  # accepted in the period
    _cache: dict[tuple[int, dt.date, dt.date], Window] = field(default_factory=dict)
    _wide: dict[str, Any] = field(default_factory=dict)
    _frames: dict[tuple[str, str], Any] = field(default_factory=dict)
    _last_complete: dt.date | None = None
    _terms: dict[dt.date, str] = field(default_factory=dict)
    _spans: dict[dt.date, tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]] = field(
        default_factory=dict
    )

    def term(self, day: dt.date) -> str:
        """``term_of(day)``, worked out once per date: students share referral dates,
        and every frame asks for each of its students' terms."""
        if (found := self._terms.get(day)) is None:
            found = self._terms[day] = term_of(day)
        return found

    def spans(self, start: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
        """The baseline and follow-up windows of ``start``, worked out once per date:
        starts are shared by many students (a referral day, a programme's first day)."""
        if (found := self._spans.get(start)) is None:
            found = self._spans[start] = (
                self.windows.baseline(start),
                self.windows.followup(start),
            )
        return found

    def complete(self, start: dt.date) -> bool:
        """Has the follow-up window from ``start`` ended by today?"""
        # ``followup(start)[1] <= until``, with the last such start worked out once: the
        # check runs for every intervention and student read.
        if self._last_complete is None:
            span = self.windows.followup(self.until)[1] - self.until
            self._last_complete = self.until - span
        return start <= self._last_complete

    def window(self, student: int, first: dt.date, last: dt.date) -> Window:
        key = (student, first, last)
        if (cached := self._cache.get(key)) is not None:
            return cached
        # Whole numbers of sessions, summed over the years the window touches: the same
        # integers whichever way they are added.
        possible = attended = 0
        for year, marks in self.attendance.get(student, ()):
            # A year the window misses counts nothing: skip slicing it.
            if first < _year_start(year + 1) and last >= _year_start(year):
                some, present = possible_and_attended(marks[slice_for(year, first, last)])
                possible += some
                attended += present
        suspensions = _between(self.suspensions.get(student, ()), first, last)
        if possible:
            attendance = 100.0 * attended / possible
            incidents = _between(self.incidents.get(student, ()), first, last)
            behaviour = 100.0 * (incidents + suspensions) / possible
        else:
            attendance = behaviour = math.nan
        ratings = [v for day, v in self.attitude.get(student, ()) if first <= day <= last]
        latest: dict[str, float] = {}
        for day, subject, gap in self.results.get(student, ()):
            if first <= day <= last:
                latest[subject] = gap  # in date order: the latest per subject wins
        result = Window(
            attendance=attendance,
            behaviour=behaviour,
            suspensions=float(suspensions),
            permanent_exclusion=float(_between(self.exclusions.get(student, ()), first, last) > 0),
            attitude=sum(ratings) / len(ratings) if ratings else math.nan,
            attainment=sum(latest.values()) / len(latest) if latest else math.nan,
        )
        self._cache[key] = result
        return result


@functools.cache
def _year_start(year: int) -> dt.date:
    # Asked twice for every year of every window: worked out once per year.
    return year_start(year)


def _between(days: Iterable[dt.date], first: dt.date, last: dt.date) -> int:
    ordered = days if isinstance(days, list) else sorted(days)
    return bisect.bisect_right(ordered, last) - bisect.bisect_left(ordered, first)


# --- loading ------------------------------------------------------------------------


def load(
    *,
    scope: Scope,
    period: Period,
    windows: Windows | None = None,
    today: dt.date | None = None,
) -> Records:
    """Everything the frames need for ``scope`` and ``period``, in about ten queries."""
    windows = windows or Windows()
    until = today or timezone.localdate()
    records = Records(period=period, windows=windows, until=until)
    students = countable_students(scope=scope, period=period)
    ids = students.values("pk")
    earliest = period.start - dt.timedelta(weeks=windows.baseline_weeks)

    # The school the student was referred from, as the outcome tables place them: a
    # managed move's transfer does not carry their history to the new school (ADR 0048).
    school_name = School.objects.filter(pk=OuterRef("report_school")).values("name")[:1]
    rows = students.annotate(
        signed_on=Min("referral__consents__signed_on"), school_name=Subquery(school_name)
    ).values_list("pk", "school_name", "nc_year", "created_at", "signed_on")
    for pk, school, nc_year, created, signed_on in rows:
        accepted = timezone.localtime(created).date()
        referred = min(signed_on or accepted, accepted)
        records.people[pk] = Person(
            school=school, year_group=year_group(nc_year), referred_on=referred
        )
        if period.start <= accepted <= period.end:
            records.cohort.add(pk)
    changes: dict[int, dict[str, Any]] = defaultdict(dict)
    _needs(changes, ids)
    _tiers(changes, ids)
    # Each student's covariates changed once, with the last value read for each field
    # winning, as one replace per row did.
    for pk, changed in changes.items():
        person = records.people.get(pk)
        if person is not None:
            records.people[pk] = dataclasses.replace(person, **changed)
    _interventions(records, ids)
    # Outcomes are read only for the students some frame measures, and only up to the
    # end of the last follow-up window a start in the period can have: every other row
    # would be loaded and never looked at (ADR 0039).
    latest = min(until, windows.followup(period.end)[1])
    needed = _measured(records)
    for chunk in range(0, len(needed), _CHUNK):
        some = needed[chunk : chunk + _CHUNK]
        _events(records, some, earliest, latest)
        _attendance(records, some, earliest, latest)
    return records


#: Students per query when they are named one by one (SQLite builds older than 3.32
#: accept at most 999 parameters in a statement).
_CHUNK = 900


def _measured(records: Records) -> list[int]:
    """The students whose windows a frame reads: every group's participants, and the
    cohort whose window from referral has ended (the comparison group is part of it,
    and so is the progress model's frame)."""
    needed = {student for group in records.groups for student in group.starts}
    needed.update(
        student
        for student in records.cohort
        if records.complete(records.people[student].referred_on)
    )
    return sorted(needed)


def _needs(changes: dict[int, dict[str, Any]], ids: Any) -> None:
    for student, c in characteristics(ids).items():
        if c.sen_recorded:
            changes[student]["sen"] = c.sen or "none"
        if c.looked_after_recorded:
            changes[student]["looked_after"] = float(c.looked_after)
        if c.disadvantaged:
            changes[student]["disadvantaged"] = 1.0


def _tiers(changes: dict[int, dict[str, Any]], ids: Any) -> None:
    from seip.students.models import Case

    rows = Case.objects.filter(student__in=ids).order_by("opened_at", "pk")
    for student, tier in rows.values_list("student_id", "tier"):
        changes[student]["tier"] = f"Tier {tier}"  # the latest case's tier wins


def _events(records: Records, ids: Any, earliest: dt.date, until: dt.date) -> None:
    day = _Days()
    for student, text in (
        IncidentRow.objects.filter(student__in=ids, occurred_on__range=(earliest, until))
        .order_by("occurred_on")
        .values_list("student_id", _as_text("occurred_on"))
    ):
        records.incidents[student].append(day(text))
    for student, kind, text in (
        Exclusion.objects.filter(student__in=ids, start_date__range=(earliest, until))
        .order_by("start_date")
        .values_list("student_id", "kind", _as_text("start_date"))
    ):
        kept = records.exclusions if kind == ExclusionKind.PERMANENT else records.suspensions
        kept[student].append(day(text))
    for student, text, *scores in (
        AttitudeRating.objects.filter(student__in=ids, rated_on__range=(earliest, until))
        .order_by("rated_on", "pk")
        .values_list("student_id", _as_text("rated_on"), *ATTITUDE_AREAS)
    ):
        records.attitude[student].append((day(text), sum(scores) / len(scores)))
    for student, text, subject, scale, grade, target in (
        AttainmentResult.objects.filter(student__in=ids, assessed_on__range=(earliest, until))
        .exclude(target_grade="")
        .order_by("assessed_on", "pk")
        .values_list(
            "student_id", _as_text("assessed_on"), "subject", "scale", "grade", "target_grade"
        )
    ):
        grades = GRADES_BY_CODE.get(scale, {})
        if grade in grades and target in grades:
            gap = float(grades[grade].ordinal - grades[target].ordinal)
            records.results[student].append((day(text), subject, gap))


def _as_text(name: str) -> Cast:
    """A date column read as its ISO text (``YYYY-MM-DD`` on SQLite and PostgreSQL).

    The event tables are 100,000s of rows, and a date read as a date is parsed by the
    driver and then again by Django's converter, one value at a time; as text it is
    parsed once per distinct date by ``_Days`` (school days repeat across students)."""
    return Cast(name, CharField())


class _Days:
    """ISO text to ``date``, each distinct text parsed once."""

    def __init__(self) -> None:
        self._parsed: dict[str, dt.date] = {}

    def __call__(self, text: str) -> dt.date:
        if (found := self._parsed.get(text)) is None:
            found = self._parsed[text] = dt.date.fromisoformat(text)
        return found


def _attendance(records: Records, ids: Any, earliest: dt.date, until: dt.date) -> None:
    rows = AttendanceYear.objects.filter(
        student__in=ids,
        academic_year__gte=academic_year(earliest),
        academic_year__lte=academic_year(until),
    ).values_list("student_id", "academic_year", "marks")
    for student, year, marks in rows.order_by().iterator(chunk_size=2000):
        records.attendance[student].append((year, marks))


def placement_type(days_per_week: Any) -> str:
    """The placement type of an AP placement: full-time (5 days) or part-time."""
    if days_per_week is None:
        return "AP placement, days not recorded"
    return "Full-time AP placement" if days_per_week >= 5 else "Part-time AP placement"


def _interventions(records: Records, ids: Any) -> None:
    period, windows = records.period, records.windows
    types = dict(InterventionType.choices)
    #: (dimension, key) -> label; (dimension, key) -> student -> [(start, cost)]
    labels: dict[tuple[Dimension, str], str] = {}
    starts: dict[tuple[Dimension, str], dict[int, list[tuple[dt.date, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    first_any: dict[int, dt.date] = {}
    rows = (
        Intervention.objects.filter(student__in=ids, start_date__lte=records.until)
        .order_by("start_date", "pk")
        # As a float from the database: the same number as float(Decimal), without a
        # Decimal made and quantised for every row (ADR 0047).
        .annotate(cost=Cast("total_cost", FloatField()))
        .values_list(
            "student_id", "type", "provider_id", "provider__name", "start_date", "cost",
            "placement__days_per_week",
        )
    )  # fmt: skip
    for student, kind, provider, provider_name, start, cost, days in rows:
        first_any.setdefault(student, start)
        money = float(cost or 0)
        keys = [
            (Dimension.TYPE, kind, str(types[kind])),
            (Dimension.PROVIDER, str(provider or "in-house"), provider_name or IN_HOUSE),
        ]
        if kind == InterventionType.AP_PLACEMENT:
            label = placement_type(days)
            keys.append((Dimension.PLACEMENT, label, label))
        for dimension, key, label in keys:
            labels[(dimension, key)] = label
            starts[(dimension, key)][student].append((start, money))
    # A managed move is a treatment whether or not provision also recorded it as an
    # intervention: its trial starts when the family has agreed (ADR 0048). No cost.
    moved = (Dimension.TYPE, str(InterventionType.MANAGED_MOVE))
    for student, start in ManagedMove.objects.filter(
        student__in=ids, agreed_on__isnull=False, trial_starts_on__lte=records.until
    ).values_list("student_id", "trial_starts_on"):
        first_any[student] = min(first_any.get(student, start), start)
        labels[moved] = str(types[InterventionType.MANAGED_MOVE])
        starts[moved][student].append((start, 0.0))

    for (dimension, key), by_student in starts.items():
        members: dict[int, dt.date] = {}
        costs: dict[int, float] = {}
        for student, items in by_student.items():
            first = min(start for start, _ in items)
            if not (period.start <= first <= period.end) or not records.complete(first):
                continue
            end = windows.followup(first)[1]
            members[student] = first
            costs[student] = sum(money for start, money in items if start <= end)
        if members:
            records.groups.append(Group(dimension, key, labels[(dimension, key)], members, costs))
    order = {d: i for i, d in enumerate(Dimension)}
    records.groups.sort(key=lambda g: (order[g.dimension], g.label))

    for student, person in records.people.items():
        start = person.referred_on
        if student not in records.cohort or not records.complete(start):
            continue
        had = first_any.get(student)
        if had is not None and had <= windows.followup(start)[1]:
            continue  # had an intervention by the end of the window: not a comparison
        records.comparison[student] = start


# --- frames ---------------------------------------------------------------------------

COVARIATES = ("disadvantaged", "looked_after", "year_group", "sen", "school", "tier")


def _wide(records: Records, starts: Mapping[int, dt.date]) -> Any:
    """One row per student: covariates, and ``baseline_<o>`` / ``followup_<o>`` for every
    outcome, around each student's own start."""
    index = list(starts)
    people = [records.people[student] for student in index]
    spans = [records.spans(starts[s]) for s in index]
    before = [records.window(s, *span[0]) for s, span in zip(index, spans, strict=True)]
    after = [records.window(s, *span[1]) for s, span in zip(index, spans, strict=True)]
    # Column by column, in the order the frame has always had them; each a transpose
    # of the rows (the same values, without a lookup per cell).
    empty: list[tuple[Any, ...]] = [()] * len(COVARIATES)
    covariates = list(zip(*map(_covariates, people), strict=True)) or empty
    columns: dict[str, list[Any]] = {
        name: list(values) for name, values in zip(COVARIATES, covariates, strict=True)
    }
    columns["referral_term"] = [records.term(person.referred_on) for person in people]
    outcomes = list(zip(*before, strict=True)) or [()] * len(OUTCOMES)
    later = list(zip(*after, strict=True)) or [()] * len(OUTCOMES)
    for outcome, was, now in zip(OUTCOMES, outcomes, later, strict=True):
        columns[f"baseline_{outcome}"] = list(was)
        columns[f"followup_{outcome}"] = list(now)
    frame = pd.DataFrame(columns, index=pd.Index(index, name="student", dtype="int64"))
    if frame.empty:
        return pd.DataFrame(
            columns=[
                *COVARIATES,
                "referral_term",
                *(f"{w}_{o}" for o in OUTCOMES for w in ("baseline", "followup")),
            ],
            index=pd.Index([], name="student", dtype="int64"),
        )
    return frame


_covariates = operator.attrgetter(*COVARIATES)


def _cached(records: Records, key: str, starts: Mapping[int, dt.date]) -> Any:
    if key not in records._wide:
        records._wide[key] = _wide(records, starts)
    return records._wide[key]


def _select(wide: Any, outcome: str) -> Any:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    frame = wide.loc[
        :, [*COVARIATES, "referral_term", *(c for c in ("treated", "cost") if c in wide)]
    ].copy()
    frame["baseline"] = wide[f"baseline_{outcome}"].astype(float)
    frame["followup"] = wide[f"followup_{outcome}"].astype(float)
    frame["baseline_attendance"] = wide["baseline_attendance"].astype(float)
    attainment = wide["baseline_attainment"].astype(float)
    median = attainment.median()
    frame["baseline_attainment"] = attainment.fillna(0.0 if pd.isna(median) else median)
    return frame


def outcome_frame(records: Records, group: Group, outcome: str) -> Any:
    """One row per student (index = student id): the group's participants (``treated`` =
    1, with their cost) and the comparison group (0, no cost), for ``outcome``.

    Each group's frame for each outcome is built once and a copy handed out: the
    effects, the costs per outcome and the checks around them ask for the same frames
    several times (ADR 0047)."""
    key = (f"{group.dimension}:{group.key}", outcome)
    if key not in records._frames:
        records._frames[key] = _outcome_frame(records, group, outcome)
    return records._frames[key].copy()


def _outcome_frame(records: Records, group: Group, outcome: str) -> Any:
    key = f"joined {group.dimension}:{group.key}"
    if key not in records._wide:
        records._wide[key] = _joined(records, group)
    return _select(records._wide[key], outcome)


def _joined(records: Records, group: Group) -> Any:
    treated = _cached(records, f"{group.dimension}:{group.key}", group.starts).copy()
    treated["treated"] = 1.0
    treated["cost"] = [group.costs.get(s, 0.0) for s in treated.index]
    comparison = _cached(records, "comparison", records.comparison)
    # A student with no intervention in the window after their referral is a comparison,
    # but one whose first intervention of this group came later in the period is a
    # participant here: never both (one row per student).
    comparison = comparison.loc[~comparison.index.isin(treated.index)].copy()
    comparison["treated"] = 0.0
    comparison["cost"] = 0.0
    parts = [p for p in (treated, comparison) if not p.empty]
    return pd.concat(parts) if parts else treated


def progress_frame(records: Records, outcome: str = "attendance") -> Any:
    """Everyone referred in the period whose window has ended, from their referral: the
    progress model's frame (``factors.progress_factors``)."""
    starts = {
        student: person.referred_on
        for student, person in records.people.items()
        if student in records.cohort and records.complete(person.referred_on)
    }
    return _select(_cached(records, "progress", starts), outcome)
