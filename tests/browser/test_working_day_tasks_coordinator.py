"""The co-ordinator's home page leads with a newly signed referral awaiting her decision,
and the task goes straight to the referral (issue 19)."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.organisations.models import OrganisationType, Partnership
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from tests.browser.conftest import (
    Account,
    assert_accessible,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

TASK = "Decide on the referral of Jordan Example"


@pytest.mark.browser
def test_coordinator_follows_a_signed_referral_from_the_home_page(
    page: Page,
    live_server: LiveServer,
    alpha_vale: Partnership,
    coordinator: Account,
    school_contact: Account,
    private_media: Path,
    browser_errors: list[str],
) -> None:
    school = alpha_vale.schools.get(name="Alpha Academy")
    draft = referral_draft_create(
        school=school, pupil=pupil(), carers=carers(), actor=school_contact.user
    )
    referral_sign(
        referral=draft,
        signed_by_name="Sam Example",
        relationship="Mother",
        has_parental_responsibility=True,
        signed_on=timezone.localdate() - dt.timedelta(days=1),
        notice_version=notice_for(alpha_vale),
        categories={OrganisationType.SCHOOL},
        form=PDF,
        actor=school_contact.user,
    )
    url = live_server.url

    sign_in(page, url, coordinator)
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
    item = page.locator(".govuk-task-list__item").filter(has_text=TASK)
    expect(item).to_contain_text("Due in 14 days")
    expect(item.locator(".govuk-tag")).to_have_text("To do")
    assert_accessible(page, "the co-ordinator's home page with a referral to decide")
    screenshot(page, "working-day-coordinator-01-home")

    item.get_by_role("link", name=TASK).click()
    expect(page).to_have_url(f"{url}/referrals/{draft.pk}/")
    expect(page.locator("main")).to_contain_text("Jordan")
    assert browser_errors == []
