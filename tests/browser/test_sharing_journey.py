"""Need to know in a real browser (P07, P08, P09, P14):

- the key worker records which organisation works with Jordan, and is told plainly why
  CAMHS cannot be recorded (the family did not agree to health);
- the provider's contact then finds Jordan, and only Jordan, and reads the record without
  the partnership's chronology or safeguarding;
- the parent sees in the portal that the provider looked at the record, and why;
- the provider's agreement lapses, and the next page the provider opens is a 404.
"""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.accounts.models import Role
from seip.organisations.models import DataSharingAgreement, PartnerOrganisation, Partnership
from seip.students.models import Student
from tests.browser.conftest import (
    Account,
    FamilyAccount,
    assert_accessible,
    family_sign_in,
    make_account,
    require_playwright,
    screenshot,
    sign_in,
)
from tests.browser.test_progress_journey import PUPIL

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above


@pytest.fixture
def provider_contact(alpha_vale: Partnership) -> Account:
    return make_account(
        "pat.provider@bridgeway.test",
        "Pat Provider",
        Role.PROVIDER_CONTACT,
        organisation=PartnerOrganisation.objects.get(name="Bridgeway AP"),
    )


@pytest.mark.browser
@pytest.mark.promise("P08")
def test_an_involvement_opens_the_record_and_the_family_sees_who_looked(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    key_worker: Account,
    provider_contact: Account,
    parent: FamilyAccount,
    with_history: Student,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    student = with_history
    record = f"{url}/students/{student.pk}/"

    # The provider knows nothing of Jordan yet.
    provider = person_page("provider")
    sign_in(provider, url, provider_contact)
    provider.goto(url + "/students/")
    expect(provider.locator("main")).not_to_contain_text("Jordan")

    # 1. The key worker records the involvement; CAMHS is refused with the reason.
    worker = person_page("key worker")
    sign_in(worker, url, key_worker)
    worker.goto(record)
    expect(worker.get_by_role("heading", name="Organisations working with Jordan")).to_be_visible()
    worker.get_by_role("link", name="Record an organisation working with Jordan").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text(
        "Record an organisation working with this student"
    )
    worker.get_by_label("Organisation", exact=True).select_option(label="County CAMHS")
    worker.get_by_label("What they do with this student", exact=True).fill("CAMHS assessment")
    worker.get_by_role("button", name="Save").click()
    summary = worker.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "The family has not agreed to share information with health organisations"
    )
    assert_accessible(worker, "the involvement form with a refusal")
    screenshot(worker, "sharing-01-involvement-refused")

    worker.get_by_label("Organisation", exact=True).select_option(label="Bridgeway AP")
    worker.get_by_label("What they do with this student", exact=True).fill(
        "Two days a week at the farm site"
    )
    worker.get_by_role("button", name="Save").click()
    expect(worker).to_have_url(record)
    row = worker.get_by_role("row").filter(has_text="Bridgeway AP")
    expect(row).to_contain_text("Two days a week at the farm site")
    expect(row).to_contain_text("Active")
    assert_accessible(worker, "the student page with an involvement")
    screenshot(worker, "sharing-02-involvement-active")

    # 2. The provider now finds Jordan and reads the record, without the team's own parts.
    provider.goto(url + "/students/")
    provider.get_by_role("link", name=re.compile("Jordan")).click()
    expect(provider).to_have_url(record)
    expect(provider.get_by_role("heading", level=1)).to_have_text(PUPIL)
    expect(provider.get_by_role("link", name="View the chronology of case notes")).to_have_count(0)
    expect(provider.locator("main")).not_to_contain_text("Organisations working with")
    assert_accessible(provider, "the record as the provider sees it")
    screenshot(provider, "sharing-03-provider-reads")

    # 3. The parent sees who looked, and why.
    family = person_page("parent")
    family.goto(url + "/")
    family_sign_in(family, url, parent)
    family.goto(f"{url}/portal/{student.pk}/")
    family.get_by_role("link", name="Who has seen or received Jordan's record").click()
    expect(family.get_by_role("heading", level=1)).to_have_text(
        "Who has seen or received Jordan's record"
    )
    log = family.get_by_role("table")
    expect(log).to_contain_text("Bridgeway AP")
    expect(log).to_contain_text("Looked at the record")
    expect(log).to_contain_text("Two days a week at the farm site")
    expect(log).to_contain_text(f"{timezone.localdate():%-d %b %Y}")
    assert_accessible(family, "the family's disclosure log")
    screenshot(family, "sharing-04-family-disclosure-log")

    # 4. The agreement lapses: the provider's next page is the plain 404.
    DataSharingAgreement.objects.filter(organisation__name="Bridgeway AP").update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    response = provider.goto(record)
    assert response is not None
    assert response.status == 404
    expect(provider.get_by_role("heading", level=1)).to_have_text("Page not found")
    missing = [e for e in browser_errors if "404" not in e]
    assert missing == []
