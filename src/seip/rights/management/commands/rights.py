"""``seip rights due-date RECEIVED``: when a rights request must be answered (P18 to P22)."""

import datetime as dt
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seip.rights import clock


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(
            f"{text!r} is not a date: give it as YYYY-MM-DD, for example 2026-01-31"
        ) from None


def _days(text: str) -> int:
    if not text.isdigit():
        raise ArgumentTypeError(f"{text!r} is not a number of days (0 or more)")
    return int(text)


class Command(BaseCommand):
    help = (
        "Work out the legal deadline of a rights request: one calendar month from receipt, "
        "plus days the clock was stopped, moved past weekends and England and Wales bank "
        "holidays. Prints only the date (YYYY-MM-DD)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        due = sub.add_parser(
            "due-date", help="the due date of a request received on RECEIVED (YYYY-MM-DD)"
        )
        due.add_argument("received", type=_date, metavar="RECEIVED")
        due.add_argument(
            "--paused-days",
            type=_days,
            default=0,
            metavar="N",
            help="days the clock was stopped waiting for clarification",
        )
        due.add_argument(
            "--extended",
            action="store_true",
            help="the deadline was extended by the full two further months",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extension = clock.MAX_EXTENSION_MONTHS if options["extended"] else 0
        try:
            due = clock.due_date(
                options["received"], paused_days=options["paused_days"], extension_months=extension
            )
        except (ValueError, OverflowError) as error:
            raise CommandError(str(error)) from error
        if due > clock.holidays_known_until():
            self.stderr.write(
                "Warning: the bundled bank-holiday list ends on "
                f"{clock.holidays_known_until().isoformat()}; only weekends were skipped."
            )
        self.stdout.write(due.isoformat())
