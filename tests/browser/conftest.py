"""Browser tests: Playwright's sync API driving Debian's chromium against ``live_server``.

Chromium comes from Debian (``apt-get install chromium``), never from ``playwright
install``. Where it or the playwright package is missing the browser tests are skipped
with the reason, except under CI (``CI=true``), where a missing browser is a failure: CI
installs chromium itself, so a skip there would hide a broken pipeline.

Each test gets its own chromium with a fresh profile folder, so no cookie, session or
cache leaks from one test to the next.
"""

import datetime as dt
import importlib.util
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from django.db import connections
from django.utils import timezone
from django_otp.oath import totp

from seip.accounts.models import AuthenticatorDevice, Membership, Role, User
from seip.accounts.tests.factories import UserFactory
from seip.accounts.tests.oidc_provider import Provider
from seip.organisations.models import OrganisationType, Partnership
from seip.organisations.tests.factories import (
    AgreementFactory,
    LocalAuthorityFactory,
    OrganisationFactory,
    PartnershipFactory,
    SchoolFactory,
)
from seip.progress.models import PortalRelationship
from seip.progress.services import portal_link_grant
from seip.records.tests.factories import ContactFactory
from seip.referrals.models import Referral
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from seip.students.models import Student
from seip.students.services import case_assign_key_worker, case_open

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path(os.environ.get("SEIP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=en-GB",
    "--disable-quic",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "Alpha Vale browser pass 7"


def _unavailable(reason: str, *, module_level: bool = False) -> NoReturn:
    """Skip on a developer's machine; fail under CI, which must have the browser."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=module_level)


def require_playwright() -> None:
    """Call at the top of a test module, before importing playwright."""
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the playwright package is not installed (uv sync)", module_level=True)


def _missing_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (uv sync)"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The live server thread reads the same settings object, so sign-in checks this too.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def browser_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator["BrowserContext"]:
    """A headless Debian chromium with a fresh profile in this test's temporary folder."""
    reason = _missing_browser()
    if reason:
        _unavailable(reason)
    # Playwright's sync API keeps an asyncio loop running on this thread, which trips
    # Django's async-safety check on every ORM call the test makes while the browser is
    # open. Only for the life of the browser, so the rest of the suite keeps the check.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        try:
            context = p.chromium.launch_persistent_context(
                user_data_dir=tmp_path / "chromium-profile",
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                locale="en-GB",
                timezone_id="Europe/London",
                viewport={"width": 1280, "height": 900},
            )
        except Error as exc:
            _unavailable(f"chromium at {CHROMIUM} did not start: {exc}")
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            # While Playwright's loop runs, Django keeps this thread's database connections
            # in context-local rather than thread-local storage (asgiref treats the thread
            # as async), so ORM calls made during the test opened a second connection that
            # the test database teardown never sees. Close it while that storage is
            # current; on PostgreSQL it would otherwise block DROP DATABASE test_seip.
            connections.close_all()


@pytest.fixture
def browser_errors() -> list[str]:
    """Console errors and uncaught exceptions of ``page`` (a CSP violation lands here)."""
    return []


@pytest.fixture
def page(browser_context: "BrowserContext", browser_errors: list[str]) -> "Page":
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    page.on(
        "console",
        lambda message: (
            browser_errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: browser_errors.append(f"page error: {error}"))
    return page


# Data --------------------------------------------------------------------------------------
# live_server needs transactional_db, so the shared ``county`` fixture (on ``db``) is not
# used here; this builds the part of that county these pages show.


@pytest.fixture
def alpha_vale(transactional_db: None) -> Partnership:
    la = LocalAuthorityFactory()
    council = OrganisationFactory(
        name=la.name, type=OrganisationType.LOCAL_AUTHORITY, local_authority=la
    )
    partnership = PartnershipFactory(name="Alpha Vale SEIP", slug="alpha-vale", local_authority=la)
    SchoolFactory(partnership=partnership, name="Alpha Academy")
    SchoolFactory(partnership=partnership, name="Alpha Community College")
    provider = OrganisationFactory(name="Bridgeway AP", type=OrganisationType.ALTERNATIVE_PROVIDER)
    agency = OrganisationFactory(name="County CAMHS", type=OrganisationType.HEALTH)
    for organisation in (provider, agency, council):
        organisation.partnerships.add(partnership)
    AgreementFactory(organisation=provider, partnership=partnership)
    AgreementFactory(organisation=agency, partnership=partnership)
    return partnership


@dataclass
class Account:
    user: User
    email: str
    password: str
    device: AuthenticatorDevice


@pytest.fixture
def coordinator(alpha_vale: Partnership) -> Account:
    """Alpha Vale's co-ordinator, with a known password and a confirmed authenticator app."""
    email = "casey.coordinator@alpha-vale.test"
    user = UserFactory(email=email, full_name="Casey Coordinator", password=PASSWORD)
    Membership.objects.create(user=user, role=Role.COORDINATOR, partnership=alpha_vale)
    device = AuthenticatorDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return Account(user=user, email=email, password=PASSWORD, device=device)


# Helpers -----------------------------------------------------------------------------------


def emailed_code(email: str) -> str:
    """The newest sign-in code SEIP emailed to ``email`` (the families' second factor)."""
    from django.core import mail

    body = next(m.body for m in reversed(mail.outbox) if email in m.to)
    match = re.search(r"\b(\d{6})\b", body)
    assert match, "no sign-in code in the email"
    return match.group(1)


def family_sign_in(page: "Page", base_url: str, account: "FamilyAccount") -> None:
    """From the sign-in form, through the password and the emailed code, to the home page."""
    page.get_by_label("Email address", exact=True).fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your email", exact=True).fill(emailed_code(account.email))
    page.get_by_role("button", name="Continue").click()


def fill_date(page: "Page", legend: str, day: dt.date) -> None:
    """The GOV.UK date input: day, month and year in the group named ``legend``."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


def current_totp(device: AuthenticatorDevice) -> str:
    """The code the user's authenticator app shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def sign_in_with_password(page: "Page", base_url: str, account: Account) -> None:
    """From the home page, through the sign-in form, to the security-code step."""
    from playwright.sync_api import expect

    page.goto(base_url + "/")
    expect(page).to_have_url(base_url + "/sign-in/")
    page.get_by_label("Email address", exact=True).fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(base_url + "/sign-in/security-code/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")


def enter_security_code(page: "Page", code: str) -> None:
    page.get_by_label("Security code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()


def axe_violations(page: "Page") -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now.

    axe is loaded with ``page.evaluate`` rather than ``add_script_tag``: the pages' CSP
    (``script-src 'self' 'nonce-…'``) would rightly block an injected inline script, and
    evaluation through the DevTools protocol is not subject to it. The page keeps its CSP.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target, html: n.html,
                                            summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node['html'][:200]}")
            if node["summary"]:
                lines.append("      " + re.sub(r"\s+", " ", node["summary"])[:300])
    return "\n".join(lines)


def assert_accessible(page: "Page", where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found WCAG 2.2 AA problems on {where}:\n" + describe_violations(
        violations
    )


def screenshot(page: "Page", name: str) -> None:
    """Save a full-page PNG to ``SEIP_SCREENSHOT_DIR``, when it is set, for a person to see."""
    folder = os.environ.get("SEIP_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


# More people, and a browser for several of them at once ----------------------------------
# A journey through the service passes from one person to another. Each person gets their
# own browser context (their own cookies and session) in one chromium, so that each signs
# in once, through the real second factor, and stays signed in while the others act.


def make_account(email: str, full_name: str, role: Role, **scope: Any) -> Account:
    """A user with one membership, a known password and a confirmed authenticator app."""
    user = UserFactory(email=email, full_name=full_name, password=PASSWORD)
    Membership.objects.create(user=user, role=role, **scope)
    device = AuthenticatorDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return Account(user=user, email=email, password=PASSWORD, device=device)


@pytest.fixture
def school_contact(alpha_vale: Partnership) -> Account:
    """A contact at Alpha Academy, a school of Alpha Vale SEIP."""
    school = alpha_vale.schools.get(name="Alpha Academy")
    return make_account(
        "sam.school@alpha-academy.test",
        "Sam School",
        Role.SCHOOL_CONTACT,
        organisation=school.organisation,
    )


@pytest.fixture
def key_worker(alpha_vale: Partnership) -> Account:
    """A key worker in Alpha Vale SEIP's team."""
    return make_account(
        "kim.keyworker@alpha-vale.test", "Kim Keyworker", Role.KEY_WORKER, partnership=alpha_vale
    )


@pytest.fixture
def private_media(settings: Any, tmp_path: Path) -> Path:
    """Uploads (encrypted scans) go to this test's folder, never to the developer's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def chromium_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator["Browser"]:
    """One headless Debian chromium; ``person_page`` opens a context in it per person.

    Not to be used with ``browser_context`` in the same test: one Playwright per thread.
    """
    reason = _missing_browser()
    if reason:
        _unavailable(reason)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as in browser_context
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Error as exc:
            _unavailable(f"chromium at {CHROMIUM} did not start: {exc}")
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()  # see browser_context


@pytest.fixture
def person_page(chromium_browser: "Browser", browser_errors: list[str]) -> Callable[[str], "Page"]:
    """Open a page for one person, in a fresh browser context of their own.

    Console errors and uncaught exceptions go to ``browser_errors``, prefixed with the
    person's name and, for console errors, the address they came from.
    """

    def open_page(who: str) -> "Page":
        context = chromium_browser.new_context(
            locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                browser_errors.append(
                    f"{who} console: {message.text} at {message.location.get('url', '')}"
                )
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: browser_errors.append(f"{who} page error: {error}"))
        return page

    return open_page


def sign_in(page: "Page", base_url: str, account: Account) -> None:
    """Both steps, password then the authenticator app's code, to the home page."""
    from playwright.sync_api import expect

    sign_in_with_password(page, base_url, account)
    enter_security_code(page, current_totp(account.device))
    expect(page).to_have_url(base_url + "/")


# A case, as the referral journey leaves it, and a family ----------------------------------


@dataclass
class OpenCase:
    referral: Referral
    student: Student


@pytest.fixture
def open_case(
    alpha_vale: Partnership,
    school_contact: Account,
    coordinator: Account,
    key_worker: Account,
    private_media: Path,
) -> OpenCase:
    """Jordan's referral, signed two months ago with consent for schools and providers,
    accepted at tier 2 and assigned to Kim Keyworker."""
    school = alpha_vale.schools.get(name="Alpha Academy")
    draft = referral_draft_create(
        school=school, pupil=pupil(), carers=carers(), actor=school_contact.user
    )
    referral_sign(
        referral=draft,
        signed_by_name="Sam Example",
        relationship="Mother",
        has_parental_responsibility=True,
        signed_on=timezone.localdate() - dt.timedelta(days=60),
        notice_version=notice_for(alpha_vale),
        categories={OrganisationType.SCHOOL, OrganisationType.ALTERNATIVE_PROVIDER},
        form=PDF,
        actor=school_contact.user,
    )
    draft.refresh_from_db()
    case = case_open(
        referral=draft, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=coordinator.user,
    )  # fmt: skip
    case_assign_key_worker(case=case, key_worker=key_worker.user, actor=coordinator.user)
    return OpenCase(referral=draft, student=case.student)


@pytest.fixture
def with_history(open_case: OpenCase) -> Student:
    """Attendance since 2022/23, behaviour, attitude and attainment, from the demo builders."""
    from seip.attendance.demo import build_history as attendance_history
    from seip.behaviour.demo import build_history as behaviour_history

    student = Student.objects.select_related("school", "referral").get(pk=open_case.student.pk)
    attendance_history([student], 1)
    behaviour_history([student], 1)
    return student


@dataclass
class FamilyAccount:
    user: User
    email: str
    password: str


@pytest.fixture
def parent(open_case: OpenCase, key_worker: Account) -> FamilyAccount:
    """Sam Example, Jordan's mother, on Jordan's contact list and given portal access by
    the key worker. Families sign in with a password and a code sent by email."""
    email = "sam.example@family.test"
    user = UserFactory(email=email, full_name="Sam Example", password=PASSWORD)
    ContactFactory(student=open_case.student, email=email)
    portal_link_grant(
        user=user,
        student=open_case.student,
        relationship=PortalRelationship.PARENT_CARER,
        parental_responsibility=True,
        actor=key_worker.user,
    )
    return FamilyAccount(user=user, email=email, password=PASSWORD)


@pytest.fixture
def tasks_in_the_database(settings: Any, tmp_path: Path) -> None:
    """The production task backend, and uploads in this test's own data folder."""
    from seip.conftest import forget_task_backends

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    forget_task_backends()


# Administration steps (ADR 0032) and an organisation's OpenID Connect provider -----------


def add_organisation(page: "Page", name: str, type_label: str, ukprn: str) -> None:
    """From a partnership's "Schools and organisations" page: a new organisation."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Add a new organisation").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Type", exact=True).select_option(label=type_label)
    page.get_by_label("UKPRN", exact=True).fill(ukprn)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} was added")
    expect(page.get_by_role("link", name=name)).to_be_visible()


def record_agreement(
    page: "Page",
    partnership: str,
    organisation: str,
    reference: str,
    expires_on: dt.date,
    scan: Path,
) -> None:
    """From a page linking to ``partnership``'s agreements: record one, with its signed
    PDF (``scan``), signed today. Ends on the list, with the agreement's row shown."""
    from playwright.sync_api import expect

    page.get_by_role("link", name=f"Data-sharing agreements of {partnership}").first.click()
    page.get_by_role("link", name="Record an agreement").click()
    expect(page.locator("main")).to_contain_text("The dates decide access at once")
    page.get_by_label("Organisation", exact=True).select_option(label=organisation)
    page.get_by_label("Reference", exact=True).fill(reference)
    fill_date(page, "Signed on", timezone.localdate())
    fill_date(page, "Expires on", expires_on)
    page.get_by_label("Signed agreement", exact=True).set_input_files(scan)
    assert_accessible(page, "the agreement form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row").filter(has_text=reference)).to_contain_text(organisation)


@pytest.fixture
def provider() -> Iterator[Provider]:
    """The test OpenID Connect provider (``oidc_provider``), on 127.0.0.1 for this test."""
    running = Provider().start()
    yield running
    running.stop()
