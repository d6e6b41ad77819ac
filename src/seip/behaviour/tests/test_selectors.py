import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from seip.behaviour.models import ExclusionKind, GradeScale, Subject
from seip.behaviour.selectors import (
    attitude_series,
    incidents_by_half_term,
    latest_attainment,
    panel_context,
    suspensions,
)
from seip.behaviour.tests.factories import (
    AttitudeRatingFactory,
    ExclusionFactory,
    IncidentFactory,
    ResultFactory,
    another_student,
)

D = dt.date


@pytest.fixture
def student(active_case):
    """A student on the key worker's caseload."""
    return active_case.student


def hand_worked_history(student):
    for day in [
        D(2025, 8, 31),  # Summer 2 2024/25: before the range
        D(2025, 9, 10),  # Autumn 1 2025/26
        D(2025, 10, 31),  # Autumn 1: its last day
        D(2025, 11, 1),  # Autumn 2: its first day
        D(2026, 2, 14),  # Spring 1: its last day
        D(2026, 2, 15),  # Spring 2
        D(2026, 2, 20),  # Spring 2
        D(2026, 8, 31),  # Summer 2 2025/26: the year's last day
        D(2026, 9, 1),  # Autumn 1 2026/27
        D(2026, 11, 1),  # Autumn 2 2026/27: after the range
    ]:
        IncidentFactory(student=student, occurred_on=day)
    ExclusionFactory(student=student, start_date=D(2025, 10, 20), sessions=4)
    ExclusionFactory(student=student, start_date=D(2026, 2, 16), sessions=2)
    ExclusionFactory(student=student, start_date=D(2026, 2, 27), sessions=6)
    ExclusionFactory(
        student=student, start_date=D(2026, 9, 15), kind=ExclusionKind.PERMANENT, sessions=None
    )


@pytest.mark.promise("P03")
def test_incidents_and_suspension_sessions_per_half_term(student, county, personas):
    hand_worked_history(student)
    other = another_student(county, personas, 2)
    IncidentFactory(student=other, occurred_on=D(2025, 9, 10))
    ExclusionFactory(student=other, start_date=D(2025, 9, 11), sessions=10)

    rows = incidents_by_half_term(student, D(2025, 9, 1), D(2026, 10, 31))

    assert [
        (r.label, r.incidents, r.suspensions, r.suspension_sessions, r.permanent_exclusions)
        for r in rows
    ] == [
        ("Autumn 1 2025/26", 2, 1, 4, 0),
        ("Autumn 2 2025/26", 1, 0, 0, 0),
        ("Spring 1 2025/26", 1, 0, 0, 0),
        ("Spring 2 2025/26", 2, 2, 8, 0),
        ("Summer 1 2025/26", 0, 0, 0, 0),
        ("Summer 2 2025/26", 1, 0, 0, 0),
        ("Autumn 1 2026/27", 1, 0, 0, 1),
    ]


def test_a_range_inside_one_half_term_gives_one_row(student):
    hand_worked_history(student)
    rows = incidents_by_half_term(student, D(2026, 2, 16), D(2026, 2, 20))
    assert [(r.label, r.incidents, r.suspension_sessions) for r in rows] == [
        ("Spring 2 2025/26", 1, 2)
    ]
    assert incidents_by_half_term(student, D(2026, 2, 20), D(2026, 2, 16)) == []


def test_per_half_term_counts_take_two_queries_whatever_the_history(
    student, django_assert_num_queries
):
    with django_assert_num_queries(2):
        incidents_by_half_term(student, D(2025, 9, 1), D(2026, 10, 31))
    hand_worked_history(student)
    with django_assert_num_queries(2):
        incidents_by_half_term(student, D(2025, 9, 1), D(2026, 10, 31))


def test_suspensions_newest_first_with_their_reasons(student):
    ExclusionFactory(student=student, start_date=D(2026, 1, 5), reason_1="PP", reason_2="VA")
    ExclusionFactory(student=student, start_date=D(2026, 3, 5))
    listed = suspensions(student)
    assert [e.start_date for e in listed] == [D(2026, 3, 5), D(2026, 1, 5)]
    assert [r.label for r in listed[1].reasons] == [
        "Physical assault against a pupil",
        "Verbal abuse or threatening behaviour against an adult",
    ]


@pytest.mark.promise("P03")
def test_attitude_series_is_dated_oldest_first(student):
    AttitudeRatingFactory(student=student, rated_on=D(2026, 11, 18), engagement=4)
    AttitudeRatingFactory(student=student, rated_on=D(2026, 10, 7), engagement=2)
    series = attitude_series(student)
    assert [(r.rated_on, r.engagement) for r in series] == [
        (D(2026, 10, 7), 2),
        (D(2026, 11, 18), 4),
    ]
    assert series[0].mean == 2.5
    assert series[1].score_rows[0] == ("Engagement", 4, "Good")


@pytest.mark.promise("P03")
def test_latest_attainment_against_target(student):
    ResultFactory(student=student, assessed_on=D(2026, 7, 10), grade="3", target_grade="5")
    ResultFactory(student=student, assessed_on=D(2026, 10, 16), grade="6", target_grade="5")
    ResultFactory(student=student, subject=Subject.MATHS, grade="5", target_grade="5")
    ResultFactory(
        student=student,
        subject=Subject.SCIENCE,
        scale=GradeScale.WORKING_AT,
        grade="towards",
        target_grade="at",
    )
    ResultFactory(student=student, subject=Subject.OTHER, subject_other="History", target_grade="")

    rows = latest_attainment(student)

    assert [(r.subject, r.grade.code, r.against_target) for r in rows] == [
        ("English", "6", "above"),
        ("Maths", "5", "on"),
        ("Science", "towards", "below"),
        ("History", "4", None),
    ]
    assert [r.against_target_label for r in rows] == [
        "Above target",
        "On target",
        "Below target",
        "No target set",
    ]


@pytest.mark.promise("P03")
def test_the_panel_takes_a_fixed_number_of_queries_and_shows_each_part(student, personas):
    def fresh_user():
        # A new request loads the user afresh, with no memberships cached yet.
        return type(personas["key_worker"]).objects.get(pk=personas["key_worker"].pk)

    user = fresh_user()
    with CaptureQueriesContext(connection) as empty:
        panel_context(student, user)
    hand_worked_history(student)
    for day in (D(2026, 10, 7), D(2026, 11, 18)):
        AttitudeRatingFactory(student=student, rated_on=day)
    ResultFactory(student=student)
    ResultFactory(student=student, subject=Subject.MATHS, grade="7")
    user = fresh_user()
    with CaptureQueriesContext(connection) as full:
        context = panel_context(student, user)
    assert len(empty) == len(full) == 7  # a key worker: also whether they hold the case

    html = render_to_string("behaviour/student_panel.html", context)
    assert "<h2" in html
    assert "Incidents and suspensions by half term" in html
    assert "Autumn 1 2025/26" in html
    assert "Permanent exclusion" in html
    assert "Self-regulation" in html
    assert "5</strong> = strong" in html
    assert "Above target" in html
    assert "See and record" in html


def test_the_panel_offers_recording_only_to_case_staff(student, personas):
    context = panel_context(student, personas["school_contact"])
    assert context["behaviour_can_record"] is False
    html = render_to_string("behaviour/student_panel.html", context)
    assert "No results recorded." in html
    assert "See and record" not in html
