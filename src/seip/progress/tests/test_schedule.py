import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seip.progress.schedule import DueState, next_review, next_review_due, review_state


def test_default_is_six_weeks_after_the_last_review():
    assert next_review_due(
        last_review=dt.date(2026, 10, 1), opened_on=dt.date(2026, 9, 1), in_ap=False
    ) == dt.date(2026, 11, 12)


def test_first_review_counts_from_opening():
    assert next_review_due(
        last_review=None, opened_on=dt.date(2026, 9, 14), in_ap=False
    ) == dt.date(2026, 10, 26)


def test_ap_placement_is_reviewed_half_termly():
    assert next_review_due(
        last_review=dt.date(2026, 11, 3), opened_on=dt.date(2026, 9, 1), in_ap=True
    ) == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (dt.date(2026, 11, 28), DueState.OVERDUE),
        (dt.date(2026, 11, 29), DueState.DUE_SOON),
        (dt.date(2026, 12, 13), DueState.DUE_SOON),
        (dt.date(2026, 12, 14), DueState.SCHEDULED),
    ],
)
def test_states(due, state):
    assert review_state(due, dt.date(2026, 11, 29)) == state


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 1, 1)), st.booleans())
def test_next_review_is_never_before_the_last(last, in_ap):
    nxt = next_review(last_review=last, opened_on=last, in_ap=in_ap, today=last)
    assert nxt.due_on >= last
    assert nxt.state != DueState.OVERDUE
