"""Attendance test fixtures: a student with a known autumn of marks."""

import datetime as dt

import pytest

from seip.attendance.tests.factories import SIGNED, store, weekdays
from seip.referrals.models import Consent


@pytest.fixture
def marked_student(active_case):
    """Signed on 12 November 2025. Autumn 2025: all absent the week of 22 September, ill
    three days in the week of 13 October, half term the week of 27 October; otherwise
    present every weekday to 14 November."""
    student = active_case.student
    Consent.objects.filter(referral=student.referral).update(signed_on=SIGNED)
    marks = {}
    for day in weekdays(dt.date(2025, 9, 22), dt.date(2025, 11, 14)):
        if dt.date(2025, 10, 27) <= day <= dt.date(2025, 10, 31):
            continue
        marks[day] = ("/", "\\")
    for day in weekdays(dt.date(2025, 9, 22), dt.date(2025, 9, 26)):
        marks[day] = ("N", "N")
    for day in [dt.date(2025, 10, 14), dt.date(2025, 10, 15), dt.date(2025, 10, 16)]:
        marks[day] = ("I", "I")
    store(student, 2025, marks)
    return student
