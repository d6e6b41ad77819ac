"""Invented attendance registers for the demo county and the benchmarks.

Academic years from 2022/23 to the one containing ``until`` (five, to 2026/27) of marks for
every student, at their school on roll. Term dates follow a typical English calendar
(half-term weeks, Christmas, Easter and summer holidays, bank holidays, an INSET day
marked ``#``); weekends and holidays hold no mark. Each student has their own absence
level, from steady attenders to a few severe absentees; after the referral some improve,
some stay the same and some get worse. Registers before 19 August 2024 use the pre-2024
codes (H for holidays, J for interviews, Y for a snow day), later ones the 2024 codes (J1,
Y4, and after the referral K for a day a week at LA-arranged provision, or C2 for a
part-time timetable).

Deterministic: each student's register is seeded by ``seed`` and their UPN, never by the
clock; only ``until`` (today, by default) decides how much of the current year exists.
Rows are written with ``seal_bulk_create`` (the source note is sealed under each student's
key) and counts from the calculator: a register of 10,000 students is one import, not
10,000 audited edits, so one audit event records it.
"""

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from seip.attendance.calculations import tally
from seip.attendance.codes import BY_CODE
from seip.attendance.marks import empty_year, encode, year_start
from seip.attendance.models import AttendanceYear
from seip.attendance.selectors import signing_dates
from seip.audit.services import audit_record
from seip.core.calendar import academic_year
from seip.keys.fields import seal_bulk_create
from seip.students.models import Student
from seip.students.sources import SourceKind

FIRST_YEAR = 2022
NEW_CODES_YEAR = 2024  # 2024/25 is the first year of the 2024 codes
_BATCH = 1000

# (weight, low, high): the share of students at each level of absence.
_ABSENCE_LEVELS = [(68, 0.01, 0.065), (20, 0.08, 0.16), (8, 0.16, 0.40), (4, 0.50, 0.65)]
# After the referral: (weight, factor applied to the absence level).
_AFTER_REFERRAL = [(50, (0.35, 0.8)), (30, (0.9, 1.1)), (20, (1.1, 1.5))]
# Reasons for a whole day's absence, by era: (weight, code).
_REASONS = {
    "old": [(45, "I"), (6, "M"), (5, "C"), (6, "H"), (5, "G"), (14, "O"), (12, "N"), (7, "E")],
    "new": [(45, "I"), (6, "M"), (5, "C"), (1, "J1"), (9, "G"), (14, "O"), (13, "N"), (7, "E")],
}
_ONE_DAY = {"M", "C", "J1"}
# Stored characters, through the one encoding table.
_CHAR = {code: encode(BY_CODE[code]) for code in BY_CODE}


def _easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m + 114) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def _monday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week(monday: dt.date) -> set[dt.date]:
    return {monday + dt.timedelta(days=n) for n in range(5)}


def _span(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}


@cache
def term_days(year: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Day offsets from 1 September of (pupil days, INSET closure days) in ``year``."""
    start, end = year_start(year), year_start(year + 1) - dt.timedelta(days=1)
    spring = year + 1
    closed = _span(start, start + dt.timedelta(days=1))  # before term starts
    closed |= _week(_monday_on_or_before(dt.date(year, 10, 28)))
    last_autumn = dt.date(year, 12, 20) - dt.timedelta(
        days=(dt.date(year, 12, 20).weekday() - 4) % 7
    )
    closed |= _span(last_autumn + dt.timedelta(days=1), dt.date(spring, 1, 3))
    closed |= _week(_monday_on_or_before(dt.date(spring, 2, 17)))
    easter = _easter(spring)
    closed |= _span(easter - dt.timedelta(days=6), easter + dt.timedelta(days=5))
    closed.add(dt.date(spring, 5, 1) + dt.timedelta(days=(7 - dt.date(spring, 5, 1).weekday()) % 7))
    closed |= _week(_monday_on_or_before(dt.date(spring, 5, 31)))
    last_summer = dt.date(spring, 7, 22) - dt.timedelta(
        days=(dt.date(spring, 7, 22).weekday() - 4) % 7
    )
    closed |= _span(last_summer + dt.timedelta(days=1), end)
    open_days = [d for d in _span(start, end) if d.weekday() < 5 and d not in closed]
    open_days.sort()
    inset = open_days[0]  # the first day of term is a training day
    return (
        tuple((d - start).days for d in open_days[1:]),
        ((inset - start).days,),
    )


@dataclass
class _Student:
    pk: int
    upn: str
    school_id: int
    urn: str
    organisation_id: int
    signed_on: dt.date | None
    #: The row's student, so sealing its source note needs no query (``referral_id``).
    record: Student


def _choose(rng: random.Random, table: list[tuple[int, str]]) -> str:
    return rng.choices([c for _, c in table], weights=[w for w, _ in table])[0]


@cache
def _unexpected_closure(seed: int, urn: str, year: int) -> int | None:
    """The day offset a school had to close without notice (snow, a burst pipe), if any."""
    rng = random.Random(f"{seed}:{urn}:{year}")  # noqa: S311 - demo data
    days, _ = term_days(year)
    return rng.choice(days) if rng.random() < 0.3 else None


@dataclass(frozen=True)
class _Profile:
    level: float  # the share of school days missed before the referral
    after: float  # what the referral multiplies it by
    ap_day: int | None  # weekday at LA-arranged provision after the referral
    part_time: bool  # a part-time timetable for the first weeks after the referral

    @classmethod
    def draw(cls, rng: random.Random) -> "_Profile":
        _, low, high = rng.choices(_ABSENCE_LEVELS, weights=[w[0] for w in _ABSENCE_LEVELS])[0]
        weights = [w for w, _ in _AFTER_REFERRAL]
        a, b = rng.choices([f for _, f in _AFTER_REFERRAL], weights=weights)[0]
        return cls(
            level=rng.uniform(low, high),
            after=rng.uniform(a, b),
            ap_day=rng.randrange(5) if rng.random() < 0.2 else None,
            part_time=rng.random() < 0.1,
        )


def _register(
    rng: random.Random, student: _Student, profile: _Profile, seed: int, year: int, until: dt.date
) -> str:
    """One year string for one student."""
    era = "new" if year >= NEW_CODES_YEAR else "old"
    signed = student.signed_on
    days, inset = term_days(year)
    last = (until - year_start(year)).days
    days = days[: bisect.bisect_right(days, last)]
    marks = list(empty_year(year))
    for offset in days:
        marks[2 * offset], marks[2 * offset + 1] = _CHAR["/"], _CHAR["\\"]
    for offset in inset:
        if offset <= last:
            marks[2 * offset] = marks[2 * offset + 1] = _CHAR["#"]
    closed = _unexpected_closure(seed, student.urn, year)
    if closed is not None and closed <= last:
        days = tuple(d for d in days if d != closed)
        marks[2 * closed] = marks[2 * closed + 1] = _CHAR["Y4" if era == "new" else "Y"]
    split = len(days)
    if signed is not None:
        split = bisect.bisect_left(days, (signed - year_start(year)).days)
    before = profile.level * rng.uniform(0.75, 1.25)  # no two years alike
    for part, rate in ((days[:split], before), (days[split:], before * profile.after)):
        _absences(rng, marks, part, min(rate, 0.95), era)
    if split < len(days) and era == "new":
        _after_referral(marks, year, days[split:], profile)
    for offset in rng.sample(days, min(len(days), rng.randint(0, 12))):
        if marks[2 * offset] == _CHAR["/"]:
            marks[2 * offset] = _CHAR["L" if rng.random() < 0.8 else "U"]
    if days and rng.random() < 0.5:  # a trip, or an interview
        interview = "J1" if era == "new" else "J"
        marks[2 * rng.choice(days)] = _CHAR["V" if rng.random() < 0.7 else interview]
    return "".join(marks)


def _absences(
    rng: random.Random, marks: list[str], days: tuple[int, ...], rate: float, era: str
) -> None:
    """Mark about ``rate`` of ``days`` absent, in spells of one to three days."""
    if not days:
        return
    wanted = round(rng.gauss(len(days) * rate, (len(days) * rate * (1 - rate)) ** 0.5))
    wanted = max(0, min(len(days), wanted))
    absent: set[int] = set()
    while len(absent) < wanted:
        at = rng.randrange(len(days))
        code = _choose(rng, _REASONS[era])
        length = 1 if code in _ONE_DAY else rng.choice((1, 1, 2, 3))
        for offset in days[at : at + length]:
            if offset in absent:
                break
            absent.add(offset)
            if code == "M" and rng.random() < 0.7:  # appointments take one session
                marks[2 * offset + rng.randrange(2)] = _CHAR[code]
            else:
                marks[2 * offset] = marks[2 * offset + 1] = _CHAR[code]


def _after_referral(marks: list[str], year: int, days: tuple[int, ...], profile: _Profile) -> None:
    """Support after the referral: a weekly day at LA-arranged provision (K), or a part-time
    timetable for the first two weeks (C2 in the afternoons)."""
    first_weekday = year_start(year).weekday()
    for n, offset in enumerate(days):
        weekday = (first_weekday + offset) % 7
        if weekday == profile.ap_day and marks[2 * offset] == _CHAR["/"]:
            marks[2 * offset] = marks[2 * offset + 1] = _CHAR["K"]
        if profile.part_time and n < 10 and marks[2 * offset + 1] == _CHAR["\\"]:
            marks[2 * offset + 1] = _CHAR["C2"]


def _students(students: Iterable[Student]) -> list[_Student]:
    """The students to build for: those with no attendance yet."""
    if isinstance(students, QuerySet):
        students = students.select_related("school")
    given = list(students)
    done: set[int] = set()
    for chunk in itertools.batched([s.pk for s in given], 500):
        rows = AttendanceYear.objects.filter(student_id__in=chunk)
        done |= set(rows.values_list("student_id", flat=True))
    todo = [s for s in given if s.pk not in done]
    signed = signing_dates(s.pk for s in todo)
    return [
        _Student(s.pk, s.upn, s.school_id, s.school.urn, s.school.organisation_id, signed[s.pk], s)
        for s in todo
    ]


def _rows(student: _Student, seed: int, until: dt.date) -> Iterator[AttendanceYear]:
    rng = random.Random(f"{seed}:{student.upn}")  # noqa: S311 - demo data, not security
    profile = _Profile.draw(rng)
    for year in range(FIRST_YEAR, academic_year(until) + 1):
        marks = _register(rng, student, profile, seed, year, until)
        row = AttendanceYear(
            student=student.record,
            school_id=student.school_id,
            academic_year=year,
            marks=marks,
            source_kind=SourceKind.SCHOOL_IMPORT,
            source_organisation_id=student.organisation_id,
            source_note="Demo register (invented)",
            obtained_on=until,
        )
        row.set_counts(tally(marks))
        yield row


@transaction.atomic
def build_history(students: Iterable[Student], seed: int, *, until: dt.date | None = None) -> None:
    """Give every student in ``students`` without attendance a register from 2022/23 to
    ``until`` (today by default) at their school on roll. Pass the students with their
    school (``select_related("school")``); a queryset gets it added."""
    until = until or timezone.localdate()
    written = 0
    for chunk in itertools.batched(_students(students), _BATCH // 5):
        rows = [row for student in chunk for row in _rows(student, seed, until)]
        # The source note is sealed under each student's key (P14): one batch opens them all.
        written += len(seal_bulk_create(AttendanceYear, rows, batch_size=_BATCH))
    if written:
        audit_record(
            actor=None, action="attendance.demo_history", detail={"rows": written, "seed": seed}
        )
