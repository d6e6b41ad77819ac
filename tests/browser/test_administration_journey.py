"""The administrator registers an organisation and its data-sharing agreement in a real
browser, with no Django shell (issue 18): from the home page, through the partnership's
administration, to an agreement on record with its signed PDF stored encrypted."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.accounts.models import Role
from seip.organisations.models import DataSharingAgreement, Partnership
from seip.organisations.services import agreement_document
from tests.browser.conftest import (
    Account,
    assert_accessible,
    make_account,
    record_agreement,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

SIGNED = b"%PDF-1.4\n% the signed data-sharing agreement\n%%EOF\n"


@pytest.fixture
def administrator(alpha_vale: Partnership) -> Account:
    return make_account("ada.admin@county.test", "Ada Admin", Role.SYSTEM_ADMIN)


@pytest.mark.browser
@pytest.mark.promise("P09")
def test_the_administrator_registers_an_organisation_and_its_agreement(
    page: Page,
    live_server: LiveServer,
    administrator: Account,
    private_media: Path,
    tmp_path: Path,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    sign_in(page, url, administrator)
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    page.get_by_role("link", name="Schools and organisations of Alpha Vale SEIP").click()
    assert_accessible(page, "a partnership's schools and organisations")

    # A new organisation, registered with the partnership; a bad UKPRN is named first.
    page.get_by_role("link", name="Add a new organisation").click()
    page.get_by_label("Name", exact=True).fill("Riverside Mentoring")
    page.get_by_label("Type", exact=True).select_option(label="Voluntary organisation")
    page.get_by_label("UKPRN", exact=True).fill("2001234")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("eight-digit UKPRN")
    page.get_by_label("UKPRN", exact=True).fill("10054321")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Riverside Mentoring was added"
    )
    expect(page.get_by_role("link", name="Riverside Mentoring")).to_be_visible()

    # Its agreement, with the signed PDF.
    scan = tmp_path / "signed-agreement.pdf"
    scan.write_bytes(SIGNED)
    expires_on = timezone.localdate() + dt.timedelta(days=30)
    record_agreement(
        page, "Alpha Vale SEIP", "Riverside Mentoring", "DSA-RM-2026", expires_on, scan
    )
    row = page.get_by_role("row").filter(has_text="DSA-RM-2026")
    # It expires within 60 days: flagged in the list and on the home page.
    expect(row.locator(".govuk-tag")).to_have_text("Expires within 60 days")
    screenshot(page, "admin-agreement-recorded")
    agreement = DataSharingAgreement.objects.get(reference="DSA-RM-2026")
    assert agreement_document(agreement) == SIGNED
    page.goto(url + "/")
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "1 data-sharing agreement expires within 60 days"
    )
    assert browser_errors == []
