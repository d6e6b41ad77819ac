"""Real people in and out, as a county does it (issue 18, ADR 0031), as one journey from a
fresh production-like install whose only person is the first administrator
(``seip createadmin``):

the administrator invites a co-ordinator, who accepts and sets up an authenticator app,
invites a key worker and a school contact, and registers a new organisation with its
data-sharing agreement; the administrator sets up Alpha Academy's OpenID Connect provider
with ``seip sso configure``, as a deployment does; the school contact accepts, and later
follows a link into SEIP, signs in through the provider and lands on the page asked for;
then the key worker leaves and their open session is refused on the next request.

The county's partnership, schools and organisations are there as the ``alpha_vale``
fixture builds them: only the people start from nothing."""

import datetime as dt
import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.accounts.models import AuthenticatorDevice, User
from seip.accounts.tests.oidc_provider import Provider
from seip.audit.models import AuditEvent
from seip.organisations.models import DataSharingAgreement, Partnership
from seip.organisations.services import agreement_document
from tests.browser.conftest import (
    add_organisation,
    assert_accessible,
    current_totp,
    record_agreement,
    require_playwright,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

pytestmark = pytest.mark.browser

PASSWORDS = {
    "admin@county.test": "plum kettle orbit 42 lantern",
    "casey@alpha-vale.test": "quiet harbour violet 7 meadow",
    "kim@alpha-vale.test": "amber crane thistle 19 rowing",
    "sam@alpha-academy.test": "copper willow lantern 3 brook",
}
SIGNED = b"%PDF-1.4\n% the signed data-sharing agreement\n%%EOF\n"


def _invitation_link(email: str) -> str:
    body = next(m.body for m in reversed(mail.outbox) if email in m.to)
    match = re.search(r"https?://\S+/sign-in/invitation/\S+/", body)
    assert match, "no invitation link in the email"
    return match.group(0)


def _accept(page: Page, link: str, email: str) -> None:
    """Accept an invitation: a password, then an authenticator app and the backup codes."""
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


@pytest.mark.promise("P09")
@pytest.mark.promise("P13")
@pytest.mark.promise("P14")
def test_from_createadmin_to_a_leaver(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    alpha_vale: Partnership,
    provider: Provider,
    private_media: Path,
    tmp_path: Path,
    browser_errors: list[str],
) -> None:
    base = live_server.url

    # The first administrator, from the command line, accepts in the browser.
    out = StringIO()
    call_command(
        "createadmin", "admin@county.test", "--name", "Ada Admin", "--site", base,
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    admin = person_page("administrator")
    _accept(admin, out.getvalue().strip(), "admin@county.test")

    # The administrator invites the partnership's co-ordinator, who accepts.
    _invite(
        admin, base, "Casey Coordinator", "casey@alpha-vale.test", "Co-ordinator, Alpha Vale SEIP"
    )
    lead = person_page("co-ordinator")
    _accept(lead, _invitation_link("casey@alpha-vale.test"), "casey@alpha-vale.test")

    # The co-ordinator invites a key worker and a school contact.
    _invite(lead, base, "Kim Keyworker", "kim@alpha-vale.test", "Key worker, Alpha Vale SEIP")
    _invite(lead, base, "Sam School", "sam@alpha-academy.test", "School contact, Alpha Academy")
    lead.goto(base + "/people/")
    expect(lead.locator("main")).to_contain_text("Sam School")
    assert_accessible(lead, "the people page with invitations")

    # The co-ordinator registers a new organisation with the partnership, and its
    # data-sharing agreement with the signed PDF (ADR 0032: theirs to do, not only the
    # administrator's).
    lead.goto(base + "/")
    lead.get_by_role("link", name="Manage your partnership").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Administration")
    lead.get_by_role("link", name="Schools and organisations of Alpha Vale SEIP").click()
    add_organisation(lead, "Riverside Mentoring", "Voluntary organisation", "10054321")
    scan = tmp_path / "signed-agreement.pdf"
    scan.write_bytes(SIGNED)
    expires_on = timezone.localdate() + dt.timedelta(days=365)
    record_agreement(
        lead, "Alpha Vale SEIP", "Riverside Mentoring", "DSA-RM-2027", expires_on, scan
    )
    agreement = DataSharingAgreement.objects.get(reference="DSA-RM-2027")
    assert agreement.organisation.name == "Riverside Mentoring"
    assert agreement.partnership == alpha_vale
    assert agreement_document(agreement) == SIGNED

    # The key worker accepts and is signed in.
    worker = person_page("key worker")
    _accept(worker, _invitation_link("kim@alpha-vale.test"), "kim@alpha-vale.test")
    worker.goto(base + "/")
    expect(worker).to_have_url(base + "/")

    # Alpha Academy signs in through its own provider: the administrator sets it up on
    # the server, as a deployment does (the secret from a file, never the command line).
    school = alpha_vale.schools.get(name="Alpha Academy")
    secret = tmp_path / "client-secret"
    secret.write_text(provider.client_secret)
    call_command(
        "sso", "configure", "--organisation", str(school.organisation_id),
        "--issuer", provider.issuer, "--client-id", provider.client_id,
        "--client-secret-file", str(secret), "--domains", "alpha-academy.test",
        "--trust-provider-mfa", stdout=StringIO(),
    )  # fmt: skip
    secret.unlink()

    # The school contact accepts the co-ordinator's invitation, and signs out.
    contact = person_page("school contact")
    _accept(contact, _invitation_link("sam@alpha-academy.test"), "sam@alpha-academy.test")
    contact.get_by_role("button", name="Sign out").click()
    expect(contact.get_by_role("heading", level=1)).to_have_text("Sign in")

    # Later, a link into SEIP: through the sign-in page and the school's provider, to the
    # page asked for.
    provider.person = {"email": "sam@alpha-academy.test", "email_verified": True, "amr": ["mfa"]}
    asked = reverse("referrals:new")
    contact.goto(base + asked)
    expect(contact).to_have_url(re.compile(re.escape(base + "/sign-in/?next=")))
    contact.get_by_role("link", name="sign in with your organisation").click()
    expect(contact.get_by_role("heading", level=1)).to_have_text("Sign in with your organisation")
    expect(contact).to_have_url(f"{base}/sign-in/organisation/?next={quote(asked, safe='')}")
    assert_accessible(contact, "sign in with your organisation")
    contact.get_by_label("Email address", exact=True).fill("sam@alpha-academy.test")
    contact.get_by_role("button", name="Continue").click()
    # SEIP, the provider and back, with two server-side calls to the provider between:
    # more than expect()'s default five seconds on a busy machine.
    expect(contact).to_have_url(base + asked, timeout=15_000)
    expect(contact.get_by_role("button", name="Sign out")).to_be_visible()
    sam = User.objects.get(email="sam@alpha-academy.test")
    assert AuditEvent.objects.filter(action="auth.sso", actor=sam).count() == 1

    # The key worker leaves: the co-ordinator removes their role, and their open session
    # is refused on the next request.
    lead.goto(base + "/people/")
    lead.get_by_role("button", name=re.compile(r"Remove role.*Kim Keyworker")).click()
    expect(lead.locator("main")).to_contain_text("Their open sessions have ended")

    worker.goto(base + "/")
    expect(worker).to_have_url(re.compile(re.escape(base) + r"/sign-in/"))
    assert not User.objects.get(email="kim@alpha-vale.test").is_active
    assert browser_errors == []
