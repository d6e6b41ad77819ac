"""The legal clock for rights requests (P18 to P22): pure date arithmetic, no database.

The rules, and the choices made where the law leaves room (docs/decisions/0017):

1. **One calendar month** "beginning with the relevant time" (UK GDPR Art 12A, from the
   DUAA 2025). As the ICO reads it, the deadline is the same date in the next month as
   the day the clock starts; when that date does not exist (31 January; 29 to 31 of a
   month before a shorter one) it is the last day of that month. The day of receipt
   counts whatever day of the week it is.
2. **When the clock starts.** The relevant time is the latest of receiving the request,
   receiving the proof of identity asked for, and receiving a fee. The caller passes the
   later of the last two as ``starts_on``; the month counts again from that day.
3. **Stop the clock** for clarification (Art 12A): "the period beginning with the day on
   which the controller makes the request and ending with the day on which [it] receives
   the information does not count". Those days, both ends included, are added to the
   deadline after the month is counted; the caller passes them as ``paused_days``.
4. **Extension** by up to two further months when the requests are complex or numerous:
   counted from the same start, so a full extension ends three months from the start,
   plus any paused days. The requester must be told, with reasons, before the end of the
   first month (paused days do not count towards that month either):
   ``extension_notice_due`` is that first-month deadline.
5. **Working days.** A deadline on a Saturday, Sunday or an England and Wales bank
   holiday moves to the next working day (ICO guidance). Bank holidays come from
   ``govuk-bank-holidays``' own bundled copy of the GOV.UK list, never the network: the
   deadline must not depend on whether gov.uk answered, and tests must run offline. The
   bundled list ends at ``holidays_known_until()``; after that only weekends are skipped,
   so the package must be kept up to date (the tests check it covers the coming year).
"""

import calendar
import datetime as dt
from functools import cache

from govuk_bank_holidays.bank_holidays import BankHolidays  # type: ignore[import-untyped]

#: Months in the legal period, and the most an extension may add (Art 12(3)).
MONTHS = 1
MAX_EXTENSION_MONTHS = 2


@cache
def _holidays() -> frozenset[dt.date]:
    # use_cached_holidays=True reads the JSON shipped inside the package and never tries
    # gov.uk; without it the constructor makes a network request on every start.
    data = BankHolidays(use_cached_holidays=True)
    return frozenset(
        holiday["date"] for holiday in data.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    )


def holidays_known_until() -> dt.date:
    """The last bank holiday in the bundled list: deadlines after it skip weekends only."""
    return max(_holidays())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays()


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """The same date ``months`` later, or the last day of that month if it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(
    received: dt.date,
    *,
    starts_on: dt.date | None = None,
    paused_days: int = 0,
    extension_months: int = 0,
) -> dt.date:
    """The day by which the request must be answered.

    ``starts_on`` is when proof of identity or a fee arrived, if that was asked for and is
    later than receipt; ``paused_days`` the days the clock was stopped for clarification;
    ``extension_months`` 0, 1 or 2.
    """
    if paused_days < 0:
        raise ValueError("paused_days cannot be negative")
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 0 to {MAX_EXTENSION_MONTHS} months")
    start = max(received, starts_on or received)
    calendar_due = add_months(start, MONTHS + extension_months)
    return next_working_day(calendar_due + dt.timedelta(days=paused_days))


def extension_notice_due(
    received: dt.date, *, starts_on: dt.date | None = None, paused_days: int = 0
) -> dt.date:
    """The last day to tell the requester of an extension: the unextended deadline, since
    the law asks for the notice "within one month" of the same start."""
    return due_date(received, starts_on=starts_on, paused_days=paused_days)
