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

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from django.db.models import CharField, FloatField, Min, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from seip.attendance.calculations import possible_and_attended, possible_and_attended_flags
from seip.attendance.marks import NO_MARK, slice_for, year_length, year_start
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
    _totals: _Totals | None = None

    def term(self, day: dt.date) -> str:
        """``term_of(day)``, worked out once per date: students share referral dates,
        and every frame asks for each of its students' terms."""
        if (found := self._terms.get(day)) is None:
            found = self._terms[day] = term_of(day)
        return found

    def complete(self, start: dt.date) -> bool:
        """Has the follow-up window from ``start`` ended by today?"""
        # ``followup(start)[1] <= until``, with the last such start worked out once: the
        # check runs for every intervention and student read.
        if self._last_complete is None:
            span = self.windows.followup(self.until)[1] - self.until
            self._last_complete = self.until - span
        return start <= self._last_complete

    def windows_of(
        self, students: np.ndarray, firsts: np.ndarray, lasts: np.ndarray
    ) -> dict[str, np.ndarray]:
        """``window`` of every (student, first day, last day) at once, days as ordinals:
        one array per outcome, the same values (a property test checks it).

        A frame is thousands of windows; one at a time in Python they were the frames'
        largest cost (ADR 0055). Sessions and events are whole numbers, summed here from
        running totals, so the counts, and the rates divided from them, are the same."""
        if self._totals is None:
            self._totals = _Totals.of(self)
        totals = self._totals
        possible, attended = totals.sessions(students, firsts, lasts)
        suspensions = totals.count("suspensions", students, firsts, lasts)
        incidents = totals.count("incidents", students, firsts, lasts)
        exclusions = totals.count("exclusions", students, firsts, lasts)
        some = possible > 0
        attendance = np.full(len(students), np.nan)
        behaviour = np.full(len(students), np.nan)
        # float * int / int, as ``window`` divides: the same roundings.
        attendance[some] = 100.0 * attended[some].astype(float) / possible[some].astype(float)
        behaviour[some] = (
            100.0 * (incidents[some] + suspensions[some]).astype(float) / possible[some]
        )
        # The mean rating and attainment are float sums in date order: each window's
        # ratings and results are one slice of a student's, found by binary search and
        # summed in that order, as ``window`` sums them.
        attitude = np.full(len(students), np.nan)
        attainment = np.full(len(students), np.nan)
        ratings, results = totals.ratings, totals.results
        some, firsts_of, ends = totals.between("ratings", students, firsts, lasts)
        attitude[some] = [sum(ratings[a:b]) / (b - a) for a, b in zip(firsts_of, ends, strict=True)]
        some, firsts_of, ends = totals.between("results", students, firsts, lasts)
        attainment[some] = [
            # In date order: the latest result per subject wins.
            sum(latest.values()) / len(latest)
            for latest in (dict(results[a:b]) for a, b in zip(firsts_of, ends, strict=True))
        ]
        return {
            "attendance": attendance,
            "behaviour": behaviour,
            "suspensions": suspensions.astype(float),
            "permanent_exclusion": (exclusions > 0).astype(float),
            "attitude": attitude,
            "attainment": attainment,
        }

    def window(self, student: int, first: dt.date, last: dt.date) -> Window:
        """The outcomes of one student's window from ``first`` to ``last`` inclusive: the
        definition ``windows_of`` works out for many windows at once."""
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
        attitude = sum(ratings) / len(ratings) if ratings else math.nan
        attainment = sum(latest.values()) / len(latest) if latest else math.nan
        result = Window(
            attendance=attendance,
            behaviour=behaviour,
            suspensions=float(suspensions),
            permanent_exclusion=float(_between(self.exclusions.get(student, ()), first, last) > 0),
            attitude=attitude,
            attainment=attainment,
        )
        self._cache[key] = result
        return result


#: Days are ordinals below this (year 9999 is about 3.65 million): a student's events
#: are keyed ``student * _DAYS + day``, so one sorted array holds every student's.
_DAYS = 1 << 22


@dataclass(frozen=True)
class _Totals:
    """Every student's sessions and events, arranged for many windows at once.

    Each stored year string read is a segment of one long run of school days (only the
    days some frame's window can reach); running totals of their possible and attended
    sessions give any window's counts by two subtractions. Events are sorted keys
    (``student * _DAYS + day``), so a window's count is two binary searches."""

    #: The first and last day (ordinals) any window asked of these totals may cover.
    lowest: int
    highest: int
    #: Per segment, ordered by student: the student, the ordinal of its first day kept,
    #: the days kept, and where it starts in the run.
    student: np.ndarray
    opens: np.ndarray
    days: np.ndarray
    offset: np.ndarray
    #: Running totals over the run's days, with a leading 0: days [a, b) of the run hold
    #: ``possible[b] - possible[a]`` possible sessions.
    possible: np.ndarray
    attended: np.ndarray
    events: dict[str, np.ndarray]
    #: Every attitude rating's mean, and every result's (subject, grade minus target),
    #: in the order of ``events["ratings"]`` and ``events["results"]``.
    ratings: list[float]
    results: list[tuple[str, float]]

    @classmethod
    def of(cls, records: Records) -> _Totals:
        # Every window a frame asks for is around a group's start or a referral of the
        # cohort (the comparison and the progress frame).
        starts = [d for group in records.groups for d in group.starts.values()]
        starts += [records.people[s].referred_on for s in records.cohort]
        windows = records.windows
        lowest = min(starts, default=records.until) - dt.timedelta(weeks=windows.baseline_weeks)
        highest = max(starts, default=records.until) + dt.timedelta(weeks=windows.followup_weeks)
        segments = [
            (student, year, marks)
            for student in sorted(records.attendance)
            for year, marks in records.attendance[student]
        ]
        years = [year for _, year, _ in segments]
        year_opens = np.array([_opens(year) for year in years], dtype=np.int64)
        year_days = np.array([_days(year) for year in years], dtype=np.int64)
        # ``slice_for(year, lowest, highest)`` of every segment at once: the slots of the
        # days a window can be asked for.
        first = np.clip(lowest.toordinal() - year_opens, 0, year_days)
        after = np.maximum(first, np.clip(highest.toordinal() - year_opens + 1, 0, year_days))
        # Sliced as Python slices (clipped to the string); an odd string (never a valid
        # one) is padded with no mark, which nothing counts, so each window is whole days.
        kept = [
            part + NO_MARK * (len(part) % 2)
            for part in (
                marks[2 * a : 2 * b]
                for (_, _, marks), a, b in zip(
                    segments, first.tolist(), after.tolist(), strict=True
                )
            )
        ]
        days = np.array([len(part) // 2 for part in kept], dtype=np.int64)
        possible, attended = possible_and_attended_flags("".join(kept))
        return cls(
            lowest=lowest.toordinal(),
            highest=highest.toordinal(),
            student=np.array([student for student, _, _ in segments], dtype=np.int64),
            opens=year_opens + first,
            days=days,
            offset=np.cumsum(days) - days,
            possible=_running(possible),
            attended=_running(attended),
            events={
                name: np.sort(
                    np.array(
                        [s * _DAYS + day.toordinal() for s, days in kept.items() for day in days],
                        dtype=np.int64,
                    )
                )
                for name, kept in (
                    ("incidents", records.incidents),
                    ("suspensions", records.suspensions),
                    ("exclusions", records.exclusions),
                )
            }
            | {
                # By student, then in the order read (date order): already sorted.
                "ratings": _keys(records.attitude),
                "results": _keys(records.results),
            },
            ratings=[v for s in sorted(records.attitude) for _, v in records.attitude[s]],
            results=[
                (subject, gap)
                for s in sorted(records.results)
                for _, subject, gap in records.results[s]
            ],
        )

    def sessions(
        self, students: np.ndarray, firsts: np.ndarray, lasts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Possible and attended sessions of each window, over every year string of its
        student (``slice_for``'s slice of each)."""
        if len(students) and (firsts.min() < self.lowest or lasts.max() > self.highest):
            raise ValueError("a window reaches days these totals did not keep")
        lo = np.searchsorted(self.student, students, "left")
        hi = np.searchsorted(self.student, students, "right")
        per_window = hi - lo
        # One row per (window, segment of its student).
        window = np.repeat(np.arange(len(students)), per_window)
        within = np.arange(len(window)) - np.repeat(np.cumsum(per_window) - per_window, per_window)
        segment = np.repeat(lo, per_window) + within
        days, opens, offset = self.days[segment], self.opens[segment], self.offset[segment]
        first_day = np.clip(firsts[window] - opens, 0, days)
        after_day = np.maximum(first_day, np.clip(lasts[window] - opens + 1, 0, days))
        start, stop = offset + first_day, offset + after_day
        n = len(students)
        # Differences of the wrapped totals, in their own unsigned type: exact (``_running``).
        possible = (self.possible[stop] - self.possible[start]).astype(np.int64)
        attended = (self.attended[stop] - self.attended[start]).astype(np.int64)
        return (
            np.bincount(window, possible, n).astype(np.int64),
            np.bincount(window, attended, n).astype(np.int64),
        )

    def between(
        self, name: str, students: np.ndarray, firsts: np.ndarray, lasts: np.ndarray
    ) -> tuple[np.ndarray, list[int], list[int]]:
        """The windows with any event of ``name`` (first to last day inclusive), and where
        their events begin and end in ``events[name]``."""
        keys = self.events[name]
        base = students * _DAYS
        begin = np.searchsorted(keys, base + firsts, "left")
        end = np.searchsorted(keys, base + lasts, "right")
        some = np.flatnonzero(end > begin)
        return some, begin[some].tolist(), end[some].tolist()

    def count(
        self, name: str, students: np.ndarray, firsts: np.ndarray, lasts: np.ndarray
    ) -> np.ndarray:
        """Events of ``name`` from each window's first to last day inclusive."""
        keys = self.events[name]
        base = students * _DAYS
        counted: np.ndarray = np.searchsorted(keys, base + lasts, "right") - np.searchsorted(
            keys, base + firsts, "left"
        )
        return counted


def _keys(rows: Mapping[int, list[Any]]) -> np.ndarray:
    """``student * _DAYS + day`` of each row (the date first), by student and then in
    the order read."""
    return np.array(
        [s * _DAYS + row[0].toordinal() for s in sorted(rows) for row in rows[s]], dtype=np.int64
    )


@functools.cache
def _opens(year: int) -> int:
    return year_start(year).toordinal()


@functools.cache
def _days(year: int) -> int:
    return year_length(year) // 2


def _running(flags: bytes) -> np.ndarray:
    """Running totals of the flagged sessions per day (AM and PM), with a leading 0.

    Kept modulo 2**16: a window's count is a difference of two totals, and the sessions
    of one segment's window are fewer than 2**16 (at most 732), so unsigned wrap-around
    gives it exactly; the run is millions of days, and a quarter of the memory of 64-bit
    totals is most of its cost (fresh pages)."""
    per_day = np.frombuffer(flags, dtype=np.uint8).reshape(-1, 2).sum(axis=1, dtype=np.uint16)
    totals = np.zeros(len(per_day) + 1, dtype=np.uint16)
    np.cumsum(per_day, out=totals[1:])
    return totals


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
    students = np.array(index, dtype=np.int64)
    opens = np.array([starts[s].toordinal() for s in index], dtype=np.int64)
    windows = records.windows
    # ``Windows.baseline`` and ``followup`` in ordinals: whole weeks either side.
    before = records.windows_of(students, opens - 7 * windows.baseline_weeks, opens - 1)
    after = records.windows_of(students, opens, opens + 7 * windows.followup_weeks - 1)
    # Column by column, in the order the frame has always had them; each a transpose
    # of the rows (the same values, without a lookup per cell).
    empty: list[tuple[Any, ...]] = [()] * len(COVARIATES)
    covariates = list(zip(*map(_covariates, people), strict=True)) or empty
    columns: dict[str, Any] = {
        name: list(values) for name, values in zip(COVARIATES, covariates, strict=True)
    }
    columns["referral_term"] = [records.term(person.referred_on) for person in people]
    for outcome in OUTCOMES:
        columns[f"baseline_{outcome}"] = before[outcome]
        columns[f"followup_{outcome}"] = after[outcome]
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
