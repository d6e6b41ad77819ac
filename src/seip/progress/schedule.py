"""When each case's next review is due (P12). Pure functions, no database.

The default interval is six weeks; a student in an alternative provision placement is
reviewed half-termly, so the next review falls due at the end of the current half term.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from seip.core.calendar import half_term_of

DEFAULT_INTERVAL = dt.timedelta(weeks=6)
DUE_SOON = dt.timedelta(days=14)


class DueState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due soon"
    SCHEDULED = "scheduled"


@dataclass(frozen=True)
class NextReview:
    due_on: dt.date
    state: DueState


def next_review_due(*, last_review: dt.date | None, opened_on: dt.date, in_ap: bool) -> dt.date:
    start = last_review or opened_on
    if in_ap:
        return half_term_of(start).end
    return start + DEFAULT_INTERVAL


def review_state(due_on: dt.date, today: dt.date) -> DueState:
    if due_on < today:
        return DueState.OVERDUE
    if due_on - today <= DUE_SOON:
        return DueState.DUE_SOON
    return DueState.SCHEDULED


def next_review(
    *, last_review: dt.date | None, opened_on: dt.date, in_ap: bool, today: dt.date
) -> NextReview:
    due = next_review_due(last_review=last_review, opened_on=opened_on, in_ap=in_ap)
    return NextReview(due, review_state(due, today))
