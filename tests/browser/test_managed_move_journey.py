"""A managed move from proposal to transfer in a real browser (issue 20, ADR 0048):

1. the co-ordinator proposes a move of Jordan from Alpha Academy to Alpha Community
   College from Jordan's record; the host school's contact cannot see the move or the
   record;
2. the co-ordinator records the family's agreement; from that day the host sees both;
3. the co-ordinator records the transfer: Jordan is on the host's roll;
4. the partnership's outcome report counts the move as a transfer (checked on the
   report's own facts and ledger, since a single move is suppressed as ``c`` in print).
"""

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.accounts.models import Role
from seip.disclosure.tables import TOTAL
from seip.moves.models import ManagedMove, MoveDecision
from seip.organisations.models import Partnership, School
from seip.organisations.tests.factories import AgreementFactory
from seip.reports.facts import gather
from seip.reports.measures import MEASURES, cut
from seip.reports.models import Release
from seip.reports.outcomes import Recipient, breakdown, outcome_report
from seip.reports.population import Period, Scope
from tests.browser.conftest import (
    Account,
    OpenCase,
    assert_accessible,
    fill_date,
    make_account,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

HOST = "Alpha Community College"


@pytest.fixture
def host_contact(alpha_vale: Partnership) -> Account:
    school = alpha_vale.schools.get(name=HOST)
    AgreementFactory(organisation=school.organisation, partnership=alpha_vale)
    return make_account(
        "harper.host@alpha-college.test", "Harper Host", Role.SCHOOL_CONTACT,
        organisation=school.organisation,
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.promise("P07")
@pytest.mark.promise("P08")
def test_a_managed_move_from_proposal_to_transfer(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    coordinator: Account,
    host_contact: Account,
    open_case: OpenCase,
    alpha_vale: Partnership,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    student = open_case.student
    today = timezone.localdate()

    host = person_page("host school")
    sign_in(host, url, host_contact)
    host.goto(url + "/moves/")
    expect(host.locator("main")).not_to_contain_text("Jordan")

    # 1. The co-ordinator proposes the move from Jordan's record.
    worker = person_page("co-ordinator")
    sign_in(worker, url, coordinator)
    worker.goto(url + "/")
    expect(worker.get_by_role("link", name="Managed moves")).to_be_visible()
    expect(worker.get_by_role("link", name="Fair Access")).to_be_visible()
    worker.goto(f"{url}/students/{student.pk}/")
    worker.get_by_role("link", name="Propose a managed move for Jordan").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Propose a managed move")
    worker.get_by_label("Host school", exact=True).select_option(label=HOST)
    fill_date(worker, "Start of the trial", today)
    assert_accessible(worker, "the proposal form")
    worker.get_by_role("button", name="Save").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text(f"Managed move to {HOST}")
    expect(worker.locator("main")).to_contain_text("Proposed")
    move = ManagedMove.objects.get(student=student)
    assert move.review_on == today + dt.timedelta(weeks=6)

    # Before the family agrees, the host school sees neither the move nor the record.
    for page in (f"/moves/{move.pk}/", f"/students/{student.pk}/"):
        refused = host.goto(url + page)
        assert refused is not None
        assert refused.status == 404

    # 2. The family agrees today: the host sees the move and the record from today.
    worker.get_by_role("link", name="Record the family's agreement").click()
    worker.get_by_label("Name of the parent or carer who agreed", exact=True).fill("Sam Example")
    fill_date(worker, "Date the family agreed", today)
    worker.get_by_role("button", name="Save").click()
    expect(worker.locator("main")).to_contain_text("In trial")
    expect(worker.locator("main")).to_contain_text("shown privacy notice version")
    assert_accessible(worker, "the move's page")
    screenshot(worker, "managed-move-in-trial")

    response = host.goto(f"{url}/moves/{move.pk}/")
    assert response is not None
    assert response.status == 200
    expect(host.get_by_role("heading", level=1)).to_have_text(f"Managed move to {HOST}")
    host.goto(url + "/moves/")
    expect(host.locator("main")).to_contain_text("Jordan")

    # 3. The transfer.
    worker.get_by_role("link", name="Record the decision").click()
    worker.get_by_label("Transferred to the host school", exact=True).check()
    fill_date(worker, "Date of the decision", today)
    worker.get_by_role("button", name="Save").click()
    expect(worker.locator("main")).to_contain_text("Transferred to the host school")
    student.refresh_from_db()
    assert student.school == School.objects.get(name=HOST)
    move.refresh_from_db()
    assert move.decision == MoveDecision.TRANSFERRED

    # 4. The outcome report counts it, with Jordan still at the school of the referral.
    scope = Scope(partnership=alpha_vale)
    period = Period(today.year if today.month >= 9 else today.year - 1)
    facts = gather(scope=scope, period=period)
    moves = cut(MEASURES["managed_moves"], facts, breakdown("move_outcome", scope))
    assert moves.cell(("Transferred", TOTAL)).value == 1
    assert [f.school for f in facts] == [str(open_case.referral.school_id)]
    outcome_report(
        scope=scope, period=period, recipient=Recipient(Role.COORDINATOR), actor=coordinator.user
    )
    assert Release.objects.filter(measure="managed_moves").exists()
    # The two 404s the host was meant to get are the only errors.
    assert [e for e in browser_errors if "status of 404" not in e] == []
