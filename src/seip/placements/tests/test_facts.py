"""The pure arithmetic behind the placement measures (ADR 0049)."""

import datetime as dt

from seip.placements.facts import suspension_outcome, sustained_until
from seip.placements.selectors import identifier_problem

MONDAY = dt.date(2026, 11, 16)


def test_a_seven_day_suspension_without_provision_is_seven_days_out():
    assert suspension_outcome(MONDAY, 14, None) == (True, 7)


def test_provision_from_day_six_is_not_counted_and_stops_the_days_out():
    assert suspension_outcome(MONDAY, 14, dt.date(2026, 11, 23)) == (False, 5)


def test_provision_from_day_seven_is_late():
    assert suspension_outcome(MONDAY, 14, dt.date(2026, 11, 24)) == (True, 6)


def test_five_days_never_needs_provision():
    assert suspension_outcome(MONDAY, 10, None) == (False, 5)


def test_a_bank_holiday_is_not_a_school_day():
    # Christmas and Boxing Day 2026 fall on Friday and Saturday; the 28th is a holiday too.
    assert suspension_outcome(dt.date(2026, 12, 21), 14, None) == (True, 7)


def test_reintegration_is_known_two_terms_after_the_return():
    assert sustained_until(dt.date(2026, 10, 1)) == dt.date(2027, 8, 31)
    assert sustained_until(dt.date(2027, 2, 1)) == dt.date(2027, 12, 31)


def test_exactly_one_identifier():
    assert identifier_problem("149999", "", "") is None
    assert identifier_problem("", "", "OOT") is None
    assert identifier_problem("", "", "") == "has no URN, UKPRN or setting type"
    assert identifier_problem("1", "2", "") == "has URN and UKPRN: give exactly one"
