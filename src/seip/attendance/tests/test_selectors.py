import datetime as dt
from fractions import Fraction

import pytest
from django.utils import timezone

from seip.attendance.calculations import Counts, tally
from seip.attendance.models import AttendanceYear
from seip.attendance.selectors import (
    baseline,
    by_half_term,
    current,
    enrolments,
    history,
    panel_context,
    referral_signed_on,
    week,
)
from seip.attendance.tests.factories import SIGNED, bulk_students, store, year_marks
from seip.core.calendar import HalfTerm
from seip.students.models import Student


@pytest.fixture
def student(marked_student):
    return marked_student


def test_the_referral_date_is_the_day_the_family_signed(student, county):
    assert referral_signed_on(student) == SIGNED
    # Without a consent on record, the day the signature was recorded.
    [pk] = bulk_students([county.school_a], 1, signed_on=dt.date(2025, 1, 6))
    assert referral_signed_on(Student.objects.get(pk=pk)) == dt.date(2025, 1, 6)


@pytest.mark.promise("P03")
def test_baseline_is_six_school_weeks_before_signing_stepping_over_half_term(student):
    rate = baseline(student)
    # Mon 10 and Tue 11 November, then the weeks of 3 November, 20, 13 and 6 October and
    # 29 September; half term and the absent week of 22 September are not in it.
    assert (rate.start, rate.end) == (dt.date(2025, 9, 29), dt.date(2025, 11, 11))
    assert rate.counts == Counts(possible=54, present=48, authorised=6)
    assert rate.percent == pytest.approx(88.89, abs=0.01)
    assert rate.persistent
    assert not rate.severe


def test_no_baseline_without_marks_before_signing(case):
    assert baseline(case.student) is None
    assert current(case.student) is None


def test_current_runs_from_signing_to_today(student):
    rate = current(student)
    assert (rate.start, rate.end) == (SIGNED, timezone.localdate())
    assert rate.counts == Counts(possible=6, present=6)
    assert rate.percent == 100.0


def test_half_terms_clip_to_the_range_and_flag_absence(student):
    terms = by_half_term(student, dt.date(2025, 9, 1), dt.date(2025, 12, 31))
    assert [t.half_term for t in terms] == [HalfTerm(2025, 1), HalfTerm(2025, 2)]
    autumn_1, autumn_2 = terms
    assert autumn_1.counts == Counts(possible=50, present=34, authorised=6, unauthorised=10)
    assert autumn_1.counts.absence_rate == Fraction(16, 50)
    assert autumn_1.persistent
    assert not autumn_1.severe
    assert autumn_2.counts == Counts(possible=20, present=20)
    assert not autumn_2.persistent
    clipped = by_half_term(student, dt.date(2025, 9, 29), dt.date(2025, 10, 3))
    assert [(t.start, t.end, t.possible) for t in clipped] == [
        (dt.date(2025, 9, 29), dt.date(2025, 10, 3), 10)
    ]


def test_measures_read_the_history_in_a_fixed_number_of_queries(
    student, personas, django_assert_num_queries
):
    for year in range(2020, 2025):
        store(student, year, {dt.date(year, 10, 1): ("/", "N")})
    student = Student.objects.select_related("school", "partnership").get(pk=student.pk)
    with django_assert_num_queries(2):
        years = history(student)
    with django_assert_num_queries(0):
        by_half_term(student, dt.date(2020, 9, 1), dt.date(2025, 12, 31), years=years)
        baseline(student, years=years)
        current(student, years=years)
    with django_assert_num_queries(2):
        terms = by_half_term(student, dt.date(2020, 9, 1), dt.date(2025, 12, 31))
    assert len(terms) == 6 * 5 + 2
    assert sum(t.possible for t in terms) == 10 + 70
    with django_assert_num_queries(3):  # history, and whether the user may record marks
        panel_context(student, personas["key_worker"])


def test_the_panel_puts_baseline_against_now(student, personas):
    panel = panel_context(student, personas["key_worker"])["attendance_panel"]
    assert panel.signed_on == SIGNED
    assert panel.change == pytest.approx(100 - 48 / 54 * 100)
    assert panel.change_label == "+11.1 percentage points"
    assert panel.half_terms[0].half_term == HalfTerm(2024, 1)
    assert panel.can_record
    assert not panel_context(student, personas["school_contact"])["attendance_panel"].can_record


def test_a_week_lists_each_school_holding_marks(student, county):
    other = county.a.schools.exclude(pk=student.school_id).get()
    store(student, 2025, {dt.date(2025, 10, 6): ("D", "D")}, school=other)
    days = week(student, dt.date(2025, 10, 13))
    assert [d.school for d in days] == [student.school] * 7
    assert [(d.am.code if d.am else None) for d in days] == ["/", "I", "I", "I", "/", None, None]
    both = week(student, dt.date(2025, 10, 6))
    assert len(both) == 14
    empty = week(student, dt.date(2026, 7, 27))
    assert {(d.school, d.am, d.pm) for d in empty} == {(student.school, None, None)}


def test_a_week_across_1_september_reads_both_years(student):
    store(student, 2026, {dt.date(2026, 9, 1): ("#", "#"), dt.date(2026, 9, 2): ("/", "\\")})
    row = AttendanceYear.objects.get(student=student, academic_year=2025)
    row.marks = year_marks(2025, {dt.date(2026, 8, 31): ("X", "X")})
    row.set_counts(tally(row.marks))
    row.save()
    days = week(student, dt.date(2026, 8, 31))
    assert [d.am.code if d.am else None for d in days] == ["X", "#", "/", None, None, None, None]


def test_enrolments_measure_each_student_at_each_school_from_stored_counts(
    student, county, django_assert_num_queries
):
    other = county.a.schools.exclude(pk=student.school_id).get()
    store(student, 2025, {dt.date(2025, 10, 6): ("/", "/")}, school=other)
    with django_assert_num_queries(1):
        rows = enrolments(Student.objects.filter(partnership=county.a), 2025)
    by_school = {e.school_id: e.counts for e in rows}
    assert by_school[student.school_id].possible == 70
    assert by_school[student.school_id].persistent  # 16 of 70
    assert not by_school[other.pk].persistent
    assert enrolments(Student.objects.filter(partnership=county.b), 2025) == []
