"""Signing in as a person does: a real chromium, the real forms, the real second factor."""

import re
from urllib.parse import urlsplit

import pytest
from pytest_django.live_server_helper import LiveServer

from seip.accounts.services import backup_codes_issue
from tests.browser.conftest import (
    Account,
    current_totp,
    enter_security_code,
    require_playwright,
    screenshot,
    sign_in_with_password,
)

require_playwright()

from playwright.sync_api import Page, Response, expect  # noqa: E402 - after the check above

pytestmark = pytest.mark.browser

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)


def _is_home_document(response: Response) -> bool:
    return (
        response.request.resource_type == "document"
        and urlsplit(response.url).path == "/"
        and response.status == 200
    )


@pytest.mark.promise("P14")
@pytest.mark.promise("P26")
def test_coordinator_signs_in_with_totp_and_sees_partnership(
    page: Page, live_server: LiveServer, coordinator: Account, browser_errors: list[str]
) -> None:
    sign_in_with_password(page, live_server.url, coordinator)

    page.get_by_label("Security code", exact=True).fill(current_totp(coordinator.device))
    with page.expect_response(_is_home_document) as home_info:
        page.get_by_role("button", name="Continue").click()
    home = home_info.value

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".govuk-generic-header")).to_contain_text("Alpha Vale SEIP")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    screenshot(page, "home")

    # The strict CSP carries a fresh nonce, and the page's one inline script bears it.
    policy = home.header_value("content-security-policy") or ""
    assert "'nonce-" in policy, policy
    match = re.search(r"'nonce-([^']+)'", policy)
    assert match is not None
    nonce = match.group(1)
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    # Chromium hides a nonce attribute's value from the DOM, so read the bytes served.
    inline_scripts = INLINE_SCRIPT.findall(home.text())
    assert inline_scripts, "the page has no inline script to check"
    for attributes in inline_scripts:
        assert f'nonce="{nonce}"' in attributes, attributes
    # And the browser ran it under that policy: it is what marks the body js-enabled.
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    assert browser_errors == []


@pytest.mark.promise("P14")
def test_password_alone_reaches_no_staff_page(
    page: Page, live_server: LiveServer, coordinator: Account
) -> None:
    sign_in_with_password(page, live_server.url, coordinator)

    for path in ("/account/", "/", "/partnerships/alpha-vale/"):
        page.goto(live_server.url + path)
        expect(page).to_have_url(live_server.url + "/sign-in/security-code/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    expect(page.locator("body")).not_to_contain_text("Casey Coordinator")


@pytest.mark.promise("P14")
def test_backup_code_signs_in_once(
    page: Page, live_server: LiveServer, coordinator: Account
) -> None:
    codes = backup_codes_issue(user=coordinator.user, count=3, actor=None)

    sign_in_with_password(page, live_server.url, coordinator)
    enter_security_code(page, codes[0])
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    # Sign out and try the same code again: each backup code works once.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/sign-in/")
    sign_in_with_password(page, live_server.url, coordinator)
    enter_security_code(page, codes[0])
    expect(page).to_have_url(live_server.url + "/sign-in/security-code/")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "That backup code has already been used"
    )

    # django-otp throttles a device for a second after a wrong code; a person would wait.
    page.wait_for_timeout(1_500)
    enter_security_code(page, codes[1])
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".govuk-generic-header")).to_contain_text("Alpha Vale SEIP")


def test_sign_in_page_looks_right(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("Email address", exact=True)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "password")
    screenshot(page, "sign-in")
