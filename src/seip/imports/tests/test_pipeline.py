"""One pipeline (issue 21; ADR 0051): every reader's facts go through the same matcher and
the same applier, under an import grant each write names in its audit event."""

import datetime as dt
import io

import pytest
from django.db import transaction
from django.utils import timezone

from seip.attendance.marks import sessions
from seip.attendance.models import AttendanceYear
from seip.audit.models import AuditEvent
from seip.imports.applier import SessionsPart
from seip.imports.ctf import read_ctf
from seip.imports.facts import FileFacts, PupilFacts
from seip.imports.fixtures import PupilSpec, ctf_bytes, make_upn, register, seeded
from seip.imports.matcher import Matcher
from seip.imports.mis import attendance_csv_import, read_attendance_csv
from seip.imports.pipeline import Format, import_facts
from seip.imports.report import ImportReport, Outcome
from seip.imports.services import ctf_facts, ctf_import

MAPPING = {"upn": "UPN", "date": "Date", "am": "AM", "pm": "PM"}
UNREFERRED = make_upn("855", "4001", 19, 777)
YEAR = 2024


class _Undo(Exception):
    """Leaves a test's savepoint, so the next import starts from the same record."""


def _ctf(school_spec) -> bytes:
    jordan = PupilSpec(years=(register(YEAR, seeded(5)),))
    return ctf_bytes(
        [jordan, PupilSpec(upn=UNREFERRED, forename="Zed", surname="Q")], school=school_spec
    )


def _csv_from(marks: str, upn: str) -> io.BytesIO:
    """The same year's marks as an MIS export writes them: a row a day, AM and PM."""
    days: dict[str, list[str]] = {}
    for day, session, code in sessions(YEAR, marks):
        if code is not None:
            days.setdefault(day.isoformat(), ["", ""])[session] = code.code
    rows = [f"{upn},{day},{am},{pm}" for day, (am, pm) in days.items()]
    rows.append(f"{UNREFERRED},{YEAR}-09-09,/,/")
    return io.BytesIO(("UPN,Date,AM,PM\n" + "\n".join(rows) + "\n").encode())


def _undone(run, student):
    """Run an import, note what it wrote, and undo it."""
    seen: dict[str, object] = {}
    first = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def note() -> None:
        with transaction.atomic():
            seen["report"] = run()
            seen["marks"] = AttendanceYear.objects.get(student=student, academic_year=YEAR).marks
            seen["events"] = list(
                AuditEvent.objects.filter(pk__gt=first)
                .order_by("pk")
                .values_list("action", "detail")
            )
            raise _Undo

    with pytest.raises(_Undo):
        note()
    return seen


def _writes_name_the_run(events, import_action, school):
    """Every write the import made names the run its own audit event names."""
    (run,) = [detail["import"] for action, detail in events if action == import_action]
    writes = [(a, d) for a, d in events if not a.startswith("imports.")]
    assert writes
    for action, detail in writes:
        assert (detail.get("import"), detail.get("import_school")) == (run, school.urn), action
    return [action for action, _ in writes]


def test_one_matcher_for_every_reader(student, county, personas, school_spec):
    ctf = ctf_facts(read_ctf(io.BytesIO(_ctf(school_spec))), timezone.localdate())
    rows = f"UPN,Date,AM,PM\n{student.upn},{YEAR}-09-09,/,/\n{UNREFERRED},{YEAR}-09-09,/,/\n"
    csv = read_attendance_csv(io.BytesIO(rows.encode()), columns=MAPPING)
    matcher = Matcher(county.school_a, personas["coordinator"])
    for read in (ctf, csv):
        matched, duplicates = matcher.match_all(read.pupils)
        assert duplicates == []
        assert {read.pupils[i].upn: s.pk for i, s in matched.items()} == {student.upn: student.pk}


@pytest.mark.promise("P25")
@pytest.mark.promise("P11")
def test_the_same_marks_from_a_ctf_and_a_csv_make_the_same_record(
    student, county, personas, school_spec
):
    contact = personas["school_contact"]
    by_ctf = _undone(
        lambda: ctf_import(source=io.BytesIO(_ctf(school_spec)), actor=contact), student
    )
    assert by_ctf["report"].count(Outcome.IMPORTED) == 1
    assert by_ctf["report"].count(Outcome.NOT_REFERRED) == 1
    by_csv = _undone(
        lambda: attendance_csv_import(
            source=_csv_from(by_ctf["marks"], student.upn),
            school=county.school_a,
            actor=contact,
            columns=MAPPING,
        ),
        student,
    )
    assert by_csv["report"].count(Outcome.IMPORTED) == 1
    assert by_csv["report"].count(Outcome.NOT_REFERRED) == 1
    assert by_csv["marks"] == by_ctf["marks"]
    assert by_csv["report"].students == by_ctf["report"].students == {student.upn: student.pk}
    _writes_name_the_run(by_ctf["events"], "imports.ctf", county.school_a)
    _writes_name_the_run(by_csv["events"], "imports.csv", county.school_a)


@pytest.mark.promise("P25")
def test_a_new_source_is_only_a_reader(student, county, personas):
    """An "MIS API" that hands over days of marks needs no matcher or applier of its own:
    the same facts make the same record and the same audit trail as the CSV."""
    coordinator = personas["coordinator"]
    days: dict[dt.date, tuple[str | None, str | None]] = {
        dt.date(YEAR, 9, 8): ("/", "\\"),
        dt.date(YEAR, 9, 9): ("I", "I"),
    }
    rows = [
        f"{upn},{day.isoformat()},{am},{pm}"
        for upn in (student.upn, UNREFERRED)
        for day, (am, pm) in days.items()
    ]
    by_csv = _undone(
        lambda: attendance_csv_import(
            source=io.BytesIO(("UPN,Date,AM,PM\n" + "\n".join(rows) + "\n").encode()),
            school=county.school_a,
            actor=coordinator,
            columns=MAPPING,
        ),
        student,
    )

    def from_api() -> ImportReport:
        read = FileFacts(
            kind="api",
            pupils=[
                PupilFacts(where="Record 1", position=1, upn=student.upn, sessions=dict(days)),
                PupilFacts(where="Record 2", position=2, upn=UNREFERRED, sessions=dict(days)),
            ],
        )
        return import_facts(
            read,
            fmt=Format(
                action="imports.csv",
                parts=lambda: [SessionsPart()],
                describe=lambda problem, referred: problem.message,
                note="MIS API",
            ),
            school=county.school_a,
            actor=coordinator,
            report=ImportReport(file_name="api", school=county.school_a.name, pupils=2),
            detail={"kind": "api"},
            valid_only=False,
        )

    by_api = _undone(from_api, student)
    assert by_api["marks"] == by_csv["marks"]
    assert by_api["report"].counts == by_csv["report"].counts
    assert by_api["report"].count(Outcome.NOT_REFERRED) == 1
    assert _writes_name_the_run(
        by_api["events"], "imports.csv", county.school_a
    ) == _writes_name_the_run(by_csv["events"], "imports.csv", county.school_a)
