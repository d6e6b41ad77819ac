"""A referral from the school's first draft to the archived record, as the people do it.

Three people, each in their own browser context, each signing in once through the
password and the authenticator app:

1. the school contact drafts a referral (after one wrong UPN);
2. the co-ordinator sees only that a draft exists, and cannot open it (P25);
3. the school contact records the parent's signature, with a scan of the form;
4. the co-ordinator accepts the referral and assigns the key worker;
5. the co-ordinator closes the case, records the paper files returned (P16), and the
   record leaves the working list for the archive (P17);
6. the key worker can no longer open the archived record (P17).

axe-core checks every distinct page on the way.
"""

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.organisations.models import Partnership
from seip.referrals.tests.factories import notice_for
from tests.browser.conftest import (
    Account,
    assert_accessible,
    fill_date,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

UPN = "B801200005001"
WRONG_CHECK_LETTER_UPN = "B207000016049"
PUPIL = "Jordan Example"


def _fill_referral(page: Page, upn: str) -> None:
    """The referral form, by its labels, as the school contact fills it in."""
    page.get_by_label("UPN", exact=True).fill(upn)
    page.get_by_label("First name", exact=True).fill("Jordan")
    page.get_by_label("Last name", exact=True).fill("Example")
    fill_date(page, "Date of birth", dt.date(2012, 3, 14))
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Year group", exact=True).select_option(label="Year 9")
    page.get_by_label("Reasons for referral and concerns", exact=True).fill(
        "Repeated suspensions this term."
    )
    page.get_by_label("Support already tried", exact=True).fill("Mentoring in school; report card.")
    page.get_by_label("Tier 2: targeted support", exact=True).check()
    page.get_by_label("Parent or carer's name", exact=True).fill("Sam Example")
    # The first and second carers' fields share these two labels; the first of each is
    # the first carer's.
    page.get_by_label("Relationship to the pupil", exact=True).first.fill("Mother")
    page.get_by_label("Has parental responsibility", exact=True).first.check()


def _show_404(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 404, f"{url} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


@pytest.mark.browser
@pytest.mark.promise("P25")
@pytest.mark.promise("P16")
@pytest.mark.promise("P17")
def test_referral_from_draft_to_archive(
    live_server: LiveServer,
    person_page: Callable[[str], Page],
    browser_errors: list[str],
    alpha_vale: Partnership,
    school_contact: Account,
    coordinator: Account,
    key_worker: Account,
    private_media: Path,
    tmp_path: Path,
) -> None:
    url = live_server.url
    notice = notice_for(alpha_vale)
    today = timezone.localdate()
    not_found: set[str] = set()

    # 1. The school contact drafts the referral, from the home page's link. --------------
    school = person_page("school contact")
    sign_in(school, url, school_contact)
    school.get_by_role("link", name="Start a referral").click()
    expect(school).to_have_url(url + "/referrals/new/")
    expect(school.get_by_role("heading", level=1)).to_have_text("Start a referral")
    assert_accessible(school, "the empty referral form")
    screenshot(school, "journey-01-referral-form")

    _fill_referral(school, WRONG_CHECK_LETTER_UPN)
    school.get_by_role("button", name="Save draft").click()
    summary = school.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("check letter is wrong: B should be P")
    expect(school.locator("#id_upn_error")).to_contain_text("check letter is wrong")
    assert_accessible(school, "the referral form with errors")
    screenshot(school, "journey-02-referral-form-errors")
    # The summary's link takes the person to the field that is wrong.
    summary.get_by_role("link", name=re.compile("check letter is wrong")).click()
    expect(school.get_by_label("UPN", exact=True)).to_be_focused()

    school.get_by_label("UPN", exact=True).fill(UPN)
    school.get_by_role("button", name="Save draft").click()
    expect(school).to_have_url(re.compile(re.escape(url) + r"/referrals/(\d+)/$"))
    referral_url = school.url
    expect(school.get_by_role("heading", level=1)).to_have_text(f"Referral: {PUPIL}")
    expect(school.locator("main")).to_contain_text("Draft (not signed)")
    expect(school.locator("main")).to_contain_text(UPN)
    assert_accessible(school, "the draft referral")
    screenshot(school, "journey-03-draft-saved")

    # 2. The co-ordinator sees a count of drafts, and nothing about whom (P25). ----------
    office = person_page("co-ordinator")
    sign_in(office, url, coordinator)
    office.get_by_role("link", name="Referrals awaiting your decision").click()
    expect(office).to_have_url(url + "/referrals/")
    main = office.locator("main")
    expect(main).to_contain_text("Alpha Vale SEIP: schools have 1 unsigned draft.")
    expect(main).not_to_contain_text("Jordan")
    expect(main).not_to_contain_text("Example")
    expect(main).not_to_contain_text(UPN)
    expect(main).to_contain_text("No referrals to show.")
    assert_accessible(office, "the co-ordinator's referrals list with a draft")
    _show_404(office, referral_url)
    not_found.add(referral_url)
    expect(office.locator("body")).not_to_contain_text("Jordan")
    assert_accessible(office, "the page-not-found page")
    screenshot(office, "journey-04-coordinator-draft-404")

    # 3. The school contact records the signed referral form. ----------------------------
    school.get_by_role("button", name="Record the signed referral form").click()
    expect(school.get_by_role("heading", level=1)).to_have_text("Record the signed referral form")
    assert_accessible(school, "the signature form")
    screenshot(school, "journey-05-signature-form")
    school.get_by_label("Name of the person who signed", exact=True).fill("Sam Example")
    school.get_by_label("Their relationship to the young person", exact=True).fill("Mother")
    school.get_by_label("They have parental responsibility", exact=True).check()
    signed_on = today - dt.timedelta(days=2)
    fill_date(school, "Date signed", signed_on)
    school.get_by_label("Privacy notice version the family was given", exact=True).select_option(
        label=f"Version {notice.number}, {notice.published_at:%-d %B %Y}"
    )
    school.get_by_label("School", exact=True).check()
    school.get_by_label("Health", exact=True).check()
    scan = tmp_path / "signed-referral-form.pdf"
    scan.write_bytes(b"%PDF-1.4\n% the signed referral form, scanned\n%%EOF\n")
    school.get_by_label(re.compile(r"^Scan of the signed form")).set_input_files(scan)
    screenshot(school, "journey-06-signature-form-filled")
    school.get_by_role("button", name="Send the signed referral").click()
    expect(school).to_have_url(referral_url)
    main = school.locator("main")
    expect(main.locator(".govuk-tag")).to_have_text("Signed, awaiting decision")
    # Labels, in the fixed order of the consent categories.
    expect(main).to_contain_text(re.compile(r"Sharing agreed now with: School, Health\."))
    expect(main.get_by_role("link", name=re.compile("^Download"))).to_be_visible()
    expect(main.get_by_role("button", name="Record the signed referral form")).to_have_count(0)
    assert_accessible(school, "the signed referral")
    screenshot(school, "journey-07-signed")

    # 4. The co-ordinator accepts the referral and assigns the key worker. ---------------
    office.goto(url + "/referrals/")
    expect(office.locator("main")).to_contain_text("0 unsigned drafts")
    office.get_by_role("link", name=PUPIL).click()
    expect(office).to_have_url(referral_url)
    expect(office.locator("main .govuk-tag")).to_have_text("Signed, awaiting decision")
    assert_accessible(office, "the signed referral, for the co-ordinator")
    # The scan the school uploaded comes back, decrypted, to the co-ordinator.
    with office.expect_download() as download:
        office.get_by_role("link", name=re.compile("^Download")).click()
    assert Path(download.value.path()).read_bytes() == scan.read_bytes()
    office.get_by_role("button", name="Accept the referral").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"Accept the referral for {PUPIL}")
    assert_accessible(office, "the accept form")
    screenshot(office, "journey-08-accept-form")
    office.get_by_label("Tier 2: targeted support", exact=True).check()
    office.get_by_role("button", name="Accept", exact=True).click()
    expect(office).to_have_url(re.compile(re.escape(url) + r"/students/(\d+)/$"))
    student_url = office.url
    expect(office.get_by_role("heading", level=1)).to_have_text(PUPIL)
    expect(office.locator("main")).to_contain_text("Tier 2: targeted support")
    expect(office.locator("main")).to_contain_text("Not assigned yet")
    assert_accessible(office, "the student record")

    office.get_by_role("button", name="Assign a key worker").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Assign a key worker")
    assert_accessible(office, "the key-worker form")
    screenshot(office, "journey-09-key-worker-form")
    office.get_by_label("Key worker", exact=True).select_option(label="Kim Keyworker")
    office.get_by_role("button", name="Save", exact=True).click()
    expect(office).to_have_url(student_url)
    case = office.locator("main dl").first
    expect(case.locator(".govuk-tag")).to_have_text("Active")
    expect(case).to_contain_text("Kim Keyworker")
    screenshot(office, "journey-10-active-case")

    # 5. Close the case, return the paper files, archive the record (P16, P17). ---------
    office.get_by_role("button", name="Close the case").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Close the case")
    assert_accessible(office, "the close form")
    screenshot(office, "journey-11-close-form")
    office.get_by_label("Targets met", exact=True).check()
    office.get_by_label("Stayed at school", exact=True).check()
    office.get_by_role("button", name="Save", exact=True).click()
    expect(office).to_have_url(student_url)
    expect(case.locator(".govuk-tag")).to_have_text("Closed")
    expect(case).to_contain_text("Targets met; Stayed at school")

    office.get_by_role("button", name="Return paper files and archive").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(
        "Return paper files to Alpha Academy and archive"
    )
    assert_accessible(office, "the leave form")
    screenshot(office, "journey-12-leave-form")
    office.get_by_label("Paper files returned", exact=True).fill(
        "Referral file\nKey work notes folder"
    )
    fill_date(office, "Date returned", today)
    office.get_by_label("Received at the school by", exact=True).fill("Pat Office")
    office.get_by_label("The school has confirmed it received the files", exact=True).check()
    office.get_by_role("button", name="Save", exact=True).click()
    expect(office).to_have_url(student_url)
    expect(office.locator(".govuk-warning-text")).to_contain_text("This record is read-only.")
    expect(case.locator(".govuk-tag")).to_have_text("Left the partnership")
    register = office.get_by_role("table", name="Paper-file register")
    rows = register.locator("tbody tr")
    expect(rows).to_have_count(2)
    for row, description in zip(
        rows.all(), ["Referral file", "Key work notes folder"], strict=True
    ):
        expect(row.locator("td")).to_have_text(
            [description, "Alpha Academy", f"{today:%-d %b %Y}", "Pat Office (confirmed)"]
        )
    # Read-only: no case action is offered any more (the actions are links styled, and
    # announced, as buttons).
    for action in ("Close the case", "Return paper files and archive", "Assign a key worker"):
        expect(office.get_by_role("button", name=action)).to_have_count(0)
    assert_accessible(office, "the archived student record")
    screenshot(office, "journey-13-archived-record")

    office.goto(url + "/")
    office.get_by_role("navigation", name="Menu").get_by_role("link", name="Students").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Students")
    expect(office.locator("main")).not_to_contain_text("Jordan")
    expect(office.locator("main")).to_contain_text("No records to show.")
    assert_accessible(office, "the students list")
    screenshot(office, "journey-14-students-list")
    office.goto(url + "/")
    office.get_by_role("link", name="Archived records", exact=True).click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Archived records")
    expect(office.get_by_role("link", name="Example, Jordan")).to_have_attribute(
        "href", student_url.removeprefix(url)
    )
    assert_accessible(office, "the archive list")
    screenshot(office, "journey-15-archive-list")

    # 6. The key worker can no longer open the record (P17). -----------------------------
    worker = person_page("key worker")
    sign_in(worker, url, key_worker)
    _show_404(worker, student_url)
    not_found.add(student_url)
    expect(worker.locator("body")).not_to_contain_text("Jordan")
    screenshot(worker, "journey-16-key-worker-404")

    # Chromium logs the two expected 404s as console errors; nothing else may appear.
    unexpected = [
        error
        for error in browser_errors
        if not any(
            "status of 404" in error and error.endswith(f" at {address}") for address in not_found
        )
    ]
    assert unexpected == []
