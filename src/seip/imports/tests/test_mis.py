"""MIS attendance CSV: mapping remembered per school, the same consent, source and
atomicity rules as the CTF import."""

import datetime as dt
import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from seip.attendance.marks import decode, slot
from seip.attendance.models import AttendanceYear
from seip.audit.models import AuditEvent
from seip.imports.fixtures import make_upn
from seip.imports.mis import (
    attendance_csv_import,
    attendance_csv_preview,
    parse_mapping,
    read_attendance_csv,
)
from seip.imports.models import ColumnMapping
from seip.imports.services import Outcome
from seip.imports.validation import ImportValidationError
from seip.keys.fields import indexed
from seip.students.sources import SourceKind

MAPPING = {"upn": "Adno UPN", "date": "Date", "am": "AM", "pm": "PM"}
UNREFERRED = make_upn("855", "4001", 19, 654)


def _csv(*rows: str) -> io.BytesIO:
    return io.BytesIO(("Adno UPN,Date,AM,PM\n" + "\n".join(rows) + "\n").encode())


ROWS = (
    "B801200005001,2025-09-08,/,\\",
    "B801200005001,09/09/2025,I01,I",
    f"{UNREFERRED},2025-09-08,N,N",
    "B801200005001,2025-09-10,C1,",
)


def _import(county, personas, *rows, **kwargs):
    kwargs.setdefault("columns", MAPPING)
    return attendance_csv_import(
        source=_csv(*rows),
        school=county.school_a,
        actor=personas["coordinator"],
        file_name="sims-attendance.csv",
        **kwargs,
    )


def _mark(row, day, session):
    code = decode(row.marks[slot(2025, day, session)])
    return code.code if code else None


@pytest.mark.promise("P11")
def test_marks_are_merged_with_their_source(student, county, personas):
    report = _import(county, personas, *ROWS)
    assert report.applied
    assert (report.count(Outcome.IMPORTED), report.count(Outcome.NOT_REFERRED)) == (1, 1)
    row = AttendanceYear.objects.get(student=student, academic_year=2025)
    assert _mark(row, dt.date(2025, 9, 8), 0) == "/"
    assert _mark(row, dt.date(2025, 9, 9), 0) == "I"  # the SIMS sub-code I01
    assert _mark(row, dt.date(2025, 9, 10), 0) == "C1"
    assert _mark(row, dt.date(2025, 9, 10), 1) is None
    assert (row.source_kind, row.source_note) == (
        SourceKind.SCHOOL_IMPORT,
        "MIS CSV sims-attendance.csv",
    )
    assert row.source_organisation == county.school_a.organisation


def test_the_same_file_twice_changes_nothing(student, county, personas):
    _import(county, personas, *ROWS)
    events = AuditEvent.objects.count()
    report = _import(county, personas, *ROWS)
    assert report.count(Outcome.UNCHANGED) == 1
    assert AuditEvent.objects.count() == events + 2  # the mapping and the import itself


def test_the_mapping_is_remembered_for_the_school(student, county, personas):
    _import(county, personas, *ROWS)
    assert ColumnMapping.objects.get(school=county.school_a).columns == MAPPING
    report = _import(county, personas, *ROWS, columns=None)
    assert report.count(Outcome.UNCHANGED) == 1


def test_without_a_mapping_the_first_file_is_refused(student, county, personas):
    with pytest.raises(ImportValidationError, match="No column mapping"):
        _import(county, personas, *ROWS, columns=None)


def test_a_missing_column_names_the_columns_the_file_has(student, county, personas):
    with pytest.raises(ImportValidationError, match=r"no column 'Session'.*'Adno UPN'"):
        _import(county, personas, *ROWS, columns={**MAPPING, "am": "Session"})


def test_a_bad_mapping_is_refused():
    with pytest.raises(ImportValidationError, match="missing: pm"):
        parse_mapping("upn=UPN,date=Date,am=AM", "attendance")


@pytest.mark.promise("P25")
def test_an_unreferred_pupil_leaves_no_trace(student, county, personas, caplog):
    caplog.set_level(logging.DEBUG)
    report = _import(county, personas, *ROWS)
    preview = attendance_csv_preview(
        _csv(*ROWS), school=county.school_a, columns=MAPPING, actor=personas["coordinator"]
    )
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    # The referred pupil is there (as a sealed UPN and its blind index): a real check.
    assert indexed("upn", "B801200005001") in dump.getvalue()
    assert indexed("upn", UNREFERRED) not in dump.getvalue()
    assert "referred: no" in preview[3]
    for text in (dump.getvalue(), caplog.text, "\n".join(report.lines()), "\n".join(preview)):
        assert UNREFERRED not in text


def test_a_file_with_errors_changes_nothing_unless_valid_only(student, county, personas):
    bad = (*ROWS, f"{UNREFERRED},2025-09-09,Q9,", "B801200005001,2025-13-01,/,\\")
    report = _import(county, personas, *bad)
    assert not report.applied
    assert AttendanceYear.objects.count() == 0
    assert report.rejected == [
        "row 6, column AM: “Q9” is not a code",
        "row 7, column Date (UPN B801200005001): This is not a date",
    ]
    valid = _import(county, personas, *bad, valid_only=True)
    assert valid.applied
    assert valid.count(Outcome.REJECTED) == 2
    assert AttendanceYear.objects.count() == 0


def test_a_session_in_the_future_rejects_that_pupil_whole(student, county, personas):
    future = dt.date.today() + dt.timedelta(days=3)  # noqa: DTZ011
    rows = (*ROWS, f"B801200005001,{future.isoformat()},/,\\")
    report = _import(county, personas, *rows, valid_only=True)
    assert report.count(Outcome.REJECTED) == 1
    assert "before the session" in report.rejected[0]
    assert AttendanceYear.objects.filter(student=student).count() == 0


def test_the_command_previews_then_imports(student, county, personas, tmp_path):
    path = tmp_path / "sims.csv"
    path.write_bytes(_csv(*ROWS).getvalue())
    common = ["--school", county.school_a.urn, "--as", personas["coordinator"].email]
    out = io.StringIO()
    call_command(
        "import", "csv", "attendance", str(path), "--preview",
        "--mapping", "upn=Adno UPN,date=Date,am=AM,pm=PM", *common, stdout=out,
    )  # fmt: skip
    assert "row 2: date 2025-09-08, am /, pm \\; referred: yes" in out.getvalue()
    assert AttendanceYear.objects.count() == 0
    with pytest.raises(CommandError, match="No column mapping"):
        call_command("import", "csv", "attendance", str(path), *common, stdout=out)
    out = io.StringIO()
    call_command(
        "import", "csv", "attendance", str(path),
        "--mapping", "upn=Adno UPN,date=Date,am=AM,pm=PM", *common,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "imported: 1" in out.getvalue()


def test_the_command_stores_a_neutral_label_never_the_files_name(
    student, county, personas, tmp_path
):
    """A file's own name can name a pupil: the command line stores the label the web
    upload stores (``file_label``), in the marks' source and the printed report."""
    path = tmp_path / "marnie-quelch-obadiah.CSV"
    path.write_bytes(_csv(*ROWS).getvalue())
    out = io.StringIO()
    call_command(
        "import", "csv", "attendance", str(path), "--school", county.school_a.urn,
        "--mapping", "upn=Adno UPN,date=Date,am=AM,pm=PM",
        "--as", personas["coordinator"].email, stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    label = f"Attendance CSV upload (.csv) of {timezone.localdate().isoformat()}"
    row = AttendanceYear.objects.get(student=student, academic_year=2025)
    assert row.source_note == f"MIS CSV {label}"
    assert label in out.getvalue()
    assert "quelch" not in out.getvalue().lower()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_only_ever_raise_the_validation_error(data):
    try:
        parsed = read_attendance_csv(io.BytesIO(b"Adno UPN,Date,AM,PM\n" + data), columns=MAPPING)
    except ImportValidationError as exc:
        message = str(exc)
    else:
        message = "read"
        assert all(problem.path.startswith("row ") for problem in parsed.errors)
    assert message
