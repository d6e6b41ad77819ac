"""People in and out, as a county does it (issue 18, ADR 0031): from a fresh install with
only ``seip createadmin``, the administrator invites a co-ordinator, who accepts, sets up
an authenticator, invites a key worker and a school contact; the key worker leaves and
their open session is refused on the next request."""

import re
from collections.abc import Callable
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from seip.accounts.models import AuthenticatorDevice, User
from seip.organisations.models import Partnership
from tests.browser.conftest import assert_accessible, current_totp, require_playwright

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

pytestmark = pytest.mark.browser

PASSWORDS = {
    "admin@county.test": "plum kettle orbit 42 lantern",
    "casey@alpha-vale.test": "quiet harbour violet 7 meadow",
    "kim@alpha-vale.test": "amber crane thistle 19 rowing",
}


def _invitation_link(email: str) -> str:
    body = next(m.body for m in reversed(mail.outbox) if email in m.to)
    match = re.search(r"https?://\S+/sign-in/invitation/\S+/", body)
    assert match, "no invitation link in the email"
    return match.group(0)


def _accept(page: Page, link: str, email: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    page.get_by_label("Choose a password", exact=True).fill(PASSWORDS[email])
    page.get_by_label("Type the password again", exact=True).fill(PASSWORDS[email])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("authenticator")
    device = AuthenticatorDevice.objects.get(user__email=email, confirmed=False)
    page.get_by_label("Security code", exact=True).fill(current_totp(device))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")


def _invite(page: Page, base: str, name: str, email: str, role: str) -> None:
    page.goto(base + "/people/invite/")
    page.get_by_label("Full name", exact=True).fill(name)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Role", exact=True).select_option(label=role)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("main")).to_contain_text("Invitation sent")


@pytest.mark.promise("P13")
@pytest.mark.promise("P14")
def test_from_createadmin_to_a_leaver(
    person_page: Callable[[str], Page], live_server: LiveServer, alpha_vale: Partnership
) -> None:
    base = live_server.url
    out = StringIO()
    call_command(
        "createadmin", "admin@county.test", "--name", "Ada Admin", "--site", base,
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    admin = person_page("administrator")
    _accept(admin, out.getvalue().strip(), "admin@county.test")

    _invite(
        admin, base, "Casey Coordinator", "casey@alpha-vale.test", "Co-ordinator, Alpha Vale SEIP"
    )
    lead = person_page("co-ordinator")
    _accept(lead, _invitation_link("casey@alpha-vale.test"), "casey@alpha-vale.test")

    _invite(lead, base, "Kim Keyworker", "kim@alpha-vale.test", "Key worker, Alpha Vale SEIP")
    _invite(lead, base, "Sam School", "sam@alpha-academy.test", "School contact, Alpha Academy")
    lead.goto(base + "/people/")
    expect(lead.locator("main")).to_contain_text("Sam School")
    assert_accessible(lead, "the people page with invitations")

    worker = person_page("key worker")
    _accept(worker, _invitation_link("kim@alpha-vale.test"), "kim@alpha-vale.test")
    worker.goto(base + "/")
    expect(worker).to_have_url(base + "/")

    lead.goto(base + "/people/")
    lead.get_by_role("button", name=re.compile(r"Remove role.*Kim Keyworker")).click()
    expect(lead.locator("main")).to_contain_text("Their open sessions have ended")

    worker.goto(base + "/")
    expect(worker).to_have_url(re.compile(re.escape(base) + r"/sign-in/"))
    assert not User.objects.get(email="kim@alpha-vale.test").is_active
