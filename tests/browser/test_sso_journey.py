"""A school contact signs in through their school's OpenID Connect provider, in a real
chromium, against the test provider on 127.0.0.1 (ADR 0033)."""

import pytest
from pytest_django.live_server_helper import LiveServer

from seip.accounts.sso import sso_configure
from seip.accounts.tests.oidc_provider import Provider
from tests.browser.conftest import Account, assert_accessible, require_playwright

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

pytestmark = pytest.mark.browser


@pytest.mark.promise("P14")
def test_school_contact_signs_in_through_the_school_provider(
    page: Page,
    live_server: LiveServer,
    school_contact: Account,
    provider: Provider,
    browser_errors: list[str],
) -> None:
    sso_configure(
        organisation=school_contact.user.memberships.get().organisation,
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        domains=["alpha-academy.test"],
        trust_provider_mfa=True,
        actor=None,
    )
    provider.person = {"email": school_contact.email, "email_verified": True, "amr": ["mfa"]}

    page.goto(live_server.url + "/sign-in/")
    page.get_by_role("link", name="sign in with your organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with your organisation")
    assert_accessible(page, "sign in with your organisation")
    page.get_by_label("Email address", exact=True).fill(school_contact.email)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert not browser_errors
