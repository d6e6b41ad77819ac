import datetime as dt

import pytest

from seip.consultations.models import Concern, Forum, YearGroup
from seip.consultations.selectors import (
    academic_year,
    consultation_activity,
    consultations_visible_to,
    partnership_staff,
    schools_recordable_by,
)
from seip.consultations.tests.factories import ConsultationFactory


@pytest.fixture
def consultations(county):
    other_a = county.a.schools.exclude(pk=county.school_a.pk).get()
    return {
        "school_a": ConsultationFactory(school=county.school_a),
        "other_a": ConsultationFactory(school=other_a),
        "school_b": ConsultationFactory(school=county.school_b),
    }


@pytest.mark.promise("P25")
@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("coordinator", {"school_a", "other_a"}),
        ("key_worker", {"school_a", "other_a"}),
        ("safeguarding_lead", {"school_a", "other_a"}),
        ("dpo", {"school_a", "other_a"}),
        ("school_contact", {"school_a"}),
        ("school_b", {"school_b"}),
        ("provider", set()),
        ("agency", set()),
        ("la_officer", set()),
        ("parent", set()),
        ("student", set()),
        ("admin", {"school_a", "other_a", "school_b"}),
        ("nobody", set()),
    ],
)
def test_consultations_visible_to_each_role(personas, consultations, persona, sees):
    visible = set(consultations_visible_to(personas[persona]))
    assert visible == {consultations[key] for key in sees}


def test_an_inactive_user_sees_nothing(personas, consultations):
    user = personas["coordinator"]
    user.is_active = False
    user.save()
    assert not consultations_visible_to(user).exists()
    assert not schools_recordable_by(user).exists()


@pytest.mark.parametrize(
    ("persona", "schools"),
    [
        ("coordinator", {"Alpha Academy", "Alpha Community College"}),
        ("school_contact", {"Alpha Academy"}),
        ("school_b", {"Beta High School"}),
        ("admin", set()),
        ("provider", set()),
        ("parent", set()),
        ("nobody", set()),
    ],
)
def test_schools_recordable_by(personas, persona, schools):
    assert {s.name for s in schools_recordable_by(personas[persona])} == schools


def test_partnership_staff_are_the_team_roles_only(county, personas):
    staff = {user.email for user in partnership_staff([county.a])}
    assert staff == {
        "coordinator@seip.test",
        "key_worker@seip.test",
        "safeguarding_lead@seip.test",
        "dpo@seip.test",
    }
    assert not partnership_staff([county.b]).exists()


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (dt.date(2026, 3, 1), dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        (dt.date(2026, 8, 31), dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        (dt.date(2026, 9, 1), dt.date(2026, 9, 1), dt.date(2027, 8, 31)),
    ],
)
def test_academic_year(day, start, end):
    assert academic_year(day) == (start, end)


@pytest.mark.promise("P25")
def test_activity_is_anonymous_counts_within_the_dates(county, django_assert_num_queries):
    day = dt.date(2025, 10, 1)
    ConsultationFactory(school=county.school_a, held_on=day, forum=Forum.SURGERY)
    ConsultationFactory(
        school=county.school_a,
        held_on=day,
        concern=Concern.SAFEGUARDING,
        year_group=YearGroup.YEAR_11,
    )
    ConsultationFactory(school=county.school_a, held_on=dt.date(2025, 8, 31))  # before
    ConsultationFactory(school=county.school_b, held_on=day)  # other partnership
    with django_assert_num_queries(1):
        activity = consultation_activity(county.a, dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    assert activity["total"] == 2
    assert activity["by_forum"] == {"Inclusion Forum": 1, "Surgery": 1, "Multi-agency panel": 0}
    assert activity["by_concern"]["Safeguarding worry (advice only)"] == 1
    assert activity["by_concern"]["Attendance"] == 1
    assert sum(activity["by_concern"].values()) == 2
    assert activity["by_year_group"]["Year 9"] == 1
    assert activity["by_year_group"]["Year 11"] == 1
    assert set(activity) == {"total", "by_forum", "by_concern", "by_year_group"}


def test_activity_can_be_narrowed_to_what_a_reader_may_see(county, personas, consultations):
    start, end = academic_year(consultations["school_a"].held_on)
    mine = consultations_visible_to(personas["school_contact"])
    assert consultation_activity(county.a, start, end, among=mine)["total"] == 1
    assert consultation_activity(county.a, start, end)["total"] == 2
