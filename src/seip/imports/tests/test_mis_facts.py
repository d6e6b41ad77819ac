"""MIS CSV imports of behaviour incidents, suspensions and assessment results: the same
mapping, consent (P25), source (P11), atomicity and idempotence rules as attendance."""

import io
import logging

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from seip.audit.models import AuditEvent
from seip.behaviour.models import AttainmentResult, Exclusion, Incident
from seip.imports.fixtures import make_upn
from seip.imports.mis_facts import facts_csv_import, facts_csv_preview, read_facts_csv
from seip.imports.models import ColumnMapping
from seip.imports.services import Outcome
from seip.imports.validation import ImportValidationError
from seip.keys.fields import indexed
from seip.students.sources import SourceKind

JORDAN = "B801200005001"
UNREFERRED = make_upn("855", "4001", 19, 888)

BEHAVIOUR = {
    "upn": "UPN",
    "date": "Incident Date",
    "category": "Type",
    "severity": "Level",
    "description": "Comments",
}
BEHAVIOUR_ROWS = (
    "UPN,Incident Date,Type,Level,Comments",
    f"{JORDAN},2025-10-01,Disruption,2,Left the lesson",
    f"{JORDAN},02/10/2025,verbal_abuse,1,Swore at a peer",
    f"{UNREFERRED},2025-10-01,Bullying,3,Bullied Ignatius Fairweather-Smythe",
)
EXCLUSIONS = {
    "upn": "UPN",
    "start_date": "Start",
    "type": "Category",
    "sessions": "Sessions",
    "reason_1": "Reason",
    "reason_2": "Reason 2",
}
EXCLUSION_ROWS = (
    "UPN,Start,Category,Sessions,Reason,Reason 2",
    f"{JORDAN},2025-11-03,FIXD,4,PA,VA",
    f"{UNREFERRED},2025-11-03,PERM,,DA,",
)
ASSESSMENTS = {
    "upn": "UPN",
    "subject": "Subject",
    "date": "Date",
    "assessment": "Point",
    "scale": "Scale",
    "grade": "Grade",
    "target": "Target",
}
ASSESSMENT_ROWS = (
    "UPN,Subject,Date,Point,Scale,Grade,Target",
    f"{JORDAN},Maths,2025-12-12,Autumn 2 2025/26,gcse,4,5",
    f"{JORDAN},History,2025-12-12,Autumn 2 2025/26,gcse,3,4",
    f"{UNREFERRED},English,2025-12-12,Autumn 2 2025/26,gcse,7,7",
)


def _csv(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(rows) + "\n").encode())


def _import(county, personas, kind, mapping, *rows, **kwargs):
    kwargs.setdefault("columns", mapping)
    return facts_csv_import(
        kind=kind,
        source=_csv(*rows),
        school=county.school_a,
        actor=kwargs.pop("actor", personas["coordinator"]),
        file_name=f"{kind}.csv",
        **kwargs,
    )


@pytest.mark.promise("P11")
def test_incidents_are_recorded_with_their_source(student, county, personas):
    report = _import(county, personas, "behaviour", BEHAVIOUR, *BEHAVIOUR_ROWS)
    assert report.applied, report.lines()
    assert (report.count(Outcome.IMPORTED), report.count(Outcome.NOT_REFERRED)) == (1, 1)
    incidents = Incident.objects.filter(student=student).order_by("occurred_on")
    assert [(i.category, i.severity) for i in incidents] == [
        ("disruption", 2),
        ("verbal_abuse", 1),
    ]
    first = incidents[0]
    assert (first.source_kind, first.source_note) == (
        SourceKind.SCHOOL_IMPORT,
        "MIS CSV behaviour.csv",
    )
    assert first.source_organisation == county.school_a.organisation


def test_the_same_file_twice_changes_nothing(student, county, personas):
    for kind, columns, rows in (
        ("behaviour", BEHAVIOUR, BEHAVIOUR_ROWS),
        ("exclusions", EXCLUSIONS, EXCLUSION_ROWS),
        ("assessments", ASSESSMENTS, ASSESSMENT_ROWS),
    ):
        _import(county, personas, kind, columns, *rows)
        events = AuditEvent.objects.count()
        report = _import(county, personas, kind, None, *rows)
        assert report.count(Outcome.UNCHANGED) == 1, kind
        assert AuditEvent.objects.count() == events + 1  # the import itself
    assert (Incident.objects.count(), Exclusion.objects.count()) == (2, 1)
    assert AttainmentResult.objects.count() == 2


def test_a_newer_file_corrects_a_suspension_and_a_result(student, county, personas):
    _import(county, personas, "exclusions", EXCLUSIONS, *EXCLUSION_ROWS)
    _import(county, personas, "assessments", ASSESSMENTS, *ASSESSMENT_ROWS)
    newer_exclusion = (EXCLUSION_ROWS[0], f"{JORDAN},2025-11-03,Suspension,6,PA,")
    newer_result = (ASSESSMENT_ROWS[0], f"{JORDAN},Maths,2025-12-12,Autumn 2 2025/26,gcse,5,5")
    assert (
        _import(county, personas, "exclusions", EXCLUSIONS, *newer_exclusion).count(Outcome.UPDATED)
        == 1
    )
    assert (
        _import(county, personas, "assessments", ASSESSMENTS, *newer_result).count(Outcome.UPDATED)
        == 1
    )
    exclusion = Exclusion.objects.get(student=student)
    assert (exclusion.sessions, exclusion.reason_codes) == (6, ["PA"])
    maths = AttainmentResult.objects.get(student=student, subject="maths")
    assert maths.grade == "5"
    assert AuditEvent.objects.filter(action="behaviour.exclusion.correct").count() == 1
    history = AttainmentResult.objects.get(student=student, subject="other")
    assert history.subject_other == "History"


def test_mapping_is_remembered_per_school_and_kind(student, county, personas):
    _import(county, personas, "behaviour", BEHAVIOUR, *BEHAVIOUR_ROWS)
    assert ColumnMapping.objects.get(school=county.school_a, kind="behaviour").columns == BEHAVIOUR
    with pytest.raises(ImportValidationError, match="No column mapping"):
        _import(county, personas, "assessments", None, *ASSESSMENT_ROWS)


@pytest.mark.promise("P25")
def test_an_unreferred_pupil_leaves_no_trace(student, county, personas, caplog):
    caplog.set_level(logging.DEBUG)
    texts = []
    for kind, columns, rows in (
        ("behaviour", BEHAVIOUR, BEHAVIOUR_ROWS),
        ("exclusions", EXCLUSIONS, EXCLUSION_ROWS),
        ("assessments", ASSESSMENTS, ASSESSMENT_ROWS),
    ):
        report = _import(county, personas, kind, columns, *rows)
        assert report.count(Outcome.NOT_REFERRED) == 1
        texts.append("\n".join(report.lines()))
        texts += facts_csv_preview(
            _csv(*rows), kind=kind, school=county.school_a, columns=None,
            actor=personas["coordinator"], rows=10,
        )  # fmt: skip
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    # The referred pupil is there (as a sealed UPN and its blind index): a real check.
    assert indexed("upn", JORDAN) in dump.getvalue()
    texts += [dump.getvalue(), caplog.text]
    for text in texts:
        assert UNREFERRED not in text
        assert "Ignatius" not in text
    assert Incident.objects.exclude(student=student).count() == 0


def test_each_problem_names_its_row_and_column(student, county, personas):
    rows = (
        *BEHAVIOUR_ROWS,
        f"{JORDAN},2025-10-31,Mischief,4,Did something",
        f"{UNREFERRED},3025-01-01,Disruption,1,Later",
        f"{UNREFERRED[:-1]}Z,2025-10-01,Disruption,1,A bad UPN",
    )
    report = _import(county, personas, "behaviour", BEHAVIOUR, *rows)
    assert not report.applied
    assert Incident.objects.count() == 0
    assert report.rejected == [
        f"row 5, column Type (UPN {JORDAN}): “Mischief” is not a category",
        f"row 5, column Level (UPN {JORDAN}): The severity is 1, 2 or 3",
        "row 6, column Incident Date: The date is in the future",
        "row 7, column UPN: this value is not valid",
    ]
    valid = _import(county, personas, "behaviour", BEHAVIOUR, *rows, valid_only=True)
    assert valid.applied
    # Jordan has a bad row, so none of Jordan's rows is imported: all or nothing per pupil.
    assert (valid.count(Outcome.REJECTED), Incident.objects.count()) == (2, 0)


def test_exclusion_reasons_are_dfe_codes(student, county, personas):
    rows = (EXCLUSION_ROWS[0], f"{JORDAN},2025-11-03,FIXD,0,XX,XX")
    report = _import(county, personas, "exclusions", EXCLUSIONS, *rows)
    assert report.rejected == [
        f"row 2, column Sessions (UPN {JORDAN}): A suspension lasts 1 to 90 sessions",
        f"row 2, column Reason (UPN {JORDAN}): “XX” is not a DfE reason code",
        f"row 2, column Reason 2 (UPN {JORDAN}): “XX” is not a DfE reason code",
    ]


def test_the_command_imports_every_kind(student, county, personas, tmp_path):
    common = ["--school", county.school_a.urn, "--as", personas["coordinator"].email]
    path = tmp_path / "results.csv"
    path.write_bytes(_csv(*ASSESSMENT_ROWS).getvalue())
    mapping = ",".join(f"{field}={column}" for field, column in ASSESSMENTS.items())
    out = io.StringIO()
    call_command(
        "import", "csv", "assessments", str(path), "--preview", "--mapping", mapping, *common,
        stdout=out,
    )  # fmt: skip
    assert "subject Maths, date 2025-12-12" in out.getvalue()
    assert AttainmentResult.objects.count() == 0
    out = io.StringIO()
    call_command(
        "import", "csv", "assessments", str(path), "--mapping", mapping, *common,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "imported: 1" in out.getvalue()
    assert "not referred: 1" in out.getvalue()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_only_ever_raise_the_validation_error(data):
    head = b"UPN,Start,Category,Sessions,Reason,Reason 2\n"
    try:
        parsed = read_facts_csv(io.BytesIO(head + data), kind="exclusions", columns=EXCLUSIONS)
    except ImportValidationError as exc:
        message = str(exc)
    else:
        message = "read"
        assert all(problem.path.startswith("row ") for problem in parsed.errors)
    assert message
