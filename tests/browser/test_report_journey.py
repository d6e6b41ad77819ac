"""A co-ordinator makes the partnership's outcome report in the browser (issue 8).

1. From the home page, "Outcome reports" opens the request form.
2. They ask for the partnership's report for this school year's autumn term. The report
   is made in the background: the page says it is waiting and refreshes itself; the
   worker (``seip db_worker --batch``, the production backend, here in the test's own
   thread while the browser rests) makes it.
3. The report page shows the sections, each chart as an accessible SVG image next to its
   table, and a single referred student only as "c" (P10).
4. The PDF and the spreadsheet download from the page.

axe-core checks both pages.
"""

import io
import re

import pytest
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from seip.organisations.models import Partnership
from seip.reports.models import Release
from tests.browser.conftest import (
    Account,
    OpenCase,
    assert_accessible,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above


@pytest.mark.browser
@pytest.mark.promise("P10")
def test_a_coordinator_makes_the_partnership_report(
    live_server: LiveServer,
    page: Page,
    browser_errors: list[str],
    alpha_vale: Partnership,
    open_case: OpenCase,
    coordinator: Account,
    tasks_in_the_database: None,
) -> None:
    url = live_server.url
    sign_in(page, url, coordinator)
    page.get_by_role("link", name="Outcome reports").click()
    expect(page).to_have_url(url + "/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome reports")
    assert_accessible(page, "the report form")

    page.get_by_label("Alpha Vale SEIP", exact=False).first.check()
    page.get_by_label("Period", exact=True).select_option("autumn")
    page.get_by_role("button", name="Make the report").click()
    expect(page.get_by_role("status")).to_contain_text("Waiting to start")
    expect(page.locator("progress#report-progress")).to_be_visible()
    assert_accessible(page, "the waiting report")
    run_url = page.url
    # Rest the browser on a page that does not refresh, then let the worker run (the live
    # server and the worker must not share the test's one SQLite connection at once).
    page.goto(url + "/reports/")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    finished = page.goto(run_url)
    assert finished is not None
    assert "refresh" not in finished.headers  # a finished report stops refreshing

    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes report")
    expect(page.get_by_role("heading", level=1)).to_contain_text("autumn term")
    expect(page.get_by_role("heading", name="Attendance", level=2)).to_be_visible()
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 10
    first_chart = charts.first
    assert first_chart.get_attribute("aria-labelledby")
    # One referred student: every count of them is suppressed, never shown as 1.
    students = page.locator("table").filter(has_text="Year group").first
    expect(students).to_contain_text("c")
    # (a hidden cell carries its reason's footnote mark, "[1]": not a figure, ADR 0030)
    expect(students.locator("td", has_text=re.compile(r"^\s*1\s*$"))).to_have_count(0)
    expect(students.locator("sup", has_text="[1]").first).to_be_visible()
    assert_accessible(page, "the report")
    screenshot(page, "report-1-partnership")
    assert Release.objects.count() >= 20

    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    with open(pdf.value.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Download spreadsheet (XLSX)").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    assert browser_errors == []
