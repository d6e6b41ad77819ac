"""The parent's working day: from the home page, by links only, find the next review
date and the plan, then raise a concern with the Data Protection Officer (issue 19)."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.concerns.models import Concern
from seip.progress.selectors import reviews_due
from seip.records.services import plan_create, target_add
from tests.browser.conftest import (
    Account,
    FamilyAccount,
    OpenCase,
    assert_accessible,
    family_sign_in,
    require_playwright,
    screenshot,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

pytestmark = pytest.mark.browser


@pytest.mark.promise("P03")
def test_parent_finds_the_next_review_and_raises_a_concern(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    open_case: OpenCase,
    key_worker: Account,
    parent: FamilyAccount,
) -> None:
    plan = plan_create(student=open_case.student, actor=key_worker.user)
    target_add(
        plan=plan,
        domain="attendance",
        description="In school by 8.45 every morning",
        measure="Attendance above 92% this half term",
        due_on=timezone.localdate() + dt.timedelta(days=42),
        actor=key_worker.user,
    )
    due = reviews_due(key_worker.user)[0].next.due_on
    url = live_server.url
    page = person_page("parent")
    page.goto(url + "/")
    family_sign_in(page, url, parent)
    expect(page).to_have_url(url + "/")

    page.get_by_role("link", name="See progress").click()
    page.get_by_role("link", name="Jordan Example").click()
    main = page.locator("main")
    expect(main).to_contain_text("Jordan's support")
    expect(main).to_contain_text(key_worker.user.get_full_name())
    expect(main).to_contain_text(f"{due:%-d %B %Y}")
    expect(main).to_contain_text("In school by 8.45 every morning")
    assert_accessible(page, "the family's progress page with the plan")
    screenshot(page, "working-day-parent-01-plan")

    page.get_by_role(
        "link", name="Raise a concern with the partnership's data protection officer"
    ).click()
    page.get_by_label("What happened?", exact=True).fill(
        "A letter about my son went to the wrong address."
    )
    assert_accessible(page, "the family's concern form")
    page.get_by_role("button", name="Send the concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern sent")
    assert Concern.objects.filter(partnership=open_case.student.partnership).count() == 1
