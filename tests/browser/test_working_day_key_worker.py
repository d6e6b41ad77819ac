"""The key worker's working day: from the home page to today's overdue review, without
typing an address (issue 19, P12).

Jordan's case was opened 45 days ago and has had no review, so the six-weekly review was
due three days ago. The home page leads with it; the key worker follows the task to the
review form, records the review, and the task is gone, because the task is the record's
own state and not a separate to-do list.
"""

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.progress.models import Review
from seip.students.models import Case
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

TASK = "Record a review for Jordan Example"


def _fill_date(page: Page, label: str, day: dt.date) -> None:
    """A single date field, or the GOV.UK date input pattern (day, month, year)."""
    single = page.get_by_label(label, exact=True)
    if single.count():
        single.fill(day.isoformat())
        return
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


@pytest.mark.browser
@pytest.mark.promise("P12")
def test_key_worker_records_todays_overdue_review_from_the_home_page(
    page: Page,
    live_server: LiveServer,
    key_worker: Account,
    open_case: OpenCase,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    student = open_case.student
    # Noon, local time, 45 local days ago: `now() - 45 days` crosses the clocks going back
    # in October, so late in the evening it lands on the next local day (a day less overdue).
    opened = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=45), dt.time(12))
    Case.objects.filter(student=student).update(opened_at=timezone.make_aware(opened))
    today = timezone.localdate()

    sign_in(page, url, key_worker)
    tasks = page.locator(".govuk-task-list")
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
    expect(page.locator("main")).to_contain_text("You have 1 task, 1 overdue.")
    item = tasks.locator(".govuk-task-list__item").filter(has_text=TASK)
    expect(item).to_contain_text("Overdue by 3 days")
    expect(item.locator(".govuk-tag")).to_have_text("Overdue")
    assert_accessible(page, "the key worker's home page with a task")
    screenshot(page, "working-day-01-home-with-task")

    item.get_by_role("link", name=TASK).click()
    expect(page).to_have_url(f"{url}/students/{student.pk}/reviews/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a review")

    _fill_date(page, "Date of the review", today)
    page.get_by_label("Progress in attendance", exact=True).fill("Up to 91% this half term.")
    page.get_by_label("Progress in attitude and behaviour", exact=True).fill("Calmer mornings.")
    page.get_by_label("Progress in school subjects", exact=True).fill("On target in English.")
    page.get_by_label("Next steps", exact=True).fill("Keep the mentoring going.")
    page.get_by_role("button", name="Save the review").click()
    expect(page).to_have_url(f"{url}/students/{student.pk}/reviews/")
    assert Review.objects.filter(case__student=student, held_on=today).exists()

    # Back to the start: the review is recorded, so nothing is due.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
    expect(page.locator("main")).to_contain_text("You have nothing due.")
    expect(page.get_by_role("link", name=TASK)).to_have_count(0)
    screenshot(page, "working-day-02-home-nothing-due")

    # The next review is on the calendar, six weeks on.
    page.get_by_role("link", name="calendar of reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar of reviews")
    assert_accessible(page, "the calendar of reviews")
    assert browser_errors == []
