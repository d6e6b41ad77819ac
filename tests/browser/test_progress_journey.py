"""Reviews, the family portal and a school's access to progress, as the people use them.

- a key worker records a review of an open case and sees the next one scheduled (P12);
- a parent with parental responsibility follows their child's progress in the portal,
  with charts, their tables and the PDF, and nothing of the staff record (P03);
- a school contact loses the record and its progress the moment the family withdraws
  consent for schools (P07).

The case is built through the services, as the referral journey would leave it; the
demo builders give the student a realistic history so that the charts have bars.
"""

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.behaviour.models import AttitudeRating
from seip.organisations.models import OrganisationType
from seip.progress.models import Review
from seip.referrals.services import consent_withdraw
from seip.students.models import Student
from tests.browser.conftest import (
    Account,
    FamilyAccount,
    OpenCase,
    assert_accessible,
    family_sign_in,
    fill_date,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

PUPIL = "Jordan Example"
ROW_NAME = "Example, Jordan"
ATTITUDE_AREAS = ("Engagement", "Relationships", "Self-regulation", "Attitude to learning")


# Helpers ---------------------------------------------------------------------------------


def _show(page: Page, url: str, heading: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def _show_404(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 404, f"{url} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("Jordan")


def _only_expected_404s(errors: list[str], not_found: set[str]) -> list[str]:
    """Chromium logs each 404 document as a console error; anything else is unexpected."""
    return [
        error
        for error in errors
        if not (
            "status of 404" in error
            and any(error.endswith(f" at {address}") for address in not_found)
        )
    ]


# 1. A review (P12) -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.promise("P12")
def test_key_worker_records_a_review(
    page: Page,
    live_server: LiveServer,
    key_worker: Account,
    open_case: OpenCase,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    student = open_case.student
    today = timezone.localdate()

    sign_in(page, url, key_worker)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Students").click()
    page.get_by_role("link", name=ROW_NAME).click()
    expect(page).to_have_url(f"{url}/students/{student.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PUPIL)

    page.get_by_role("navigation", name="Parts of the record").get_by_role(
        "link", name="Reviews", exact=True
    ).click()
    expect(page).to_have_url(f"{url}/students/{student.pk}/reviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews")
    expect(page.locator("main")).to_contain_text("No reviews yet.")

    page.get_by_role("button", name="Record a review").click()
    expect(page).to_have_url(f"{url}/students/{student.pk}/reviews/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a review")
    assert_accessible(page, "the empty review form")
    screenshot(page, "progress-01-review-form")

    # Nothing filled in: every required field says what to do.
    page.get_by_role("button", name="Save the review").click()
    expect(page).to_have_title(re.compile(r"^Error: Record a review"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    for message in (
        "Enter the date of the review",
        "Describe progress in attendance",
        "Describe progress in attitude and behaviour",
        "Describe progress in school subjects",
        "Enter the next steps",
    ):
        expect(summary).to_contain_text(message)
    assert_accessible(page, "the review form with errors")
    screenshot(page, "progress-02-review-form-errors")
    summary.get_by_role("link", name="Enter the date of the review").click()
    expect(
        page.get_by_role("group", name="Date of the review").get_by_label("Day", exact=True)
    ).to_be_focused()

    fill_date(page, "Date of the review", today)
    page.get_by_label("Progress in attendance", exact=True).fill("Up to 91% this half term.")
    page.get_by_label("Progress in attitude and behaviour", exact=True).fill(
        "No incidents since October."
    )
    page.get_by_label("Progress in school subjects", exact=True).fill(
        "On target in English and Maths."
    )
    page.get_by_label("What the student said", exact=True).fill("Likes the mentoring.")
    page.get_by_label("What the parent or carer said", exact=True).fill("Mornings are easier.")
    page.get_by_label("Next steps", exact=True).fill("Keep the mentoring going.")
    # The attitude ratings taken at the review: all four areas, or none.
    for area in ATTITUDE_AREAS:
        page.get_by_label(f"{area} (1 serious concern to 5 strong)", exact=True).select_option("4")
    page.get_by_label(
        "We checked the key facts on the record with the family and the school", exact=True
    ).check()
    screenshot(page, "progress-03-review-form-filled")
    page.get_by_role("button", name="Save the review").click()

    expect(page).to_have_url(f"{url}/students/{student.pk}/reviews/")
    card = page.locator(".govuk-summary-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_have_text(f"Review on {today:%-d %B %Y}")
    for text in (
        "Up to 91% this half term.",
        "No incidents since October.",
        "On target in English and Maths.",
        "Likes the mentoring.",
        "Mornings are easier.",
        "Keep the mentoring going.",
        "Checked at this review",
    ):
        expect(card).to_contain_text(text)
    assert_accessible(page, "the reviews page")
    screenshot(page, "progress-04-reviews")

    # The ratings were recorded with the review, and linked to it.
    review = Review.objects.get(case__student=student)
    rating = AttitudeRating.objects.get(student=student, review_id=review.pk)
    assert rating.rated_on == today
    assert (
        rating.engagement,
        rating.relationships,
        rating.self_regulation,
        rating.attitude_to_learning,
    ) == (4, 4, 4, 4)

    # The next review is six weeks on, in the list the home page links to.
    page.goto(url + "/")
    page.get_by_role("link", name="Reviews due").click()
    expect(page).to_have_url(url + "/reviews/due/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews due")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ROW_NAME))
    expect(row).to_have_count(1)
    next_due = today + dt.timedelta(weeks=6)
    expect(row.get_by_role("cell")).to_have_text(
        [
            re.compile(rf"^{ROW_NAME}\s*Alpha Academy$"),
            "Kim Keyworker",
            f"{today:%-d %b %Y}",
            f"{next_due:%-d %b %Y}",
            "Scheduled",
        ]
    )
    assert_accessible(page, "the reviews-due list")
    screenshot(page, "progress-05-reviews-due")
    assert browser_errors == []


# 2. The family portal (P03) --------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.promise("P03")
def test_parent_sees_the_progress_chart(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    parent: FamilyAccount,
    with_history: Student,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    student = with_history
    page = person_page("parent")

    # A password and a code sent by email, then the home page.
    page.goto(url + "/")
    expect(page).to_have_url(url + "/sign-in/")
    family_sign_in(page, url, parent)
    expect(page).to_have_url(url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    page.get_by_role("link", name="See progress").click()
    expect(page).to_have_url(url + "/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress")
    expect(page.locator("main")).to_contain_text("Alpha Academy, Year 9")
    assert_accessible(page, "the portal home")
    screenshot(page, "progress-06-portal-home")

    page.get_by_role("link", name=PUPIL).click()
    expect(page).to_have_url(f"{url}/portal/{student.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PUPIL}: progress")
    chart = page.get_by_role("img", name="Attendance by half term")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    assert chart.evaluate("(el) => el.tagName.toLowerCase()") == "svg"
    expect(chart).to_have_accessible_name(re.compile(r"^Attendance by half term\b"))
    expect(chart.locator("rect").first).to_be_attached()

    section = page.get_by_role("region", name="Attendance by half term")
    table = section.get_by_role("table", name="Attendance by half term")
    expect(table).to_be_hidden()
    section.get_by_text("Show the numbers as a table").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader").first).to_be_visible()
    expect(table.locator("tbody tr").first).to_be_visible()
    assert table.locator("tbody tr").count() >= 2
    assert_accessible(page, "the portal progress page")
    screenshot(page, "progress-07-portal-progress")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this as a PDF").click()
    assert download.value.suggested_filename == f"progress-report-{student.pk}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # Nothing of the staff record: the same 404 as for a record that does not exist.
    record = f"{url}/students/{student.pk}/"
    _show_404(page, record)
    screenshot(page, "progress-08-parent-record-404")
    assert _only_expected_404s(browser_errors, {record}) == []


# 3. Withdrawal of consent for schools (P07) ---------------------------------------------


@pytest.mark.browser
@pytest.mark.promise("P07")
def test_school_contact_without_schools_consent_gets_404(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    school_contact: Account,
    coordinator: Account,
    with_history: Student,
    open_case: OpenCase,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    student = with_history
    record = f"{url}/students/{student.pk}/"
    progress = f"{url}/students/{student.pk}/progress/"
    page = person_page("school contact")

    sign_in(page, url, school_contact)
    # While the family's consent covers schools, the school sees the record and progress.
    _show(page, record, PUPIL)
    _show(page, progress, f"{PUPIL}: progress")
    expect(page.get_by_role("img", name="Attendance by half term")).to_be_visible()
    screenshot(page, "progress-09-school-progress")

    consent_withdraw(
        referral=open_case.referral, categories={OrganisationType.SCHOOL}, actor=coordinator.user
    )

    # At once, with the same session: both pages are gone.
    for address in (record, progress):
        _show_404(page, address)
    screenshot(page, "progress-10-school-404")
    assert _only_expected_404s(browser_errors, {record, progress}) == []
