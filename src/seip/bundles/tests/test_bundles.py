import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.bundles import output, services
from seip.bundles.assemble import assemble
from seip.bundles.models import AccessBundle, Decision, Exemption, Flag
from seip.bundles.schema import PORTABILITY_NOTICE, TABLES
from seip.bundles.tests.conftest import PLAIN_WORDS, REDACTED_WORDS, WITHHELD_WORDS
from seip.core.tests.pdfcheck import assert_tagged, pdf_text
from seip.records import services as records
from seip.rights.models import RequestType, Status
from seip.rights.services import rights_request_portal
from seip.rights.tests.conftest import make_request

DOCS = Path(__file__).resolve().parents[4] / "docs" / "export-schema.md"


def _decide_all(bundle, actor, notes):
    """Withhold the note naming Priya, redact the one naming Alex, release the rest."""
    for item in bundle.items.all():
        kwargs = {"decision": Decision.RELEASE, "reason": "Nothing to hold back"}
        if item.key == ("case_notes", notes["withheld"].pk):
            kwargs = {"decision": Decision.WITHHOLD, "exemption": Exemption.THIRD_PARTY,
                      "reason": "About a relative"}  # fmt: skip
        elif item.key == ("case_notes", notes["redacted"].pk):
            kwargs = {"decision": Decision.REDACT, "replacement": "A note about a neighbour.",
                      "reason": "Names a neighbour"}  # fmt: skip
        services.flagged_item_decide(item=item, actor=actor, **kwargs)


def _zip(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.promise("P18")
def test_the_bundle_holds_everything_about_the_child(access_request, personas, history):
    data = assemble(access_request.student, personas["coordinator"])
    texts = {row["text"] for row in data.tables["case_notes"]}
    assert {WITHHELD_WORDS, REDACTED_WORDS, PLAIN_WORDS} <= texts
    assert data.tables["safeguarding_concerns"][0]["details"] == "Came to school hungry"
    consent = data.tables["consents"][0]
    assert consent["notice_version"] >= 1
    assert len(consent["notice_sha256"]) == 64
    assert consent["form_file"] in {f.path for f in data.files}
    assert any(f.content == b"the attendance plan" for f in data.files)
    assert data.tables["needs"] is not None
    assert data.tables["contacts"]
    log = data.tables["access_log"]
    assert any(
        row["who"] == "Coordinator Person" and row["what"] == "profile"
        and "Co-ordinator" in row["role"] and "Alpha Vale SEIP" in row["organisation"]
        for row in log
    )  # fmt: skip
    assert {table.key for table in TABLES} == set(data.tables)


def test_assembly_takes_the_same_number_of_queries_however_long_the_history(
    access_request, personas, student
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assemble(student, personas["coordinator"])
        return len(queries)

    before = count()
    for day in range(5):
        records.note_add(
            student=student, kind="meeting", happened_on=timezone.localdate(), text=f"Note {day}",
            attachments=[records.Upload("a.txt", "text/plain", b"x")],
            actor=personas["key_worker"],
        )  # fmt: skip
    assert count() == before


@pytest.mark.promise("P18")
def test_third_parties_safeguarding_and_files_are_flagged(access_request, personas, history):
    bundle = services.bundle_prepare(request=access_request, actor=personas["coordinator"])
    flagged = {item.key: item.flags for item in bundle.items.all()}
    assert flagged[("case_notes", history["withheld"].pk)] == [Flag.THIRD_PARTY]  # "Priya"
    assert flagged[("case_notes", history["redacted"].pk)] == [Flag.THIRD_PARTY]  # a contact
    assert ("case_notes", history["plain"].pk) not in flagged
    kinds = {key[0] for key in flagged}
    assert {"contacts", "carers", "safeguarding_concerns", "attachments"} <= kinds
    concern = next(flags for key, flags in flagged.items() if key[0] == "safeguarding_concerns")
    assert Flag.SAFEGUARDING in concern


@pytest.mark.promise("P18")
def test_release_waits_for_every_decision_and_is_built_from_them(access_request, personas, history):
    coordinator = personas["coordinator"]
    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    with pytest.raises(ValidationError, match="still to decide"):
        services.bundle_release(bundle=bundle, actor=coordinator)
    _decide_all(bundle, coordinator, history)
    bundle = services.bundle_release(bundle=bundle, actor=coordinator)

    pdf = services.release_download(bundle=bundle, fmt="pdf", actor=personas["parent"])
    files = _zip(services.release_download(bundle=bundle, fmt="zip", actor=personas["parent"]))
    assert pdf.startswith(b"%PDF")
    everything = b"".join(files.values()) + pdf_text(pdf).encode()
    assert WITHHELD_WORDS.encode() not in everything
    assert REDACTED_WORDS.encode() not in everything
    assert b"A note about a neighbour." in files["record.json"]
    assert PLAIN_WORDS.encode() in files["case_notes.csv"]
    document = json.loads(files["record.json"])
    assert any("withheld under DPA 2018 Schedule 2 paragraph 16" in line
               for line in document["metadata"]["withheld"])  # fmt: skip
    assert {"README.txt", "record.json", "case_notes.csv", "access_log.csv"} <= set(files)

    # Stored sealed under the student's key, with the SHA-256 of what was released.
    with default_storage.open(bundle.pdf_file, "rb") as handle:
        assert not handle.read().startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == bundle.pdf_sha256
    access_request.refresh_from_db()
    assert access_request.status == Status.COMPLETED


def test_decisions_are_audited_without_personal_content(access_request, personas, history):
    coordinator = personas["coordinator"]
    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    _decide_all(bundle, coordinator, history)
    events = AuditEvent.objects.filter(action="bundles.decide")
    assert events.count() == bundle.items.count()
    for event in events:
        assert set(event.detail) == {"item_type", "item_id", "decision"}
    assert "neighbour" not in json.dumps([e.detail for e in AuditEvent.objects.all()])
    item = bundle.items.get(item_type="case_notes", item_id=history["redacted"].pk)
    assert b"neighbour" not in bytes(item.replacement_encrypted)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"decision": Decision.RELEASE, "reason": ""}, "reason"),
        ({"decision": Decision.REDACT, "reason": "x", "replacement": " "}, "replacement"),
        ({"decision": Decision.WITHHOLD, "reason": "x"}, "exemption"),
    ],
)
def test_a_decision_needs_its_reason_text_or_exemption(access_request, personas, kwargs, field):
    bundle = services.bundle_prepare(request=access_request, actor=personas["coordinator"])
    with pytest.raises(ValidationError) as error:
        services.flagged_item_decide(
            item=bundle.items.first(), actor=personas["coordinator"], **kwargs
        )
    assert field in error.value.message_dict


def test_only_handlers_prepare_and_nothing_is_released_before_the_checks(
    county, student, history, personas
):
    with pytest.raises(PermissionDenied):
        services.bundle_prepare(
            request=make_request(
                partnership=county.a, student=student, actor=personas["coordinator"]
            ),
            actor=personas["key_worker"],
        )
    request = make_request(
        partnership=county.a, student=student, actor=personas["coordinator"],
        type=RequestType.ACCESS, identity=True,
    )  # fmt: skip
    bundle = services.bundle_prepare(request=request, actor=personas["dpo"])
    _decide_all(bundle, personas["dpo"], history)
    with pytest.raises(ValidationError, match="parental responsibility"):
        services.bundle_release(bundle=bundle, actor=personas["dpo"])
    assert not AccessBundle.objects.get(pk=bundle.pk).is_released


def test_an_item_added_after_preparing_must_be_decided_too(access_request, personas, history):
    coordinator = personas["coordinator"]
    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    _decide_all(bundle, coordinator, history)
    records.note_add(
        student=access_request.student, kind="meeting", happened_on=timezone.localdate(),
        text="Met Priya again", actor=personas["key_worker"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="changed"):
        services.bundle_release(bundle=bundle, actor=coordinator)
    assert services.bundle_refresh(bundle=bundle, actor=coordinator) == 1


@pytest.mark.promise("P18")
def test_only_the_requester_downloads_the_release(access_request, personas, history):
    coordinator = personas["coordinator"]
    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    _decide_all(bundle, coordinator, history)
    services.bundle_release(bundle=bundle, actor=coordinator)
    for other in ("student", "key_worker", "coordinator"):
        with pytest.raises(PermissionDenied):
            services.release_download(bundle=bundle, fmt="zip", actor=personas[other])
    services.release_download(bundle=bundle, fmt="zip", actor=personas["parent"])
    event = AuditEvent.objects.get(action="rights.release.download")
    assert event.actor == personas["parent"]
    assert event.detail["format"] == "zip"


@pytest.mark.promise("P21")
def test_portability_is_a_documented_export_marked_voluntary(linked, history, personas):
    request = rights_request_portal(
        student=linked, type=RequestType.PORTABILITY, details="", actor=personas["parent"]
    )
    coordinator = personas["coordinator"]
    bundle = services.bundle_prepare(request=request, actor=coordinator)
    _decide_all(bundle, coordinator, history)
    bundle = services.bundle_release(bundle=bundle, actor=coordinator)
    assert bundle.pdf_file == ""  # the machine-readable copy only
    files = _zip(services.release_download(bundle=bundle, fmt="zip", actor=personas["parent"]))
    readme = files["README.txt"].decode()
    metadata = json.loads(files["record.json"])["metadata"]
    assert PORTABILITY_NOTICE in readme
    assert metadata["basis"] == PORTABILITY_NOTICE
    assert "Article 20(3)" in readme
    assert metadata["voluntary"] is True
    for table in TABLES:
        header = files[f"{table.key}.csv"].decode("utf-8-sig").splitlines()[0]
        assert header.split(",") == table.names


@pytest.mark.promise("P21")
def test_the_schema_document_describes_every_table_and_column():
    text = DOCS.read_text(encoding="utf-8")
    for table in TABLES:
        assert f"`{table.key}.csv`" in text, table.key
        for column in table.columns:
            assert f"| `{column.name}` | {column.type} |" in text, (table.key, column.name)


def test_the_pdf_numbers_its_pages(access_request, personas, history):
    pdf = output.render_pdf(assemble(access_request.student, personas["coordinator"]))
    pages = pdf_text(pdf).split("\f")
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert "Alpha Vale SEIP" in page


@pytest.mark.promise("P18")
def test_the_pdf_is_tagged(access_request, personas, history):
    """ADR 0043: every table of the record a heading; tables with header cells."""
    from seip.bundles.schema import TABLES

    bundle = assemble(access_request.student, personas["coordinator"])
    student = bundle.tables["student"][0]
    roles = assert_tagged(
        output.render_pdf(bundle),
        title=f"Information held about {student['first_name']} {student['last_name']}",
    )
    assert roles["/H1"] == 1
    assert roles["/H2"] >= len(TABLES)
    assert roles["/Table"] >= 3
    assert roles["/TH"] >= roles["/Table"]


@pytest.mark.promise("P18")
def test_the_pdf_reads_as_words_not_database_values(access_request, personas, history):
    """A family reads dates in words, Yes and No, and no row ids; the JSON and CSV keep
    the machine forms for portability."""
    import re

    bundle = assemble(access_request.student, personas["coordinator"])
    text = pdf_text(output.render_pdf(bundle))
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), "an ISO date in the PDF"
    assert "True" not in text
    assert "False" not in text
    assert not re.search(r"(?m)^\s*(Id|Student id|Referral id)\b", text)
    student = bundle.tables["student"][0]
    born = dt.date.fromisoformat(str(student["date_of_birth"]))
    assert f"{born:%-d %B %Y}" in text
