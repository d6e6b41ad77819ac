"""MIS CSV imports: session attendance marks (issue 7).

SIMS, Arbor and Bromcom export CSV with no published column specification, so the user
maps columns to fields once per school (:class:`~seip.imports.models.ColumnMapping`),
and the mapping is remembered. The rules are the CTF import's
(:mod:`seip.imports.services`):

- the whole file is read and checked first (size cap, every row's UPN, date and marks);
  a file with problems changes nothing unless ``valid_only``;
- the reader turns the file into the typed facts every reader produces (each pupil's
  days of session marks), and the one pipeline (:mod:`seip.imports.pipeline`) does the
  rest: a row's pupil is matched by UPN (the file carries no names to queue on); a pupil
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.db import transaction

from seip.accounts.models import User
from seip.attendance.codes import UnknownCode, lookup
from seip.audit.services import audit_record
from seip.imports.applier import Part, SessionsPart
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.imports.facts import FileFacts, PupilFacts
from seip.imports.models import ColumnMapping, MappingKind
from seip.imports.permissions import ensure_can_import
from seip.imports.pipeline import Format, import_facts
from seip.imports.report import ImportReport
from seip.imports.selectors import importable_by_upn
from seip.imports.validation import Checker, CtfRefused, ImportValidationError, Problem
from seip.organisations.models import School

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


class _Pupils:
    """The pupils of a CSV as it is read, one per UPN, in the order first seen."""

    def __init__(self, kind: str) -> None:
        self.read = FileFacts(kind=kind, pupils=[])
        self.index: dict[str, int] = {}

    def of(self, upn: str, row: int) -> tuple[PupilFacts, int]:
        if upn not in self.index:
            self.index[upn] = len(self.read.pupils)
            self.read.pupils.append(PupilFacts(where=f"Row {row}", position=row, upn=upn))
        index = self.index[upn]
        return self.read.pupils[index], index

    def problems(self, problems: list[Problem], index: int | None) -> None:
        self.read.problems += [(problem, index) for problem in problems]


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
) -> FileFacts:
    """Read and check an attendance CSV: one row per pupil and day, AM and PM marks."""
    with opened(source, max_bytes) as stream:
        return _read(stream, columns, max_bytes)


def _read(stream: IO[bytes], columns: dict[str, str], max_bytes: int) -> FileFacts:
    pupils = _Pupils(MappingKind.ATTENDANCE)
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
            _read_row(number, row, columns, pupils)
    except csv.Error as exc:
        raise CtfRefused(f"The file is not valid CSV: {type(exc).__name__}") from None
    pupils.read.columns = headings
    return pupils.read


def _read_row(number: int, row: dict[str, str], columns: dict[str, str], pupils: _Pupils) -> None:
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
        pupils.problems(check.errors, None)
        return
    pupil, index = pupils.of(upn.value, number)
    if day is not None and day in pupil.sessions and pupil.sessions[day] != tuple(marks):
        check.error(f"row {number}", f"{day:%-d %B %Y} is also on another row, with other marks")
    if not check.errors and day is not None:
        pupil.sessions[day] = (marks[0], marks[1])
    pupil.errors += check.errors
    pupils.problems(check.errors, index)


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

    def remember() -> None:
        if columns is not None:
            column_mapping_save(
                school=school, kind=MappingKind.ATTENDANCE, columns=columns, actor=actor
            )

    return import_facts(
        parsed,
        fmt=csv_format(MappingKind.ATTENDANCE, mapping, file_name, lambda: [SessionsPart()]),
        school=school,
        actor=actor,
        report=report,
        detail={"kind": MappingKind.ATTENDANCE, "valid_only": valid_only},
        valid_only=valid_only,
        progress=progress,
        before=remember,
    )


def csv_format(
    kind: str, mapping: dict[str, str], file_name: str, parts: Callable[[], list[Part]]
) -> Format:
    """How the pipeline reports and sources an MIS CSV of ``kind``."""
    return Format(
        action="imports.csv",
        parts=parts,
        describe=lambda problem, referred: _describe(
            problem, referred=referred, upn_column=mapping["upn"]
        ),
        note=f"MIS CSV {file_name}",
        kind=kind,
    )
