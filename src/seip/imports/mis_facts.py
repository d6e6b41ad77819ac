"""MIS CSV imports of behaviour incidents, suspensions and exclusions, and assessment
results (issue 7; P03, P11, P25).

The rules are those of the attendance CSV (:mod:`seip.imports.mis`) and the CTF import:

- the column mapping is given once and remembered for the school
  (:class:`~seip.imports.models.ColumnMapping`), and a preview shows the first rows as
  the mapping reads them;
- the whole file is read and checked first, and each problem names its row and column;
  a file with problems changes nothing unless ``valid_only``, and then each pupil is all
  or nothing (one savepoint per pupil);
- the reader turns each row into a typed fact (:mod:`seip.imports.facts`) and the one
  pipeline (:mod:`seip.imports.pipeline`) does the rest: a row's pupil is matched by UPN
  only; a pupil who is not referred is counted and dropped, and nothing about them is
  stored, logged or reported (P25);
- every fact goes through the behaviour app's services with the school, the file name
  and the date as its source (P11) (:class:`seip.imports.applier.FactsPart`);
- a fact already imported is recognised by its key (an incident by all its values; a
  suspension by its school, start date and type; a result by its subject and assessment
  point), so the same file twice changes nothing, and a newer file corrects a suspension
  or a result through the services' audited correction.
"""

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from seip.accounts.models import User
from seip.behaviour.codes import GRADES_BY_CODE, MAX_SUSPENSION_SESSIONS, REASONS_BY_CODE
from seip.behaviour.models import ExclusionKind, GradeScale, IncidentCategory, Severity, Subject
from seip.imports.applier import EXCLUSIONS, INCIDENTS, RESULTS, FactKind, FactsPart
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.imports.facts import ExclusionFact, FileFacts, IncidentFact, PupilFacts, ResultFact
from seip.imports.mis import (
    _date,
    _Pupils,
    _rows,
    column_mapping_save,
    csv_format,
    mapping_for,
    opened,
)
from seip.imports.models import MappingKind
from seip.imports.permissions import ensure_can_import
from seip.imports.pipeline import import_facts
from seip.imports.report import ImportReport
from seip.imports.selectors import importable_by_upn
from seip.imports.validation import Checker, CtfRefused
from seip.organisations.models import School
from seip.students.models import Student

#: The kinds this module imports, and what the report calls them.
KINDS: dict[str, str] = {
    MappingKind.BEHAVIOUR: "MIS behaviour CSV",
    MappingKind.EXCLUSIONS: "MIS exclusions CSV",
    MappingKind.ASSESSMENTS: "MIS assessments CSV",
}
#: Free text a preview never shows: it may name other children.
_FREE_TEXT = {"description"}
#: How MIS exports commonly write the type of an exclusion (DfE category codes included).
_EXCLUSION_KINDS: dict[str, str] = {
    "suspension": ExclusionKind.SUSPENSION,
    "fixed": ExclusionKind.SUSPENSION,
    "fixd": ExclusionKind.SUSPENSION,
    "fixed term": ExclusionKind.SUSPENSION,
    "permanent": ExclusionKind.PERMANENT,
    "perm": ExclusionKind.PERMANENT,
    "permanent exclusion": ExclusionKind.PERMANENT,
}


def _choice(value: str, choices: type[Any]) -> str | None:
    """A choice by its value or its label, case-insensitively."""
    wanted = value.strip().casefold()
    for choice_value, label in choices.choices:
        if wanted in (str(choice_value).casefold(), str(label).casefold()):
            return str(choice_value)
    return None


class _Row:
    """One row being checked: each problem names the row and the column."""

    def __init__(self, number: int, row: dict[str, str], columns: dict[str, str]) -> None:
        self.number, self.row, self.columns = number, row, columns
        self.check = Checker(None, "")

    def raw(self, name: str) -> str:
        column = self.columns.get(name)
        return (self.row.get(column) or "").strip() if column else ""

    def error(self, name: str, message: str) -> None:
        self.check.error(f"row {self.number}, column {self.columns[name]}", message)

    def date(self, name: str, today: dt.date) -> dt.date | None:
        day = _date(self.raw(name))
        if day is None:
            self.error(name, "This is not a date")
        elif day > today:
            self.error(name, "The date is in the future")
        return day

    def required(self, name: str) -> str:
        value = self.raw(name)
        if not value:
            self.error(name, "This is blank")
        return value


def _behaviour(row: _Row, today: dt.date) -> dict[str, Any]:
    category = _choice(row.required("category"), IncidentCategory)
    if category is None and row.raw("category"):
        row.error("category", f"“{row.raw('category')}” is not a category")
    severity = row.raw("severity")
    if severity not in {str(s.value) for s in Severity}:
        row.error("severity", "The severity is 1, 2 or 3")
    description = row.required("description")
    if len(description) > 300:
        row.error("description", "The description is longer than 300 characters")
    return {
        "occurred_on": row.date("date", today),
        "category": category,
        "severity": int(severity) if severity.isdigit() else None,
        "description": description,
    }


def _exclusions(row: _Row, today: dt.date) -> dict[str, Any]:
    kind = _EXCLUSION_KINDS.get(row.required("type").casefold())
    if kind is None and row.raw("type"):
        row.error("type", f"“{row.raw('type')}” is not suspension or permanent")
    sessions_text = row.raw("sessions")
    sessions: int | None = None
    if kind == ExclusionKind.SUSPENSION:
        if not sessions_text.isdigit() or not 1 <= int(sessions_text) <= MAX_SUSPENSION_SESSIONS:
            row.error("sessions", f"A suspension lasts 1 to {MAX_SUSPENSION_SESSIONS} sessions")
        else:
            sessions = int(sessions_text)
    elif kind == ExclusionKind.PERMANENT and sessions_text not in {"", "0"}:
        row.error("sessions", "A permanent exclusion has no number of sessions")
    reasons: list[str] = []
    for name in ("reason_1", "reason_2", "reason_3"):
        code = row.raw(name).upper()
        if name == "reason_1" and not code:
            row.error(name, "Give the main reason")
        elif code and code not in REASONS_BY_CODE:
            row.error(name, f"“{code}” is not a DfE reason code")
        elif code in reasons:
            row.error(name, "Give each reason only once")
        elif code:
            reasons.append(code)
    return {
        "start_date": row.date("start_date", today),
        "kind": kind,
        "sessions": sessions,
        "reasons": reasons,
    }


def _assessments(row: _Row, today: dt.date) -> dict[str, Any]:
    subject_text = row.required("subject")
    subject = _choice(subject_text, Subject) or (Subject.OTHER if subject_text else None)
    other = "" if subject != Subject.OTHER or subject_text.casefold() == "other" else subject_text
    if subject == Subject.OTHER and not other:
        row.error("subject", "Name the subject")
    scale = _choice(row.required("scale"), GradeScale)
    if scale is None and row.raw("scale"):
        row.error("scale", f"“{row.raw('scale')}” is not gcse or working_at")
    grades = GRADES_BY_CODE.get(scale or "", {})
    grade, target = row.required("grade"), row.raw("target")
    for name, value in (("grade", grade), ("target", target)):
        if value and scale is not None and value not in grades:
            row.error(name, f"“{value}” is not a grade on this scale")
    label = row.required("assessment")
    if len(label) > 60:
        row.error("assessment", "The assessment point is longer than 60 characters")
    return {
        "subject": subject,
        "subject_other": other[:80],
        "assessed_on": row.date("date", today),
        "assessment_label": label,
        "scale": scale,
        "grade": grade,
        "target_grade": target,
    }


_READERS: dict[str, Callable[[_Row, dt.date], dict[str, Any]]] = {
    MappingKind.BEHAVIOUR: _behaviour,
    MappingKind.EXCLUSIONS: _exclusions,
    MappingKind.ASSESSMENTS: _assessments,
}


def _add_incident(pupil: PupilFacts, values: dict[str, Any]) -> None:
    pupil.incidents.append(IncidentFact(**values))


def _add_exclusion(pupil: PupilFacts, values: dict[str, Any]) -> None:
    pupil.exclusions.append(ExclusionFact(**values))


def _add_result(pupil: PupilFacts, values: dict[str, Any]) -> None:
    pupil.results.append(ResultFact(**values))


#: Each kind's typed fact, and how the applier writes it.
_FACTS: dict[str, tuple[Callable[[PupilFacts, dict[str, Any]], None], FactKind]] = {
    MappingKind.BEHAVIOUR: (_add_incident, INCIDENTS),
    MappingKind.EXCLUSIONS: (_add_exclusion, EXCLUSIONS),
    MappingKind.ASSESSMENTS: (_add_result, RESULTS),
}


def read_facts_csv(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    kind: str,
    columns: dict[str, str],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileFacts:
    """Read and check a behaviour, exclusions or assessments CSV: one fact a row."""
    with opened(source, max_bytes) as stream:
        return _read(stream, kind, columns, max_bytes)


def _read(stream: IO[bytes], kind: str, columns: dict[str, str], max_bytes: int) -> FileFacts:
    import csv

    pupils = _Pupils(kind)
    add, _ = _FACTS[kind]
    headings: list[str] = []
    today = timezone.localdate()
    try:
        for number, raw in enumerate(_rows(stream, max_bytes), start=2):  # row 1: headings
            if not headings:
                headings = list(raw)
                missing = [c for c in columns.values() if c not in raw]
                if missing:
                    raise CtfRefused(
                        f"The file has no column {', '.join(map(repr, missing))}; its columns "
                        f"are {', '.join(map(repr, headings))}"
                    )
            row = _Row(number, raw, columns)
            upn = row.check.unique_pupil_number(
                f"row {number}, column {columns['upn']}", row.raw("upn")
            )
            if upn is not None:
                row.check.pupil_upn = upn.value
            values = _READERS[kind](row, today)
            if upn is None:
                pupils.problems(row.check.errors, None)
                continue
            pupil, index = pupils.of(upn.value, number)
            if not row.check.errors:
                add(pupil, values)
            pupil.errors += row.check.errors
            pupils.problems(row.check.errors, index)
    except csv.Error as exc:
        raise CtfRefused(f"The file is not valid CSV: {type(exc).__name__}") from None
    pupils.read.columns = headings
    return pupils.read


def _referred(school: School, actor: User, upns: list[str]) -> dict[str, Student]:
    return importable_by_upn(school, actor, upns)


def facts_csv_preview(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    kind: str,
    school: School,
    columns: dict[str, str] | None,
    actor: User,
    rows: int = 5,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[str]:
    """The first ``rows`` rows as the mapping reads them, to check a mapping before an
    import. Never shows a UPN or free text (the file holds the whole school, P25), only
    coded values and whether the row's pupil is referred. Writes nothing."""
    ensure_can_import(actor, school)
    mapping = mapping_for(school, kind, columns)
    found: list[tuple[int, str, dict[str, str]]] = []

    def first(stream: IO[bytes]) -> None:
        for number, row in enumerate(_rows(stream, max_bytes), start=2):
            if number - 2 >= rows:
                return
            upn = "".join((row.get(mapping["upn"]) or "").split()).upper()
            values = {
                name: (row.get(column) or "").strip()
                for name, column in mapping.items()
                if name != "upn"
            }
            found.append((number, upn, values))

    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as stream:
            first(stream)
    else:
        first(source)
    referred = _referred(school, actor, [upn for _, upn, _ in found])
    lines = [", ".join(f"{name} = column {column!r}" for name, column in mapping.items())]
    for number, upn, values in found:
        shown = ", ".join(
            f"{name} " + (f"({len(value)} characters)" if name in _FREE_TEXT else value or "-")
            for name, value in values.items()
        )
        lines.append(f"row {number}: {shown}; referred: {'yes' if upn in referred else 'no'}")
    return lines


def facts_csv_import(
    *,
    kind: str,
    source: str | os.PathLike[str] | IO[bytes],
    school: School,
    actor: User,
    columns: dict[str, str] | None = None,
    file_name: str = "",
    valid_only: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import an MIS behaviour, exclusions or assessments CSV for ``school`` into the
    referred students' records (see the module docstring for the rules). ``columns``,
    when given, is remembered for the school; when omitted, the remembered one is used."""
    if kind not in KINDS:
        raise CtfRefused(f"“{kind}” is not behaviour, exclusions or assessments")
    ensure_can_import(actor, school)
    if not file_name:
        file_name = Path(source).name if isinstance(source, str | os.PathLike) else "upload"
    mapping = mapping_for(school, kind, columns)
    parsed = read_facts_csv(source, kind=kind, columns=mapping, max_bytes=max_bytes)
    report = ImportReport(
        file_name=file_name, school=school.name, version=KINDS[kind], pupils=len(parsed.pupils)
    )

    def remember() -> None:
        if columns is not None:
            column_mapping_save(school=school, kind=kind, columns=columns, actor=actor)

    fact_kind = _FACTS[kind][1]
    return import_facts(
        parsed,
        fmt=csv_format(kind, mapping, file_name, lambda: [FactsPart(fact_kind)]),
        school=school,
        actor=actor,
        report=report,
        detail={"kind": kind, "valid_only": valid_only},
        valid_only=valid_only,
        progress=progress,
        before=remember,
    )
