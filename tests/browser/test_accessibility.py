"""Every page a person meets on the way in passes axe-core's WCAG 2.2 AA rules.

axe-core is vendored at tests/browser/vendor/axe.min.js (see AXE_VERSION there).
"""

from collections.abc import Callable

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import (
    Account,
    assert_accessible,
    axe_violations,
    current_totp,
    describe_violations,
    enter_security_code,
    require_playwright,
    screenshot,
    sign_in_with_password,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

pytestmark = pytest.mark.browser


def _sign_in_page(page: Page, url: str, account: Account) -> None:
    page.goto(url + "/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def _sign_in_errors(page: Page, url: str, account: Account) -> None:
    _sign_in_page(page, url, account)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


def _security_code_page(page: Page, url: str, account: Account) -> None:
    sign_in_with_password(page, url, account)


def _fully_signed_in(page: Page, url: str, account: Account) -> None:
    sign_in_with_password(page, url, account)
    enter_security_code(page, current_totp(account.device))
    expect(page).to_have_url(url + "/")


def _home_page(page: Page, url: str, account: Account) -> None:
    _fully_signed_in(page, url, account)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def _account_page(page: Page, url: str, account: Account) -> None:
    _fully_signed_in(page, url, account)
    page.goto(url + "/account/")
    expect(page).to_have_url(url + "/account/")


def _email_choices_page(page: Page, url: str, account: Account) -> None:
    """Reached from the account page; saved, so the success banner is checked too."""
    _account_page(page, url, account)
    page.get_by_role("link", name="Choose which emails SEIP sends you").click()
    page.get_by_role("checkbox", name="A daily summary of what is due").uncheck()
    page.get_by_role("button", name="Save your choices").click()
    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="A daily summary of what is due")).not_to_be_checked()


def _partnership_page(page: Page, url: str, account: Account) -> None:
    _fully_signed_in(page, url, account)
    page.goto(url + "/partnerships/alpha-vale/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Vale SEIP")


def _invite_page(page: Page, url: str, account: Account) -> None:
    _fully_signed_in(page, url, account)
    page.goto(url + "/people/invite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")


def _sign_out_page(page: Page, url: str, account: Account) -> None:
    _fully_signed_in(page, url, account)
    page.goto(url + "/sign-out/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign out")


def _forgotten_password_page(page: Page, url: str, account: Account) -> None:
    page.goto(url + "/sign-in/forgotten-password/")
    page.get_by_role("button", name="Send a reset link").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


PAGES: dict[str, Callable[[Page, str, Account], None]] = {
    "sign-in": _sign_in_page,
    "sign-in-errors": _sign_in_errors,
    "security-code": _security_code_page,
    "home": _home_page,
    "account": _account_page,
    "email-choices": _email_choices_page,
    "partnership": _partnership_page,
    "invite": _invite_page,
    "sign-out": _sign_out_page,
    "forgotten-password": _forgotten_password_page,
}


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violations(
    name: str, page: Page, live_server: LiveServer, coordinator: Account, browser_errors: list[str]
) -> None:
    PAGES[name](page, live_server.url, coordinator)
    screenshot(page, f"a11y-{name}")
    assert_accessible(page, f"the {name} page ({page.url})")
    assert browser_errors == []


def test_axe_check_catches_a_known_violation(page: Page) -> None:
    """Guards the check itself: axe loads under the page's rules and reports what it finds."""
    page.set_content('<html><body><main><img src="data:,"></main></body></html>')
    violations = axe_violations(page)
    assert {"image-alt", "html-has-lang"} <= {v["id"] for v in violations}
    assert "img" in describe_violations(violations)
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, "a page made to fail")
