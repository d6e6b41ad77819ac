import datetime as dt

import pytest

from seip.attendance.calculations import tally
from seip.attendance.codes import validity_warning
from seip.attendance.demo import build_history, term_days
from seip.attendance.marks import sessions, year_length
from seip.attendance.models import AttendanceYear
from seip.attendance.selectors import baseline, current, history
from seip.attendance.tests.factories import bulk_students
from seip.students.models import Student

UNTIL = dt.date(2026, 11, 29)


@pytest.fixture
def built(county):
    bulk_students([county.school_a, county.school_b], 60, signed_on=dt.date(2026, 10, 1))
    students = Student.objects.all()
    build_history(students, seed=7, until=UNTIL)
    assert AttendanceYear.objects.count() == 60 * 5
    return students


def test_a_typical_school_year(db):
    for year in range(2022, 2027):
        days, inset = term_days(year)
        assert 188 <= len(days) + len(inset) <= 195
        first = dt.date(year, 9, 1)
        assert all((first + dt.timedelta(days=d)).weekday() < 5 for d in days)


def test_five_years_of_registers_that_follow_the_rules(built):
    rows = list(AttendanceYear.objects.select_related("student"))
    assert {r.academic_year for r in rows} == {2022, 2023, 2024, 2025, 2026}
    used = {"old": set(), "new": set()}
    for row in rows:
        assert len(row.marks) == year_length(row.academic_year)
        assert row.counts == tally(row.marks)
        assert row.school_id == row.student.school_id
        for day, _session, code in sessions(row.academic_year, row.marks):
            if code is None:
                continue
            assert day <= UNTIL
            assert day.weekday() < 5
            assert validity_warning(code, day) is None, (day, code)
            used["old" if row.academic_year < 2024 else "new"].add(code.code)
    assert {"H", "J"} & used["old"]
    assert not {"C2", "J1", "K", "Y4"} & used["old"]
    assert {"J1", "K", "C2"} <= used["new"]
    # Every pupil day of a past year is a possible session, but for a school's one
    # unexpected closure (Y or Y4).
    for row in rows:
        if row.academic_year < 2026:
            pupil_days = len(term_days(row.academic_year)[0])
            assert 2 * pupil_days - 2 <= row.possible <= 2 * pupil_days


def test_absence_varies_and_some_are_persistent_absentees(built):
    year = AttendanceYear.objects.filter(academic_year=2025)
    persistent = sum(1 for r in year if r.counts.persistent)
    severe = sum(1 for r in year if r.counts.severe)
    assert 5 <= persistent <= 40  # of 60; 10 to 24 across forty seeds
    assert severe <= 10
    rates = sorted(r.counts.attendance_percent for r in year)
    assert rates[0] < 85 < 95 < rates[-1]


def test_after_the_referral_some_improve_and_some_do_not(built):
    changes = []
    for student in built.select_related("referral"):
        years = history(student)
        changes.append(
            current(student, years=years).percent - baseline(student, years=years).percent
        )
    assert sum(1 for c in changes if c > 2) >= 10
    assert sum(1 for c in changes if c < -2) >= 3


def test_rebuilding_adds_nothing_and_the_same_seed_gives_the_same_registers(built):
    before = dict(AttendanceYear.objects.values_list("pk", "marks"))
    build_history(list(built.select_related("school")), seed=7, until=UNTIL)
    assert dict(AttendanceYear.objects.values_list("pk", "marks")) == before
    marks = sorted(before.values())
    AttendanceYear.objects.all().delete()
    build_history(built, seed=7, until=UNTIL)
    assert sorted(AttendanceYear.objects.values_list("marks", flat=True)) == marks
