"""School days for the sixth-day rule (ADR 0049).

A school day here is a weekday that is not an England and Wales bank holiday (the same
list as the rights clock). School holidays differ by LA and are not in SEIP yet, so a
suspension that runs into a holiday counts the holiday's weekdays: the task then comes
early, never late.
"""

import datetime as dt
import math

from seip.rights.clock import is_working_day

#: Education must be arranged from this school day of a suspension.
PROVISION_FROM_DAY = 6


def nth_school_day(start: dt.date, n: int) -> dt.date:
    """The ``n``-th school day counting ``start`` (or the first school day after it) as 1."""
    day = start
    seen = 0
    while True:
        if is_working_day(day):
            seen += 1
            if seen == n:
                return day
        day += dt.timedelta(days=1)


def suspension_days(sessions: int | None) -> int:
    """School days a suspension of ``sessions`` covers: two sessions make a day."""
    return math.ceil((sessions or 0) / 2)


def provision_due_on(start: dt.date, sessions: int | None) -> dt.date | None:
    """The sixth school day of a suspension, from which education must be arranged; None
    for a suspension of five school days or fewer."""
    if suspension_days(sessions) < PROVISION_FROM_DAY:
        return None
    return nth_school_day(start, PROVISION_FROM_DAY)


def school_days_between(first: dt.date, last: dt.date) -> int:
    """School days from ``first`` to ``last``, both counted."""
    days = 0
    day = first
    while day <= last:
        days += is_working_day(day)
        day += dt.timedelta(days=1)
    return days
