"""A school contact imports the school's Common Transfer File in the browser (issue 7).

1. From the home page, "Import school data" opens the upload form (only their school).
2. They upload a CTF holding the referred pupil and two pupils who were never referred,
   asking for valid pupils only.
3. The import waits for the background worker: the page shows a progress bar and tells
   the browser to refresh itself every two seconds (no JavaScript needed).
4. The worker runs (``seip db_worker --batch``, the production backend and command, here
   in the test's own thread) and the page shows the report: the unreferred pupils are a
   count, "Not referred: 2", and their names, UPNs and contacts appear nowhere (P25).

Why the real worker rather than Django's ImmediateBackend: with the immediate backend the
upload would finish inside the request, and the page a user waits on would never be seen.
The worker runs while the browser rests on the upload page, so the live server and the
worker never use the test database's one SQLite connection at the same time.

axe-core checks each page.
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from seip.imports.fixtures import ContactSpec, PupilSpec, SchoolSpec, ctf_bytes, make_upn
from seip.imports.models import ImportKind, ImportRun, RunStatus, file_label
from seip.organisations.models import Partnership
from tests.browser.conftest import (
    Account,
    OpenCase,
    assert_accessible,
    require_playwright,
    screenshot,
    sign_in,
)

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402 - after the check above

UNREFERRED = (
    PupilSpec(
        upn=make_upn("855", "4001", 19, 901),
        forename="Persephone",
        surname="Ravenscroft",
        dob="2011-02-03",
        contacts=(ContactSpec(forename="Octavia", surname="Ravenscroft", phone="07700 900555"),),
    ),
    PupilSpec(upn=make_upn("855", "4001", 19, 902), forename="Bartholomew", surname="Quince"),
)
SECRETS = (
    "Persephone",
    "Ravenscroft",
    "Octavia",
    "Bartholomew",
    "Quince",
    *(pupil.upn for pupil in UNREFERRED),
)


@pytest.mark.browser
@pytest.mark.promise("P25")
def test_a_school_contact_imports_a_ctf(
    live_server: LiveServer,
    page: Page,
    browser_errors: list[str],
    alpha_vale: Partnership,
    open_case: OpenCase,
    school_contact: Account,
    tasks_in_the_database: None,
    tmp_path: Path,
) -> None:
    url = live_server.url
    school = alpha_vale.schools.select_related("local_authority").get(name="Alpha Academy")
    spec = SchoolSpec(
        lea=school.local_authority.la_code,
        estab=school.establishment_number,
        urn=school.urn,
        name=school.name,
    )
    ctf = tmp_path / f"{spec.lea}{spec.estab}_CTF.xml"
    ctf.write_bytes(ctf_bytes([PupilSpec(upn=open_case.student.upn), *UNREFERRED], school=spec))

    sign_in(page, url, school_contact)
    page.get_by_role("link", name="Import school data").click()
    expect(page).to_have_url(url + "/imports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import school data")
    school_choice = page.get_by_label("School", exact=True)
    expect(school_choice.locator("option")).to_have_text(["Alpha Academy"])
    assert_accessible(page, "the upload form")
    screenshot(page, "import-1-upload")

    page.get_by_label("Common Transfer File (CTF)", exact=True).check()
    page.get_by_label("File", exact=True).set_input_files(str(ctf))
    page.get_by_label("Import valid pupils only", exact=True).check()
    with page.expect_response(lambda r: "/imports/runs/" in r.url) as waiting:
        page.get_by_role("button", name="Import the file").click()
    assert waiting.value.headers.get("refresh") == "2"
    run_url = page.url
    # The run is named by a neutral label, never the file's own name (ADR 0035).
    expect(page.get_by_role("heading", level=1)).to_have_text(file_label(ImportKind.CTF, ctf.name))
    expect(page.get_by_role("status")).to_contain_text("Waiting to start")
    expect(page.locator("progress#import-progress")).to_be_visible()
    assert_accessible(page, "the waiting import")
    screenshot(page, "import-2-waiting")
    assert ImportRun.objects.get().status == RunStatus.QUEUED

    # Rest the browser on a page that does not refresh, then let the worker run.
    page.goto(url + "/imports/")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    assert ImportRun.objects.get().status == RunStatus.DONE

    finished = page.goto(run_url)
    assert finished is not None
    assert "refresh" not in finished.headers  # a finished run stops refreshing
    report = page.locator("#import-report")
    expect(report).to_be_visible()
    not_referred = report.locator(".govuk-summary-list__row", has_text="Not referred")
    expect(not_referred.locator("dd")).to_have_text("2")
    main = page.locator("main").inner_text()
    for secret in SECRETS:
        assert secret not in main
    assert_accessible(page, "the import report")
    screenshot(page, "import-3-report")
    assert not list((tmp_path / "data" / "imports").glob("*.enc")), "the upload was kept"
    assert browser_errors == []
