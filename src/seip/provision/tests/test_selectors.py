import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seip.provision.models import InterventionType
from seip.provision.selectors import (
    ReviewState,
    cost_of,
    interventions_of,
    panel_context,
    placement_reviews_due,
    review_window,
    spend_by_type,
)
from seip.provision.tests.factories import InterventionFactory, PlacementFactory, ReviewFactory
from seip.students.models import Student

D = Decimal


@pytest.mark.promise("P06")
def test_cost_of_a_student_is_the_sum_of_every_line(student, county):
    assert cost_of(student) == D("0.00")
    InterventionFactory(student=student)  # 10 h at £30 = 300.00
    InterventionFactory(
        student=student,
        type=InterventionType.AP_PLACEMENT,
        provider=county.provider,
        unit_cost=D("95.55"),
        quantity=D("7.5"),
        staff_hours=D("0"),
    )
    assert cost_of(student) == D("1016.63")  # 300.00 + 716.63
    assert [i.type for i in interventions_of(student)] == ["ap_placement", "key_work"]


@pytest.mark.promise("P06")
def test_spend_by_type_aggregates_in_the_database(student, county, django_assert_num_queries):
    InterventionFactory(student=student)
    InterventionFactory(student=student)
    InterventionFactory(
        student=student,
        type=InterventionType.COUNSELLING,
        provider=county.agency,
        unit_cost=D("45.00"),
        quantity=D("6"),
        staff_hours=D("0"),
    )
    with django_assert_num_queries(1):
        lines = spend_by_type(Student.objects.filter(pk=student.pk))
    by_type = {line.type: line for line in lines}
    assert by_type[InterventionType.KEY_WORK].total == D("600.00")
    assert by_type[InterventionType.KEY_WORK].interventions == 2
    assert by_type[InterventionType.KEY_WORK].students == 1
    assert by_type[InterventionType.KEY_WORK].per_student == D("600.00")
    assert by_type[InterventionType.COUNSELLING].total == D("270.00")
    assert spend_by_type(Student.objects.none()) == []


@pytest.mark.promise("P12")
@pytest.mark.parametrize(
    ("start", "last", "today", "state"),
    [
        # Started in Autumn 1: the first review falls in Autumn 2 (1 Nov to 31 Dec).
        (dt.date(2026, 9, 14), None, dt.date(2026, 10, 20), ReviewState.NOT_DUE),
        (dt.date(2026, 9, 14), None, dt.date(2026, 11, 1), ReviewState.DUE),
        (dt.date(2026, 9, 14), None, dt.date(2027, 1, 1), ReviewState.OVERDUE),
        # Reviewed in Autumn 2: next due in Spring 1.
        (dt.date(2026, 9, 14), dt.date(2026, 11, 20), dt.date(2026, 12, 10), ReviewState.NOT_DUE),
        (dt.date(2026, 9, 14), dt.date(2026, 11, 20), dt.date(2027, 1, 5), ReviewState.DUE),
        (dt.date(2026, 9, 14), dt.date(2026, 11, 20), dt.date(2027, 2, 15), ReviewState.OVERDUE),
    ],
)
def test_review_window_is_half_termly(start, last, today, state):
    assert review_window(started_on=start, last_reviewed_on=last).state(today) == state


def ap(student, county, **overrides):
    intervention = InterventionFactory(
        student=student,
        type=InterventionType.AP_PLACEMENT,
        provider=county.provider,
        unit_cost=D("80"),
        quantity=D("20"),
        staff_hours=D("0"),
        **overrides,
    )
    return PlacementFactory(intervention=intervention)


@pytest.mark.promise("P12")
def test_placement_reviews_due(student, county):
    overdue = ap(student, county, start_date=dt.date(2026, 6, 8))
    due = ap(student, county, start_date=dt.date(2026, 9, 14))
    reviewed = ap(student, county, start_date=dt.date(2026, 9, 14))
    ReviewFactory(placement=reviewed, reviewed_on=dt.date(2026, 11, 10))
    ap(student, county, start_date=dt.date(2026, 9, 14), end_date=dt.date(2026, 10, 30))
    ap(student, county, start_date=dt.date(2026, 11, 20))  # not due until Spring 1
    found = placement_reviews_due(county.a, dt.date(2026, 11, 29))
    assert [(item.placement, item.state) for item in found] == [
        (overdue, ReviewState.OVERDUE),
        (due, ReviewState.DUE),
    ]
    assert found[0].student == student
    assert placement_reviews_due(county.b, dt.date(2026, 11, 29)) == []


@pytest.mark.promise("P17")
def test_archived_students_are_out_of_the_due_list(student, county):
    ap(student, county, start_date=dt.date(2026, 6, 8))
    Student.objects.filter(pk=student.pk).update(archived_at=timezone.now())
    assert placement_reviews_due(county.a, dt.date(2026, 11, 29)) == []


def test_panel_uses_a_fixed_number_of_queries(student, county, personas):
    def queries():
        # A new request loads the user afresh, with no memberships cached yet.
        user = type(personas["key_worker"]).objects.get(pk=personas["key_worker"].pk)
        with CaptureQueriesContext(connection) as context:
            panel = panel_context(student, user, today=dt.date(2026, 11, 29))
        return len(context.captured_queries), panel["provision"]

    few, _ = queries()
    for _ in range(3):
        ReviewFactory(placement=ap(student, county))
        InterventionFactory(student=student)
    many, panel = queries()
    # A key worker: also whether they hold the case. The child's key for the sealed
    # descriptions, sites and reviews (P14) costs nothing: this transaction made it.
    assert few == many == 4
    assert panel["can_write"] is True
    assert panel["total"] == D("5700.00")  # 3 * (1600 + 300)
    states = {row.state for row in panel["rows"] if row.placement}
    assert states == {ReviewState.NOT_DUE}  # reviewed 10 Nov (Autumn 2): next due Spring 1
