"""Every page each person can reach from their home page works on a small phone.

A crawl from the home page, as the co-ordinator, the key worker, the school contact,
the DPO, the safeguarding lead, the administrator and a parent, following the links of
each page (never typing an address): at 320 CSS pixels
(WCAG 2.2's reflow width) no page scrolls sideways, axe-core finds no violation, and no
link answers with an error. Tables wider than the screen scroll inside their own region,
which is allowed (WCAG 1.4.10 exempts data tables); the page itself must not.
"""

import re
from collections.abc import Callable
from urllib.parse import urldefrag, urlparse

import pytest
from pytest_django.live_server_helper import LiveServer

from seip.accounts.models import Role
from seip.organisations.models import Partnership
from tests.browser.conftest import (
    Account,
    FamilyAccount,
    OpenCase,
    axe_violations,
    describe_violations,
    family_sign_in,
    make_account,
    require_playwright,
    sign_in,
)

require_playwright()

from playwright.sync_api import Error as PlaywrightError  # noqa: E402 - after the check
from playwright.sync_api import Page  # noqa: E402

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}
MAX_PAGES = 60
# Links that leave the page for a file or an action, not a page to read.
NOT_A_PAGE = re.compile(
    r"(sign-out|logout|\.pdf|/pdf/?$|/csv|/xlsx|export|download|signed-form|/file|/scan|"
    r"/attachments?/|/logo/|/static/|/media/)",
    re.IGNORECASE,
)


def _pattern(path: str) -> str:
    """One visit per shape of address: /students/12/ and /students/13/ are one page."""
    return re.sub(r"\d+", "N", path)


def _links(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parsed = urlparse(url)
        if f"{parsed.scheme}://{parsed.netloc}" != origin or NOT_A_PAGE.search(parsed.path):
            continue
        found.append(url)
    return found


def _overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when it reflows)."""
    width: int = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
    return width


def _crawl(page: Page, origin: str) -> list[str]:
    faults: list[str] = []
    seen: set[str] = set()
    queue = [origin + "/"]
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.pop(0)
        path = urlparse(url).path
        if _pattern(path) in seen:
            continue
        seen.add(_pattern(path))
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file offered for download, not a page
            raise
        visited += 1
        if response is None or response.status >= 400:
            faults.append(f"{path}: answered {response.status if response else 'nothing'}")
            continue
        if urlparse(page.url).path == "/sign-in/":
            faults.append(f"{path}: sent back to sign in")
            continue
        if (extra := _overflow(page)) > 0:
            faults.append(f"{path}: {extra} px wider than a 320 px screen")
        if violations := axe_violations(page):
            faults.append(f"{path}: {describe_violations(violations)}")
        queue.extend(_links(page, origin))
    assert visited > 5, "the crawl found almost nothing to visit"
    return faults


@pytest.mark.promise("P03")
def test_every_page_reachable_from_home_reflows_on_a_phone(
    live_server: LiveServer,
    person_page: Callable[[str], Page],
    coordinator: Account,
    key_worker: Account,
    school_contact: Account,
    open_case: OpenCase,
    with_history: object,
    parent: FamilyAccount,
    alpha_vale: Partnership,
) -> None:
    faults: list[str] = []
    dpo = make_account("dana.dpo@alpha-vale.test", "Dana DPO", Role.DPO, partnership=alpha_vale)
    lead = make_account(
        "sol.lead@alpha-vale.test", "Sol Lead", Role.SAFEGUARDING_LEAD, partnership=alpha_vale
    )
    admin = make_account("ada.admin@seip.test", "Ada Admin", Role.SYSTEM_ADMIN)
    for who, account in [
        ("co-ordinator", coordinator),
        ("key worker", key_worker),
        ("school contact", school_contact),
        ("DPO", dpo),
        ("safeguarding lead", lead),
        ("administrator", admin),
    ]:
        page = person_page(who)
        page.set_viewport_size(PHONE)
        sign_in(page, live_server.url, account)
        faults += [f"{who} {fault}" for fault in _crawl(page, live_server.url)]
        page.context.close()
    page = person_page("parent")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/sign-in/")
    family_sign_in(page, live_server.url, parent)
    faults += [f"parent {fault}" for fault in _crawl(page, live_server.url)]
    assert not faults, "\n".join(faults)
