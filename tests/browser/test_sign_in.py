"""Signing in as a person does: a real chromium, the real forms, the real second factor."""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from pytest_django.live_server_helper import LiveServer

from seip.accounts.models import AuthenticatorDevice
from seip.accounts.services import backup_codes_issue
from tests.browser.conftest import (
    Account,
    assert_accessible,
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


@pytest.mark.promise("P14")
def test_a_lost_phone_is_replaced_only_through_a_set_up_link(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    coordinator: Account,
    key_worker: Account,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    AuthenticatorDevice.objects.filter(user=key_worker.user).delete()  # the phone is lost

    # 1. The password alone leads nowhere but "ask for a set-up link".
    worker = person_page("key worker")
    sign_in_with_password_only(worker, url, key_worker)
    expect(worker.get_by_role("heading", level=1)).to_have_text("Ask for a set-up link")
    assert_accessible(worker, "the ask-for-a-set-up-link page")
    worker.goto(url + "/sign-in/set-up-authenticator/")
    expect(worker).to_have_url(url + "/sign-in/security-code/")

    # 2. The co-ordinator makes a link from the People page.
    lead = person_page("coordinator")
    sign_in_with_password(lead, url, coordinator)
    enter_security_code(lead, current_totp(coordinator.device))
    lead.goto(url + "/account/")
    lead.get_by_role("link", name="People you can send a set-up link to").click()
    assert_accessible(lead, "the people page")
    lead.get_by_role("button", name="Make a set-up link for Kim Keyworker").click()
    link = lead.locator("main code").inner_text()
    assert "/sign-in/set-up/" in link

    # 3. The key worker opens it, gives their password and scans a new key.
    worker.goto(link)
    assert_accessible(worker, "the set-up link page")
    worker.get_by_label("Your SEIP password", exact=True).fill(key_worker.password)
    worker.get_by_role("button", name="Continue").click()
    expect(worker).to_have_url(url + "/sign-in/set-up-authenticator/")
    device = AuthenticatorDevice.objects.get(user=key_worker.user, confirmed=False)
    worker.get_by_label("Security code", exact=True).fill(current_totp(device))
    worker.get_by_role("button", name="Confirm").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    assert_accessible(worker, "the backup codes page")
    worker.get_by_role("link", name="Continue").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Your account")

    # 4. The link works once.
    other = person_page("someone else")
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text("This set-up link cannot be used")
    # That page answers 404, which chromium reports on the console; nothing else may.
    assert [error for error in browser_errors if "status of 404" not in error] == []


def sign_in_with_password_only(page: Page, base_url: str, account: Account) -> None:
    page.goto(base_url + "/sign-in/")
    page.get_by_label("Email address", exact=True).fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Continue").click()
