"""Real records for the impact tests: students, attendance marks, interventions.

Students are made in bulk (``attendance.tests.factories.bulk_students``: accepted
referrals, no audited services), so a planted-effect test of a hundred students stays
quick. Every student is accepted on ``ACCEPTED`` (spring 2026, in the 2025-26 year) and
the report runs on ``TODAY``, when every 12-week window has ended.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.utils import timezone

from seip.attendance.calculations import tally
from seip.attendance.codes import lookup
from seip.attendance.marks import empty_year, encode, slot
from seip.attendance.models import AttendanceYear
from seip.attendance.tests.factories import bulk_students
from seip.provision.models import InterventionType
from seip.provision.tests.factories import InterventionFactory
from seip.reports.population import Period
from seip.students.models import Student
from seip.students.sources import SourceKind

YEAR = Period(2025)  # 2025-26
ACCEPTED = dt.date(2026, 1, 5)  # a Monday: the referral of every student here
START = dt.date(2026, 1, 12)  # interventions start a week later
TODAY = dt.date(2026, 7, 1)  # every window has ended

_PRESENT = (encode(lookup("/")), encode(lookup("\\")))
_ABSENT = encode(lookup("O"))
_GOLDEN = 0.6180339887498949


def students(schools, count: int, *, serial: int = 0) -> list[Student]:
    """``count`` students accepted on ``ACCEPTED``, spread over ``schools``."""
    pks = bulk_students(schools, count, signed_on=ACCEPTED, serial=serial)
    accepted = timezone.make_aware(dt.datetime.combine(ACCEPTED, dt.time(12)))
    Student.objects.filter(pk__in=pks).update(created_at=accepted)
    return list(Student.objects.filter(pk__in=pks).order_by("pk"))


def mark(
    student: Student,
    rate: Callable[[dt.date], float],
    *,
    rng: random.Random,
    year: int = 2025,
) -> AttendanceYear:
    """A year of weekday marks, present in a share ``rate(day)`` of sessions.

    Sessions are marked by a low-discrepancy sequence rather than coin flips, so any run
    of sessions attends very nearly its rate: the tests plant their noise in the rates,
    where they can control it.
    """
    chars = list(empty_year(year))
    day = dt.date(year, 9, 1)
    position = rng.random()
    while day <= dt.date(year + 1, 7, 20):
        if day.weekday() < 5:
            for session in (0, 1):
                position = (position + _GOLDEN) % 1.0
                present = position < rate(day)
                chars[slot(year, day, session)] = _PRESENT[session] if present else _ABSENT
        day += dt.timedelta(days=1)
    text = "".join(chars)
    row = AttendanceYear(
        student=student,
        school=student.school,
        academic_year=year,
        marks=text,
        source_kind=SourceKind.SCHOOL_IMPORT,
        obtained_on=dt.date(2026, 7, 1),
    )
    row.set_counts(tally(text))
    row.save()
    return row


def intervene(student: Student, kind: InterventionType, *, start: dt.date = START, **extra):
    """An intervention bypassing the services (costs are still the services' sums)."""
    return InterventionFactory(student=student, type=kind, start_date=start, **extra)
