"""The right of access in a real browser (P18):

- a parent asks the partnership, in the portal, for a copy of what it holds about Jordan;
- the co-ordinator records the parental-responsibility check and the child's view,
  prepares the access bundle and decides every flagged item in the redaction review
  (withholding the note about another child);
- the co-ordinator releases it, which completes the request;
- the parent downloads the bundle from the portal: a real PDF and a real zip, neither
  holding the withheld note.
"""

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from seip.core.tests.pdfcheck import pdf_text
from seip.records import services as records
from seip.rights.models import RightsRequest, Status
from seip.students.models import Student
from tests.browser.conftest import (
    Account,
    FamilyAccount,
    assert_accessible,
    family_sign_in,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

WITHHELD = "Priya told us her uncle shouts at home"
KEPT = "Attendance plan agreed with the school"


@pytest.mark.browser
@pytest.mark.promise("P18")
def test_a_parent_asks_for_access_and_downloads_the_reviewed_bundle(
    person_page: Callable[[str], Page],
    live_server: LiveServer,
    coordinator: Account,
    key_worker: Account,
    parent: FamilyAccount,
    with_history: Student,
    browser_errors: list[str],
) -> None:
    url = live_server.url
    student = with_history
    today = timezone.localdate()
    for text in (WITHHELD, KEPT):
        records.note_add(
            student=student, kind="meeting", happened_on=today, text=text,
            actor=key_worker.user,
        )  # fmt: skip

    # 1. The parent asks for a copy in the portal.
    family = person_page("parent")
    family.goto(url + "/")
    family_sign_in(family, url, parent)
    family.goto(url + "/portal/requests/new/")
    family.get_by_label("A copy of the information the partnership holds").check()
    assert_accessible(family, "the portal request form")
    family.get_by_role("button", name="Send the request").click()
    expect(family).to_have_url(url + "/portal/requests/")
    expect(family.get_by_role("table")).to_contain_text("Access (a copy of the record)")
    assert_accessible(family, "the family's requests")
    screenshot(family, "access-01-family-asks")
    request = RightsRequest.objects.get(student=student)

    # 2. The co-ordinator checks parental responsibility and records the child's view.
    staff = person_page("co-ordinator")
    sign_in(staff, url, coordinator)
    staff.goto(url + "/rights/")
    staff.get_by_role("link", name="Access (a copy of the record)").click()
    expect(staff).to_have_url(f"{url}/rights/{request.pk}/")
    assert_accessible(staff, "the rights request")
    staff.get_by_role("button", name="Parental responsibility and child's view").click()
    staff.get_by_label("How parental responsibility was checked").fill(
        "Named as mother with parental responsibility on the signed consent"
    )
    staff.get_by_label("We asked the child for their view").check()
    staff.get_by_label("The child's view", exact=False).fill(
        "Jordan is happy for his mum to see it"
    )
    staff.get_by_role("button", name="Save").click()
    expect(staff).to_have_url(f"{url}/rights/{request.pk}/")

    # 3. Prepare the bundle: third parties, safeguarding and files are flagged.
    staff.get_by_role("link", name="Prepare the access bundle and review redactions").click()
    assert_accessible(staff, "the access bundle before preparing")
    staff.get_by_role("button", name="Prepare the access bundle").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Access bundle")
    # Prepared in the background (issue 10): the page waits and refreshes itself. Rest the
    # browser on a page that does not refresh while the worker runs (the live server and
    # the worker must not share the test's one SQLite connection at once).
    expect(staff.get_by_role("status")).to_contain_text("Preparing the bundle")
    review_url = staff.url
    staff.goto(f"{url}/rights/{request.pk}/")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    staff.goto(review_url)
    undecided = staff.locator("main section").filter(
        has=staff.locator("summary", has_text="Decide this item")
    )
    expect(undecided.first).to_be_visible()
    expect(staff.locator("main")).to_contain_text(WITHHELD)
    assert_accessible(staff, "the redaction review")
    screenshot(staff, "access-02-redaction-review")

    # 4. Decide each flagged item: withhold the note about Priya, release the rest.
    withheld = 0
    for _ in range(50):
        if undecided.count() == 0:
            break
        item = undecided.first
        if WITHHELD in (item.text_content() or ""):
            item.get_by_label("Withhold, and say so in the bundle").check()
            item.get_by_label(
                "Withheld under (if withholding, with or without saying so)"
            ).select_option(
                label="DPA 2018 Schedule 2 paragraph 16 (information about another person)"
            )
            item.get_by_label("Reason for the decision").fill("About another child")
            withheld += 1
        else:
            # The replacement text is asked for only when redacting (conditional reveal).
            replacement = item.get_by_label("Text that replaces the content")
            expect(replacement).to_be_hidden()
            item.get_by_label("Redact: replace the content with a text").check()
            expect(replacement).to_be_visible()
            item.get_by_label("Release as it is").check()
            expect(replacement).to_be_hidden()
            item.get_by_label("Reason for the decision").fill("Nothing to hold back")
        item.get_by_role("button", name="Save the decision").click()
        expect(staff.get_by_role("heading", level=1)).to_have_text("Access bundle")
    assert withheld == 1
    assert_accessible(staff, "the redaction review, all decided")

    # 5. Release: the request is completed.
    staff.get_by_role("button", name="Release the bundle and complete the request").click()
    expect(staff.locator(".govuk-panel")).to_contain_text("Released")
    assert_accessible(staff, "the released bundle")
    screenshot(staff, "access-03-released")
    request.refresh_from_db()
    assert request.status == Status.COMPLETED

    # 6. The parent downloads the PDF and the zip from the portal.
    family.goto(url + "/portal/requests/")
    assert_accessible(family, "the family's requests with the download")
    with family.expect_download() as pdf_download:
        family.get_by_role("link", name="Download your copy (PDF)").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    with family.expect_download() as zip_download:
        family.get_by_role("link", name="Download the data (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(zip_download.value.path()).read_bytes()))
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Page 1 of" in text
    assert WITHHELD not in text
    files = {name: archive.read(name) for name in archive.namelist()}
    assert {"README.txt", "record.json", "case_notes.csv"} <= set(files)
    document = json.loads(files["record.json"])
    texts = [note["text"] for note in document["case_notes"]]
    assert KEPT in texts
    assert all(WITHHELD not in text for text in texts)
    assert not any(WITHHELD.encode() in content for content in files.values())
    assert document["metadata"]["withheld"]
    screenshot(family, "access-04-family-downloads")
    assert browser_errors == []
