"""MIS CSV imports: session attendance marks (issue 7).

SIMS, Arbor and Bromcom export CSV with no published column specification, so the user
maps columns to fields once per school (:class:`~seip.imports.models.ColumnMapping`),
and the mapping is remembered. The rules are the CTF import's
(:mod:`seip.imports.services`):

- the whole file is read and checked first (size cap, every row's UPN, date and marks);
  a file with problems changes nothing unless ``valid_only``;
- a row's pupil is matched by UPN only (the file carries no names to queue on); a pupil
  with no student is skipped and counted as "not referred", with nothing about them
  stored, logged or reported (P25);
- each pupil's sessions are merged through ``attendance.attendance_record_sessions`` in
  their own savepoint, with the school, the file name and the date as the source (P11);
  sessions that already hold the same mark are not written again, so a second import of
  the same file changes nothing.

Behaviour incidents, suspensions and assessment results follow the same rules in
:mod:`seip.imports.mis_facts`.
"""

import csv
import datetime as dt
import io
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.attendance.codes import UnknownCode, lookup
from seip.attendance.marks import encode, slot
from seip.attendance.models import AttendanceYear
from seip.attendance.services import attendance_record_sessions
from seip.audit.services import audit_record
from seip.core.calendar import academic_year as academic_year_of
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.imports.models import ColumnMapping, MappingKind
from seip.imports.permissions import ensure_can_import
from seip.imports.selectors import importable_by_upn, restricted_among
from seip.imports.services import (
    ImportReport,
    Outcome,
    Rollback,
    apply_atomically,
    refused_for_errors,
)
from seip.imports.validation import Checker, CtfRefused, ImportValidationError, Problem
from seip.organisations.models import School
from seip.students.models import Student
from seip.students.sources import SourceKind

#: The fields of each kind of file that every mapping must name.
FIELDS: dict[str, tuple[str, ...]] = {
    MappingKind.ATTENDANCE: ("upn", "date", "am", "pm"),
    MappingKind.BEHAVIOUR: ("upn", "date", "category", "severity", "description"),
    MappingKind.EXCLUSIONS: ("upn", "start_date", "type", "sessions", "reason_1"),
    MappingKind.ASSESSMENTS: ("upn", "subject", "date", "assessment", "scale", "grade"),
}
#: Fields a mapping may name when the school's export has them.
OPTIONAL: dict[str, tuple[str, ...]] = {
    MappingKind.EXCLUSIONS: ("reason_2", "reason_3"),
    MappingKind.ASSESSMENTS: ("target",),
}
#: Fields whose problems are reported without the value for a pupil who is not referred.
_IDENTIFYING = {"upn"}
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_mapping(text: str, kind: str) -> dict[str, str]:
    """``"upn=Adno UPN,date=Date,am=AM,pm=PM"`` -> a field-to-column mapping."""
    columns: dict[str, str] = {}
    for part in text.split(","):
        name, sep, column = part.partition("=")
        if not sep or not column.strip():
            raise ImportValidationError(f"“{part}” is not field=column")
        columns[name.strip().lower()] = column.strip()
    optional = OPTIONAL.get(kind, ())
    unknown = set(columns) - set(FIELDS[kind]) - set(optional)
    missing = set(FIELDS[kind]) - set(columns)
    if unknown or missing:
        also = f" (and optionally {', '.join(optional)})" if optional else ""
        raise ImportValidationError(
            f"A {kind} mapping needs the fields {', '.join(FIELDS[kind])}{also}"
            + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else "")
            + (f"; missing: {', '.join(sorted(missing))}" if missing else "")
        )
    return columns


def mapping_for(school: School, kind: str, given: dict[str, str] | None) -> dict[str, str]:
    """The mapping given, or the one remembered for this school."""
    if given is not None:
        return given
    stored = ColumnMapping.objects.filter(school=school, kind=kind).first()
    if stored is None:
        raise ImportValidationError(
            f"No column mapping is remembered for {school.name}; give one with --mapping"
        )
    return dict(stored.columns)


@transaction.atomic
def column_mapping_save(
    *, school: School, kind: str, columns: dict[str, str], actor: User
) -> ColumnMapping:
    """Remember a school's column mapping for the next file. Audited by field names only."""
    ensure_can_import(actor, school)
    mapping, _ = ColumnMapping.objects.update_or_create(
        school=school, kind=kind, defaults={"columns": columns, "updated_by": actor}
    )
    audit_record(actor=actor, action="imports.mapping.save", obj=mapping, detail={"kind": kind})
    return mapping


@dataclass
class _Pupil:
    upn: str
    first_row: int
    sessions: dict[dt.date, tuple[str | None, str | None]] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)


@dataclass
class AttendanceFile:
    columns: list[str]
    pupils: dict[str, _Pupil]
    errors: list[Problem]


def _date(value: str) -> dt.date | None:
    if match := _UK_DATE.match(value):
        day, month, year = (int(part) for part in match.groups())
        value = f"{year:04d}-{month:02d}-{day:02d}"
    if re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@contextmanager
def opened(source: str | os.PathLike[str] | IO[bytes], max_bytes: int) -> Iterator[IO[bytes]]:
    """A CSV given as a path or an open stream; a path over the size cap is refused before
    it is read (a stream is capped as it is read, by ``_rows``)."""
    if not isinstance(source, str | os.PathLike):
        yield source
        return
    if Path(source).stat().st_size > max_bytes:
        raise CtfRefused(
            f"The file is larger than the limit of {max_bytes // 2**20} MB and was refused"
        )
    with Path(source).open("rb") as stream:
        yield stream


def _rows(stream: IO[bytes], max_bytes: int) -> Iterator[dict[str, str]]:
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise CtfRefused(
            f"The file is larger than the limit of {max_bytes // 2**20} MB and was refused"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CtfRefused("The file is not UTF-8 text; export it again as CSV (UTF-8)") from None
    yield from csv.DictReader(io.StringIO(text, newline=""))


def read_attendance_csv(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    columns: dict[str, str],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> AttendanceFile:
    """Read and check an attendance CSV: one row per pupil and day, AM and PM marks."""
    with opened(source, max_bytes) as stream:
        return _read(stream, columns, max_bytes)


def _read(stream: IO[bytes], columns: dict[str, str], max_bytes: int) -> AttendanceFile:
    pupils: dict[str, _Pupil] = {}
    errors: list[Problem] = []
    rows = _rows(stream, max_bytes)
    headings: list[str] = []
    try:
        for number, row in enumerate(rows, start=2):  # row 1 is the headings
            if not headings:
                headings = list(row)
                missing = [c for c in columns.values() if c not in row]
                if missing:
                    raise CtfRefused(
                        f"The file has no column {', '.join(map(repr, missing))}; its columns "
                        f"are {', '.join(map(repr, headings))}"
                    )
            _read_row(number, row, columns, pupils, errors)
    except csv.Error as exc:
        raise CtfRefused(f"The file is not valid CSV: {type(exc).__name__}") from None
    return AttendanceFile(columns=headings, pupils=pupils, errors=errors)


def _read_row(
    number: int,
    row: dict[str, str],
    columns: dict[str, str],
    pupils: dict[str, _Pupil],
    errors: list[Problem],
) -> None:
    raw_upn = (row.get(columns["upn"]) or "").strip()
    check = Checker(None, raw_upn)
    upn = check.unique_pupil_number(f"row {number}, column {columns['upn']}", raw_upn)
    if upn is not None:
        check.pupil_upn = upn.value
    day = _date((row.get(columns["date"]) or "").strip())
    if day is None:
        check.error(f"row {number}, column {columns['date']}", "This is not a date")
    marks: list[str | None] = []
    for name in ("am", "pm"):
        value = (row.get(columns[name]) or "").strip()
        if not value:
            marks.append(None)
            continue
        try:
            marks.append(lookup(value).code)
        except UnknownCode:
            check.error(f"row {number}, column {columns[name]}", f"“{value}” is not a code")
            marks.append(None)
    if upn is None:
        errors += check.errors
        return
    pupil = pupils.setdefault(upn.value, _Pupil(upn=upn.value, first_row=number))
    if day is not None and day in pupil.sessions and pupil.sessions[day] != tuple(marks):
        check.error(f"row {number}", f"{day:%-d %B %Y} is also on another row, with other marks")
    if not check.errors and day is not None:
        pupil.sessions[day] = (marks[0], marks[1])
    pupil.errors += check.errors
    errors += check.errors


def _describe(problem: Problem, *, referred: bool, upn_column: str) -> str:
    """A row's problem for the report: with the UPN for a referred pupil; otherwise by
    row and column alone, and a bad UPN without its value (P25)."""
    if referred:
        return f"{problem.path} (UPN {problem.upn}): {problem.message}"
    if problem.path.endswith(f"column {upn_column}"):
        return f"{problem.path}: this value is not valid"
    return f"{problem.path}: {problem.message}"


def attendance_csv_preview(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    school: School,
    columns: dict[str, str] | None,
    actor: User,
    rows: int = 5,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[str]:
    """The first ``rows`` rows as the mapping reads them, to check the mapping before an
    import. Shows dates and marks and whether the row's pupil is referred, never a UPN
    or name (the file holds the whole school, P25). Writes nothing."""
    ensure_can_import(actor, school)
    mapping = mapping_for(school, MappingKind.ATTENDANCE, columns)
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as stream:
            found = list(_first_rows(stream, mapping, max_bytes, rows))
    else:
        found = list(_first_rows(source, mapping, max_bytes, rows))
    referred = set(importable_by_upn(school, actor, [upn for _, upn, _ in found]))
    lines = [", ".join(f"{name} = column {column!r}" for name, column in mapping.items())]
    for number, upn, values in found:
        shown = ", ".join(f"{name} {value or '(blank)'}" for name, value in values.items())
        lines.append(f"row {number}: {shown}; referred: {'yes' if upn in referred else 'no'}")
    return lines


def _first_rows(
    stream: IO[bytes], mapping: dict[str, str], max_bytes: int, count: int
) -> Iterator[tuple[int, str, dict[str, str]]]:
    for number, row in enumerate(_rows(stream, max_bytes), start=2):
        if number - 2 >= count:
            return
        upn = "".join((row.get(mapping["upn"]) or "").split()).upper()
        values = {
            name: (row.get(column) or "").strip()
            for name, column in mapping.items()
            if name != "upn"
        }
        yield number, upn, values


def attendance_csv_import(
    *,
    source: str | os.PathLike[str] | IO[bytes],
    school: School,
    actor: User,
    columns: dict[str, str] | None = None,
    file_name: str = "",
    valid_only: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import an MIS attendance CSV for ``school`` into the referred students' registers.

    ``columns`` maps the fields to the file's column headings; when given it is remembered
    for the school, when omitted the remembered one is used.
    """
    ensure_can_import(actor, school)
    if not file_name:
        file_name = Path(source).name if isinstance(source, str | os.PathLike) else "upload"
    mapping = mapping_for(school, MappingKind.ATTENDANCE, columns)
    parsed = read_attendance_csv(source, columns=mapping, max_bytes=max_bytes)
    report = ImportReport(
        file_name=file_name, school=school.name, version="MIS attendance CSV",
        pupils=len(parsed.pupils),
    )  # fmt: skip
    students = importable_by_upn(school, actor, parsed.pupils)
    referred_upns = set(students)
    for problem in parsed.errors:
        report.rejected.append(
            _describe(problem, referred=problem.upn in referred_upns, upn_column=mapping["upn"])
        )
    if refused_for_errors(
        report, sum(bool(p.errors) for p in parsed.pupils.values()), valid_only=valid_only
    ):
        return report

    def apply() -> None:
        if columns is not None:
            column_mapping_save(
                school=school, kind=MappingKind.ATTENDANCE, columns=columns, actor=actor
            )
        _apply(parsed, students, school, file_name, actor, report, valid_only, progress)

    return apply_atomically(
        report,
        school=school,
        actor=actor,
        action="imports.csv",
        detail={"kind": MappingKind.ATTENDANCE, "valid_only": valid_only},
        apply=apply,
    )


def _apply(
    parsed: AttendanceFile,
    students: dict[str, Student],
    school: School,
    file_name: str,
    actor: User,
    report: ImportReport,
    valid_only: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    restricted = restricted_among(list(students.values()))
    existing: dict[int, dict[int, str]] = defaultdict(dict)
    for row in AttendanceYear.objects.filter(
        student__in=list(students.values()), school=school
    ).only("student_id", "academic_year", "marks"):
        existing[row.student_id][row.academic_year] = row.marks
    total = len(parsed.pupils)
    for done, pupil in enumerate(parsed.pupils.values(), 1):
        student = students.get(pupil.upn)
        if pupil.errors:
            report.counts[Outcome.REJECTED] += 1
        elif student is None:
            report.counts[Outcome.NOT_REFERRED] += 1
        elif student.pk in restricted:
            report.not_imported(f"Row {pupil.first_row} (UPN {pupil.upn})")
        else:
            changed = _changed(pupil, existing[student.pk])
            if not changed:
                report.counts[Outcome.UNCHANGED] += 1
            else:
                try:
                    with transaction.atomic():
                        report.warnings += [
                            f"Row {pupil.first_row} (UPN {pupil.upn}): {warning}"
                            for warning in attendance_record_sessions(
                                student=student,
                                school=school,
                                marks=changed,
                                source_kind=SourceKind.SCHOOL_IMPORT,
                                source_note=f"MIS CSV {file_name}"[:200],
                                source_organisation=school.organisation,
                                obtained_on=timezone.localdate(),
                                actor=actor,
                            )
                        ][:5]
                except (ValidationError, PermissionDenied, IntegrityError) as exc:
                    reasons = [
                        f"Row {pupil.first_row} (UPN {pupil.upn}): {message}"
                        for message in getattr(exc, "messages", [str(exc)])
                    ]
                    if not valid_only:
                        raise Rollback(reasons) from None
                    report.rejected += reasons
                    report.counts[Outcome.REJECTED] += 1
                else:
                    outcome = Outcome.UPDATED if existing[student.pk] else Outcome.IMPORTED
                    report.counts[outcome] += 1
        if progress is not None:
            progress(done, total)


def _changed(pupil: _Pupil, years: dict[int, str]) -> dict[dt.date, tuple[str | None, str | None]]:
    """The sessions whose mark differs from what is stored (None leaves a session as it
    is), so the same file twice writes nothing."""
    changed: dict[dt.date, tuple[str | None, str | None]] = {}
    for day, marks in pupil.sessions.items():
        year = academic_year_of(day)
        stored = years.get(year)
        wanted: list[str | None] = []
        for session, code in enumerate(marks):
            if code is None:
                wanted.append(None)
                continue
            char = encode(lookup(code))
            same = stored is not None and stored[slot(year, day, session)] == char
            wanted.append(None if same else code)
        if wanted != [None, None]:
            changed[day] = (wanted[0], wanted[1])
    return changed
