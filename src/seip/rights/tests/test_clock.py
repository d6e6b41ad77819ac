"""The legal clock on hand-worked dates, and its properties (P18 to P22).

Every expected date below was worked out by hand from a calendar and the GOV.UK England
and Wales bank-holiday list; the comment beside it shows the working.
"""

import datetime as dt
import socket

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from seip.rights import clock
from seip.rights.clock import add_months, due_date, extension_notice_due, is_working_day

D = dt.date


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Any attempt to reach the network fails the test: the bank holidays must come from
    the package's bundled list. The cache is cleared so the list is loaded under the patch."""

    def refuse(*args, **kwargs):
        raise AssertionError("the legal clock tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    clock._holidays.cache_clear()
    yield
    clock._holidays.cache_clear()


def test_bank_holidays_load_without_the_network():
    assert D(2026, 12, 25) in clock._holidays()
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day's substitute, a Monday


def test_bundled_holidays_cover_the_coming_year():
    # Fails when the bundled list runs out: upgrade govuk-bank-holidays.
    assert clock.holidays_known_until() >= timezone.localdate() + dt.timedelta(days=365)


# --- one calendar month ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (D(2026, 1, 31), D(2026, 2, 28)),  # no 31 February: the last day of February
        (D(2028, 1, 31), D(2028, 2, 29)),  # a leap year
        (D(2026, 3, 31), D(2026, 4, 30)),
        (D(2026, 12, 15), D(2027, 1, 15)),  # across the year end
        (D(2026, 2, 28), D(2026, 3, 28)),  # the same date, not the month's end
    ],
)
def test_same_date_next_month_or_the_last_day(start, expected):
    assert add_months(start, 1) == expected


@pytest.mark.promise("P18")
def test_31_january_is_due_on_29_february_in_a_leap_year():
    assert due_date(D(2028, 1, 31)) == D(2028, 2, 29)  # a Tuesday


def test_31_january_is_due_on_28_february_moved_past_the_weekend():
    # 28 February 2026 is a Saturday: Monday 2 March.
    assert due_date(D(2026, 1, 31)) == D(2026, 3, 2)


def test_received_on_a_weekend_still_counts_from_that_day():
    # Saturday 7 November 2026 -> Monday 7 December 2026.
    assert due_date(D(2026, 11, 7)) == D(2026, 12, 7)


# --- bank holidays -----------------------------------------------------------------------


@pytest.mark.promise("P18")
def test_christmas_deadline_moves_past_the_weekend_and_boxing_day_substitute():
    # 25 Dec 2026 is a Friday (Christmas), 26-27 the weekend, Monday 28 the substitute
    # for Boxing Day: Tuesday 29 December.
    assert due_date(D(2026, 11, 25)) == D(2026, 12, 29)


def test_good_friday_and_easter_monday():
    # 26 March 2027 is Good Friday; Monday 29 is Easter Monday: Tuesday 30 March.
    assert due_date(D(2027, 2, 26)) == D(2027, 3, 30)


def test_two_substitute_days():
    # Christmas and Boxing Day 2027 fall on a weekend; their substitutes are Monday 27 and
    # Tuesday 28 December: Wednesday 29 December.
    assert due_date(D(2027, 11, 27)) == D(2027, 12, 29)


def test_a_date_that_is_only_a_scottish_holiday_is_a_working_day():
    # 2 January is a bank holiday in Scotland only.
    assert is_working_day(D(2026, 1, 2))


# --- the start, stop the clock, and extensions -------------------------------------------


def test_the_clock_counts_from_when_identity_arrived():
    # Received 10 January 2026; proof of identity 20 January -> Friday 20 February.
    assert due_date(D(2026, 1, 10), starts_on=D(2026, 1, 20)) == D(2026, 2, 20)
    # A start before receipt changes nothing.
    assert due_date(D(2026, 1, 10), starts_on=D(2026, 1, 1)) == due_date(D(2026, 1, 10))


@pytest.mark.promise("P18")
def test_a_pause_then_a_resume_adds_the_days_waited():
    # Received Monday 2 March 2026: due Thursday 2 April. Clarification asked on 5 March
    # and received on 9 March: 5 days (5, 6, 7, 8, 9) -> Tuesday 7 April (after Easter).
    assert due_date(D(2026, 3, 2)) == D(2026, 4, 2)
    assert due_date(D(2026, 3, 2), paused_days=5) == D(2026, 4, 7)


def test_a_pause_ending_on_easter_moves_past_it():
    # 2 April + 1 day = Friday 3 April (Good Friday) -> Tuesday 7 April.
    assert due_date(D(2026, 3, 2), paused_days=1) == D(2026, 4, 7)


@pytest.mark.promise("P18")
def test_an_extension_counts_months_from_the_same_start():
    # Received 2 March 2026. One further month: Saturday 2 May -> Monday 4 May is the
    # early May bank holiday -> Tuesday 5 May. Two further months: Tuesday 2 June.
    assert due_date(D(2026, 3, 2), extension_months=1) == D(2026, 5, 5)
    assert due_date(D(2026, 3, 2), extension_months=2) == D(2026, 6, 2)


def test_an_extension_from_31_january_rolls_to_the_end_of_april():
    # 30 April 2028 is a Sunday; Monday 1 May is the early May bank holiday: Tuesday 2 May.
    assert due_date(D(2028, 1, 31), extension_months=2) == D(2028, 5, 2)


def test_the_extension_notice_is_due_by_the_first_month_deadline():
    assert extension_notice_due(D(2026, 3, 2)) == D(2026, 4, 2)
    assert extension_notice_due(D(2026, 3, 2), paused_days=5) == D(2026, 4, 7)


@pytest.mark.parametrize("months", [-1, 3])
def test_an_extension_is_at_most_two_months(months):
    with pytest.raises(ValueError, match="extension"):
        due_date(D(2026, 3, 2), extension_months=months)


def test_paused_days_cannot_be_negative():
    with pytest.raises(ValueError, match="negative"):
        due_date(D(2026, 3, 2), paused_days=-1)


# --- properties --------------------------------------------------------------------------

# The bundled list runs from 2012 to 2028: stay inside it so the holiday property is real.
received_days = st.dates(min_value=D(2012, 1, 1), max_value=D(2028, 6, 30))
pauses = st.integers(min_value=0, max_value=60)
extensions = st.integers(min_value=0, max_value=2)


@given(received_days, pauses, extensions)
def test_never_earlier_than_the_same_day_next_month(received, paused, extension):
    due = due_date(received, paused_days=paused, extension_months=extension)
    assert due >= add_months(received, 1)
    assert due >= add_months(received, 1 + extension) + dt.timedelta(days=paused)


@given(received_days, pauses, extensions)
def test_never_on_a_weekend_or_bank_holiday(received, paused, extension):
    due = due_date(received, paused_days=paused, extension_months=extension)
    assert due.weekday() < 5
    assert due not in clock._holidays()


@given(received_days, pauses, extensions)
def test_moved_only_to_the_first_working_day(received, paused, extension):
    target = add_months(received, 1 + extension) + dt.timedelta(days=paused)
    due = due_date(received, paused_days=paused, extension_months=extension)
    skipped = [target + dt.timedelta(days=n) for n in range((due - target).days)]
    assert not any(is_working_day(day) for day in skipped)
    assert (due - target).days <= 4  # the longest run: Christmas on a Friday


@given(received_days, st.integers(min_value=1, max_value=40))
def test_a_later_start_is_never_due_earlier(received, later):
    assert due_date(received + dt.timedelta(days=later)) >= due_date(received)
    assert due_date(received, starts_on=received + dt.timedelta(days=later)) >= due_date(received)
