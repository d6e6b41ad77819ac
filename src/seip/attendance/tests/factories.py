"""Attendance test data: year rows from (AM, PM) codes, and students made in bulk.

``bulk_students`` skips the referral services on purpose: its students exist to carry
attendance in the demo-history tests and the benchmark, and 10,000 students cannot
afford 10,000 audited referrals. Each referral is signed on ``signed_on`` (recorded as
``signed_at``; there is no consent row).
"""

import datetime as dt

from django.utils import timezone
from stdnum.gb.upn import calc_check_digit

from seip.attendance.calculations import tally
from seip.attendance.codes import lookup
from seip.attendance.marks import empty_year, encode, slot
from seip.attendance.models import AttendanceYear
from seip.keys.fields import seal_bulk_create
from seip.organisations.models import School
from seip.referrals.models import Referral, ReferralStatus
from seip.students.models import Student
from seip.students.sources import SourceKind

#: When the ``marked_student`` fixture's referral was signed: a Wednesday.
SIGNED = dt.date(2025, 11, 12)


def bulk_students(schools: list[School], count: int, *, signed_on: dt.date, serial: int = 0):
    """``count`` students spread over ``schools``, with signed referrals; returns their pks."""
    signed_at = timezone.make_aware(dt.datetime.combine(signed_on, dt.time(12)))
    referrals = []
    for n in range(count):
        school = schools[n % len(schools)]
        digits = f"{school.local_authority.la_code}{school.establishment_number}14"
        digits += f"{(serial + n) % 1000:03d}"
        referrals.append(
            Referral(
                school=school,
                partnership_id=school.partnership_id,
                status=ReferralStatus.ACCEPTED,
                upn=calc_check_digit(digits) + digits,
                first_name=f"Pupil{serial + n}",
                last_name="Bench",
                date_of_birth=dt.date(2012, 1, 1),
                sex="F",
                nc_year=9,
                reasons="Benchmark",
                support_tried="Benchmark",
                requested_tier=2,
                signed_at=signed_at,
            )
        )
    referrals = seal_bulk_create(Referral, referrals, batch_size=500)
    students = seal_bulk_create(
        Student,
        [
            Student(
                partnership_id=r.partnership_id,
                school_id=r.school_id,
                referral=r,
                upn=r.upn,
                first_name=r.first_name,
                last_name=r.last_name,
                date_of_birth=r.date_of_birth,
                sex=r.sex,
                nc_year=r.nc_year,
            )
            for r in referrals
        ],
        batch_size=500,
    )
    return [s.pk for s in students]


def year_marks(year: int, marks: dict[dt.date, tuple[str | None, str | None]]) -> str:
    """A stored year string with the given (AM, PM) codes."""
    chars = list(empty_year(year))
    for day, pair in marks.items():
        for session, code in enumerate(pair):
            if code:
                chars[slot(year, day, session)] = encode(lookup(code))
    return "".join(chars)


def store(student, year, marks, school=None):
    """Save a year row of (AM, PM) codes by date, with its counts, bypassing the service."""
    text = year_marks(year, marks)
    row = AttendanceYear(
        student=student,
        school=school or student.school,
        academic_year=year,
        marks=text,
        source_kind=SourceKind.SCHOOL_IMPORT,
        obtained_on=dt.date(2025, 12, 1),
    )
    row.set_counts(tally(text))
    row.save()
    return row


def weekdays(first, last):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)
