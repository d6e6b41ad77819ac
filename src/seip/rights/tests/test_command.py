"""``seip rights due-date``: the legal clock from the command line."""

import datetime as dt
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from seip.rights import clock


def due(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rights", "due-date", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.promise("P18")
def test_prints_only_the_iso_date():
    assert due("2028-01-31") == ("2028-02-29\n", "")


def test_paused_days_and_extension():
    assert due("2026-03-02", "--paused-days", "5")[0] == "2026-04-07\n"
    assert due("2026-03-02", "--extended")[0] == "2026-06-02\n"


def test_warns_beyond_the_bundled_bank_holidays():
    after = clock.holidays_known_until() + dt.timedelta(days=60)
    out, err = due(after.isoformat())
    assert out == f"{clock.due_date(after).isoformat()}\n"
    assert "only weekends were skipped" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["31/01/2026"], "is not a date: give it as YYYY-MM-DD"),
        (["2026-02-30"], "is not a date"),
        (["2026-01-31", "--paused-days", "-3"], "is not a number of days"),
    ],
)
def test_a_bad_argument_is_a_clear_error(args, message):
    # argparse errors exit the process, so run the real command line.
    result = subprocess.run(
        [sys.executable, "-m", "seip.manage", "rights", "due-date", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
