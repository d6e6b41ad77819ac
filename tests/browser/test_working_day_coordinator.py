"""The co-ordinator's working day (issue 19): from the home page, without typing a URL,
find a newly signed referral, accept it, and see on the new record the contacts and the
reasons the school gave, each with its source (P11). Then find the student again in the
list, through the menu, by a search.

axe-core checks every distinct page on the way.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.organisations.models import OrganisationType, Partnership
from seip.referrals.services import CarerDetails, referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, notice_for, pupil
from tests.browser.conftest import (
    Account,
    assert_accessible,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

PUPIL = "Jordan Example"


@pytest.fixture
def newly_signed(alpha_vale: Partnership, school_contact: Account, private_media: Path) -> None:
    """Jordan's referral, signed today by the school, naming two carers."""
    school = alpha_vale.schools.get(name="Alpha Academy")
    referral = referral_draft_create(
        school=school,
        pupil=pupil(),
        carers=[
            CarerDetails(
                name="Sam Example", relationship="Mother", parental_responsibility=True,
                phone="07700 900321",
            ),
            CarerDetails(
                name="Alex Example", relationship="Grandfather", parental_responsibility=False,
            ),
        ],
        actor=school_contact.user,
    )  # fmt: skip
    referral_sign(
        referral=referral, signed_by_name="Sam Example", relationship="Mother",
        has_parental_responsibility=True, signed_on=timezone.localdate(),
        notice_version=notice_for(alpha_vale), categories={OrganisationType.SCHOOL},
        form=PDF, actor=school_contact.user,
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.promise("P11")
def test_coordinator_accepts_a_new_referral_and_finds_its_contacts_on_the_record(
    live_server: LiveServer,
    person_page: Callable[[str], Page],
    browser_errors: list[str],
    coordinator: Account,
    newly_signed: None,
) -> None:
    url = live_server.url
    office = person_page("co-ordinator")
    sign_in(office, url, coordinator)

    # From the home page to the referral, by links only.
    office.get_by_role("link", name="Referrals awaiting your decision").click()
    expect(office.locator("main")).to_contain_text(PUPIL)
    assert_accessible(office, "the referrals awaiting a decision")
    office.get_by_role("link", name=PUPIL).click()
    expect(office.locator("main .govuk-tag")).to_have_text("Signed, awaiting decision")

    office.get_by_role("button", name="Accept the referral").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"Accept the referral for {PUPIL}")
    office.get_by_label("Tier 2: targeted support", exact=True).check()
    office.get_by_role("button", name="Accept", exact=True).click()

    # The new record carries what the school wrote, with where it came from.
    expect(office).to_have_url(re.compile(re.escape(url) + r"/students/(\d+)/$"))
    expect(office.get_by_role("heading", level=1)).to_have_text(PUPIL)
    main = office.locator("main")
    expect(main).not_to_contain_text("No contacts recorded yet")
    contacts = main.locator("#contacts + dl")
    expect(contacts).to_contain_text("Sam Example")
    expect(contacts).to_contain_text("Mother")
    expect(contacts).to_contain_text("Parental responsibility")
    expect(contacts).to_contain_text("07700 900321")
    expect(contacts).to_contain_text("Alex Example")
    expect(contacts).to_contain_text(
        "Source: School (entered): Alpha Academy (The signed referral form)"
    )
    referred = main.locator("#referral + dl")
    expect(referred).to_contain_text("Repeated suspensions this term.")
    expect(referred).to_contain_text("Mentoring in school; report card.")
    expect(referred).to_contain_text("86% this year")
    expect(referred).to_contain_text("Two suspensions")
    expect(referred).to_contain_text("School (entered): Alpha Academy (the signed referral form)")
    assert_accessible(office, "the new record with the referral carried in")
    screenshot(office, "working-day-coordinator-record")

    # The menu's Students leads to the list, where a search finds the new student.
    office.get_by_role("navigation", name="Menu").get_by_role("link", name="Students").click()
    expect(office.get_by_role("link", name="Students", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    office.get_by_label("Name or UPN", exact=True).fill("jordan")
    office.get_by_role("button", name="Search and filter").click()
    row = office.locator("tbody tr").filter(has_text="Example, Jordan")
    expect(row).to_contain_text("Alpha Academy")
    expect(row).to_contain_text("Open")
    assert_accessible(office, "the student list, searched")

    # The filters, then a sort by a column heading.
    office.get_by_text("Filter by status, review, tier, key worker or school").click()
    filters = office.locator("details")
    filters.get_by_label("Open", exact=True).check()
    office.get_by_label("Key worker", exact=True).select_option(label="No key worker yet")
    filters.get_by_label("Alpha Academy", exact=True).check()
    office.get_by_role("button", name="Search and filter").click()
    expect(office.locator("details")).to_have_attribute("open", "")
    expect(office.locator("tbody tr").filter(has_text="Example, Jordan")).to_have_count(1)
    assert_accessible(office, "the student list, filtered")
    office.get_by_role("link", name="Tier").click()
    expect(office.locator("th", has_text="Tier")).to_have_attribute("aria-sort", "ascending")
    expect(office.get_by_label("Name or UPN", exact=True)).to_have_value("jordan")
    screenshot(office, "working-day-coordinator-list")
    assert browser_errors == []
