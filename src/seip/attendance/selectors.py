"""Reads of attendance for progress (P03) and for the partnership's picture (P04).

Every selector takes a student (or a queryset of students) the caller has already fetched
through the students app's scoped selectors, so attendance is seen exactly by those who
may see the student. A student's year rows are read in one query (:func:`history`) and
every measure is computed from them by :mod:`seip.attendance.calculations`.
"""

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from seip.accounts.models import User
from seip.attendance.calculations import Counts, Rate, tally_years
from seip.attendance.codes import Code
from seip.attendance.marks import AM, PM, decode, slot
from seip.attendance.models import AttendanceYear
from seip.core.calendar import HalfTerm, academic_year, half_terms_between
from seip.organisations.models import School
from seip.referrals.models import Consent
from seip.students.models import Student
from seip.students.permissions import can_write

#: The baseline: this many school weeks before the referral was signed.
BASELINE_WEEKS = 6
# How far back to look for those weeks: far enough to step over the summer holiday.
_BASELINE_SEARCH_WEEKS = 20


@dataclass(frozen=True)
class History:
    """What every measure of one student needs: the day the referral was signed, and the
    year rows at every school in every year."""

    signed_on: dt.date | None
    years: tuple[AttendanceYear, ...]

    def counts(self, start: dt.date | None = None, end: dt.date | None = None) -> Counts:
        return tally_years(((y.academic_year, y.marks) for y in self.years), start, end)

    def rate(self, start: dt.date, end: dt.date) -> Rate:
        return Rate(start, end, self.counts(start, end))


def history(student: Student) -> History:
    """The student's history in two queries (the signing date and the year rows),
    whatever span of dates is then asked about. Pass it to the selectors below to share
    it between them."""
    rows = AttendanceYear.objects.filter(student=student).select_related(
        "school", "source_organisation"
    )
    return History(referral_signed_on(student), tuple(rows))


def signed_on_subquery() -> Subquery:
    """For a queryset of students: the date on the first consent the family signed."""
    first = Consent.objects.filter(referral=OuterRef("referral")).order_by("signed_on")
    return Subquery(first.values("signed_on")[:1])


def signing_date(first_signature: dt.date | None, signed_at: dt.datetime | None) -> dt.date | None:
    """The day the referral was signed: the date the family wrote on the form, or failing
    that the day the signature was recorded. The one rule for every attendance measure."""
    if first_signature is not None:
        return first_signature
    return timezone.localdate(signed_at) if signed_at else None


def signing_dates(student_ids: Iterable[int]) -> dict[int, dt.date | None]:
    """:func:`signing_date` for many students: one query per 500 students."""
    found: dict[int, dt.date | None] = {}
    for chunk in itertools.batched(student_ids, 500):
        rows = (
            Student.objects.filter(pk__in=chunk)
            .annotate(first_signature=signed_on_subquery())
            .values_list("pk", "first_signature", "referral__signed_at")
        )
        found |= {pk: signing_date(first, signed_at) for pk, first, signed_at in rows}
    return found


def referral_signed_on(student: Student) -> dt.date | None:
    return signing_dates([student.pk])[student.pk]


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def baseline(student: Student, *, years: History | None = None) -> Rate | None:
    """Attendance over the 6 school weeks before the referral was signed.

    A school week is a Monday-to-Sunday week with at least one possible session, so
    holidays are stepped over; the week of signing counts only its days before signing.
    None if the referral is unsigned or no such week has marks.
    """
    years = years or history(student)
    if years.signed_on is None:
        return None
    end = years.signed_on - dt.timedelta(days=1)
    week = _monday(end)
    total, weeks, start = Counts(), 0, None
    for _ in range(_BASELINE_SEARCH_WEEKS):
        counts = years.counts(week, min(week + dt.timedelta(days=6), end))
        if counts.possible:
            total, weeks, start = total + counts, weeks + 1, week
            if weeks == BASELINE_WEEKS:
                break
        week -= dt.timedelta(days=7)
    if start is None:
        return None
    return Rate(start, end, total)


def current(student: Student, *, years: History | None = None) -> Rate | None:
    """Attendance from the day the referral was signed to today; None before any
    possible session."""
    years = years or history(student)
    if years.signed_on is None:
        return None
    rate = years.rate(years.signed_on, timezone.localdate())
    return rate if rate.possible else None


@dataclass(frozen=True, slots=True)
class HalfTermRate(Rate):
    half_term: HalfTerm


def by_half_term(
    student: Student, start: dt.date, end: dt.date, *, years: History | None = None
) -> list[HalfTermRate]:
    """Attendance in each half term from ``start`` to ``end``, each clipped to the range.
    Persistent and severe flags are measured within each half term."""
    years = years or history(student)
    rates = []
    for term in half_terms_between(start, end):
        lo, hi = max(term.start, start), min(term.end, end)
        rates.append(HalfTermRate(lo, hi, years.counts(lo, hi), term))
    return rates


@dataclass(frozen=True)
class DaySessions:
    day: dt.date
    school: School
    am: Code | None
    pm: Code | None


def week(student: Student, monday: dt.date, *, years: History | None = None) -> list[DaySessions]:
    """The student's marks, AM and PM, for each day of the week starting ``monday``, at
    every school holding a mark that week (or, with no marks, at the school on roll)."""
    years = years or history(student)
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    rows = {(row.school_id, row.academic_year): row for row in years.years}
    schools = {row.school_id: row.school for row in years.years}
    found: list[DaySessions] = []
    for school_id, school in sorted(schools.items(), key=lambda item: item[1].name):
        marks = []
        for day in days:
            row = rows.get((school_id, academic_year(day)))
            index = slot(academic_year(day), day)
            am, pm = (
                (decode(row.marks[index + AM]), decode(row.marks[index + PM]))
                if row
                else (None, None)
            )
            marks.append(DaySessions(day, school, am, pm))
        if any(m.am or m.pm for m in marks):
            found.extend(marks)
    return found or [DaySessions(day, student.school, None, None) for day in days]


@dataclass(frozen=True, slots=True)
class Enrolment:
    """One student at one school in one year, measured from the stored counts."""

    student_id: int
    school_id: int
    counts: Counts


def enrolments(students: QuerySet[Student], year: int) -> list[Enrolment]:
    """Every enrolment of ``students`` in ``year``, from the stored counts, in one query.

    Pass a queryset already scoped to what the reader may see; persistent and severe
    absence are per enrolment, as the DfE measures them.
    """
    rows = AttendanceYear.objects.filter(academic_year=year, student__in=students).values_list(
        "student_id", "school_id", "possible", "present", "approved", "authorised", "unauthorised"
    )
    return [Enrolment(s, sch, Counts(*numbers)) for s, sch, *numbers in rows.iterator(2000)]


@dataclass(frozen=True)
class Panel:
    student: Student
    signed_on: dt.date | None
    baseline: Rate | None
    current: Rate | None
    half_terms: list[HalfTermRate]
    this_year: list[AttendanceYear]
    can_record: bool

    @property
    def change(self) -> float | None:
        """Percentage points gained (or lost) since the baseline."""
        if self.baseline is None or self.current is None:
            return None
        before, now = self.baseline.percent, self.current.percent
        return None if before is None or now is None else now - before

    @property
    def change_label(self) -> str:
        change = self.change
        if change is None:
            return ""
        return f"{change:+.1f} percentage points".replace("-", "\N{MINUS SIGN}")


def panel_context(
    student: Student, user: User, *, years: History | None = None
) -> dict[str, Panel]:
    """Context for ``attendance/student_panel.html``: baseline against now, each half term
    from the academic year before the referral to today, and this year's persistent and
    severe absence per enrolment. A fixed number of queries, whatever the history holds.
    """
    years = years or history(student)
    signed_on = years.signed_on
    today = timezone.localdate()
    start = dt.date(academic_year(signed_on or today) - 1, 9, 1)
    return {
        "attendance_panel": Panel(
            student=student,
            signed_on=signed_on,
            baseline=baseline(student, years=years),
            current=current(student, years=years),
            half_terms=by_half_term(student, start, today, years=years),
            this_year=[y for y in years.years if y.academic_year == academic_year(today)],
            can_record=can_write(user, student),
        )
    }
