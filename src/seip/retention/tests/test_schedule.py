"""The retention schedule's dates, worked by hand (P17)."""

import datetime as dt

import pytest

from seip.retention.models import RecordType, RetentionRule
from seip.retention.schedule import Action, add_years, schedule_for, student_due

pytestmark = pytest.mark.promise("P17")


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (dt.date(2011, 2, 19), 25, dt.date(2036, 2, 19)),
        (dt.date(2008, 2, 29), 25, dt.date(2033, 3, 1)),  # 25th birthday in a common year
        (dt.date(2008, 2, 29), 24, dt.date(2032, 2, 29)),  # ... and in a leap year
        (dt.date(2010, 12, 31), 31, dt.date(2041, 12, 31)),
    ],
)
def test_add_years(start, years, expected):
    assert add_years(start, years) == expected


@pytest.mark.django_db
def test_defaults_and_the_longest_rule_decide_when_a_student_goes(county):
    rules = schedule_for(county.a)
    dob = dt.date(2001, 6, 15)
    plain = student_due(date_of_birth=dob, rules=rules, sen=False, safeguarding=False)
    assert (plain.due_on, plain.action) == (dt.date(2026, 6, 15), Action.DISPOSE)
    sen = student_due(date_of_birth=dob, rules=rules, sen=True, safeguarding=False)
    assert (sen.due_on, sen.action) == (dt.date(2032, 6, 15), Action.DISPOSE)
    guarded = student_due(date_of_birth=dob, rules=rules, sen=False, safeguarding=True)
    assert (guarded.due_on, guarded.action) == (dt.date(2026, 6, 15), Action.REVIEW)
    both = student_due(date_of_birth=dob, rules=rules, sen=True, safeguarding=True)
    assert (both.due_on, both.action) == (dt.date(2032, 6, 15), Action.REVIEW)


@pytest.mark.django_db
def test_a_partnerships_own_period_replaces_the_default_for_it_only(county):
    RetentionRule.objects.create(
        partnership=county.a, record_type=RecordType.PUPIL_RECORD, years=20, days=30
    )
    dob = dt.date(2001, 6, 15)
    a = student_due(date_of_birth=dob, rules=schedule_for(county.a), sen=False, safeguarding=False)
    b = student_due(date_of_birth=dob, rules=schedule_for(county.b), sen=False, safeguarding=False)
    assert a.due_on == dt.date(2021, 7, 15)  # 15 June 2021 + 30 days
    assert b.due_on == dt.date(2026, 6, 15)
    assert schedule_for(county.a)[RecordType.PUPIL_RECORD].overridden
    assert schedule_for(county.a)[RecordType.PUPIL_RECORD].period == "20 years and 30 days"
