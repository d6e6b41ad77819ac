"""MIS CSV imports of behaviour incidents, suspensions and exclusions, and assessment
results (issue 7; P03, P11, P25).

The rules are those of the attendance CSV (:mod:`seip.imports.mis`) and the CTF import:

- the column mapping is given once and remembered for the school
  (:class:`~seip.imports.models.ColumnMapping`), and a preview shows the first rows as
  the mapping reads them;
- the whole file is read and checked first, and each problem names its row and column;
  a file with problems changes nothing unless ``valid_only``, and then each pupil is all
  or nothing (one savepoint per pupil);
- a row's pupil is matched by UPN only; a pupil who is not referred is counted and
  dropped, and nothing about them is stored, logged or reported (P25);
- every fact goes through the behaviour app's services with the school, the file name
  and the date as its source (P11);
- a fact already imported is recognised by its key (an incident by all its values; a
  suspension by its school, start date and type; a result by its subject and assessment
  point), so the same file twice changes nothing, and a newer file corrects a suspension
  or a result through the services' audited correction.
"""

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from seip.accounts.models import User
from seip.behaviour.codes import GRADES_BY_CODE, MAX_SUSPENSION_SESSIONS, REASONS_BY_CODE
from seip.behaviour.models import (
    AttainmentResult,
    Exclusion,
    ExclusionKind,
    GradeScale,
    Incident,
    IncidentCategory,
    Severity,
    Subject,
)
from seip.behaviour.services import (
    exclusion_correct,
    exclusion_record,
    incident_record,
    result_correct,
    result_record,
)
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.imports.mis import _date, _rows, column_mapping_save, mapping_for, opened
from seip.imports.models import MappingKind
from seip.imports.permissions import ensure_can_import
from seip.imports.selectors import importable_by_upn, restricted_among
from seip.imports.services import (
    ImportReport,
    Outcome,
    Rollback,
    apply_atomically,
    refused_for_errors,
)
from seip.imports.validation import Checker, CtfRefused, Problem
from seip.keys.crypto import preload
from seip.notifications.services import exclusions_imported_alert
from seip.organisations.models import School
from seip.students.models import Student
from seip.students.sources import SourceKind

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


@dataclass
class _Fact:
    row: int
    values: dict[str, Any]


@dataclass
class _Pupil:
    upn: str
    first_row: int
    facts: list[_Fact] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


@dataclass
class FactsFile:
    kind: str
    columns: list[str]
    pupils: dict[str, _Pupil]
    errors: list[Problem]


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


def read_facts_csv(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    kind: str,
    columns: dict[str, str],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FactsFile:
    """Read and check a behaviour, exclusions or assessments CSV: one fact a row."""
    with opened(source, max_bytes) as stream:
        return _read(stream, kind, columns, max_bytes)


def _read(stream: IO[bytes], kind: str, columns: dict[str, str], max_bytes: int) -> FactsFile:
    import csv

    pupils: dict[str, _Pupil] = {}
    errors: list[Problem] = []
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
                errors += row.check.errors
                continue
            pupil = pupils.setdefault(upn.value, _Pupil(upn=upn.value, first_row=number))
            if not row.check.errors:
                pupil.facts.append(_Fact(number, values))
            pupil.errors += row.check.errors
            errors += row.check.errors
    except csv.Error as exc:
        raise CtfRefused(f"The file is not valid CSV: {type(exc).__name__}") from None
    return FactsFile(kind=kind, columns=headings, pupils=pupils, errors=errors)


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
    students = _referred(school, actor, list(parsed.pupils))
    upn_path = f"column {mapping['upn']}"
    for problem in parsed.errors:
        if problem.upn in students:
            report.rejected.append(f"{problem.path} (UPN {problem.upn}): {problem.message}")
        elif problem.path.endswith(upn_path):
            report.rejected.append(f"{problem.path}: this value is not valid")
        else:
            report.rejected.append(f"{problem.path}: {problem.message}")
    if refused_for_errors(
        report, sum(bool(p.errors) for p in parsed.pupils.values()), valid_only=valid_only
    ):
        return report

    def apply() -> None:
        if columns is not None:
            column_mapping_save(school=school, kind=kind, columns=columns, actor=actor)
        _apply(parsed, students, school, file_name, actor, report, valid_only, progress)

    return apply_atomically(
        report,
        school=school,
        actor=actor,
        action="imports.csv",
        detail={"kind": kind, "valid_only": valid_only},
        apply=apply,
    )


@dataclass
class _Writer:
    """How one kind of fact is found again and written through the behaviour services."""

    model: type[Model]
    key: Callable[[dict[str, Any]], tuple[Any, ...]]
    same: Callable[[Any, dict[str, Any]], bool]
    create: Callable[..., Any]
    correct: Callable[[Any, dict[str, Any], User], Any] | None


def _incident_values(fact: Incident) -> dict[str, Any]:
    return {
        "occurred_on": fact.occurred_on,
        "category": fact.category,
        "severity": fact.severity,
        "description": fact.description,
    }


_WRITERS: dict[str, _Writer] = {
    MappingKind.BEHAVIOUR: _Writer(
        model=Incident,
        # An MIS export carries no stable incident id, so an incident is its values: the
        # same row again is unchanged; a changed row is a new incident.
        key=lambda v: (v["occurred_on"], v["category"], v["severity"], v["description"]),
        same=lambda fact, v: True,
        create=incident_record,
        correct=None,
    ),
    MappingKind.EXCLUSIONS: _Writer(
        model=Exclusion,
        key=lambda v: (v["start_date"], v["kind"]),
        same=lambda fact, v: (fact.sessions, fact.reason_codes) == (v["sessions"], v["reasons"]),
        create=exclusion_record,
        correct=lambda fact, v, actor: exclusion_correct(
            exclusion=fact,
            changes={"sessions": v["sessions"], "reasons": v["reasons"]},
            actor=actor,
        ),
    ),
    MappingKind.ASSESSMENTS: _Writer(
        model=AttainmentResult,
        key=lambda v: (v["subject"], v["subject_other"].casefold(), v["assessment_label"]),
        same=lambda fact, v: (
            (fact.assessed_on, fact.scale, fact.grade, fact.target_grade)
            == (v["assessed_on"], v["scale"], v["grade"], v["target_grade"])
        ),
        create=result_record,
        correct=lambda fact, v, actor: result_correct(
            result=fact,
            changes={
                "assessed_on": v["assessed_on"],
                "scale": v["scale"],
                "grade": v["grade"],
                "target_grade": v["target_grade"],
            },
            actor=actor,
        ),
    ),
}


def _stored_key(kind: str, fact: Any) -> tuple[Any, ...]:
    if kind == MappingKind.BEHAVIOUR:
        return _WRITERS[kind].key(_incident_values(fact))
    if kind == MappingKind.EXCLUSIONS:
        return (fact.start_date, fact.kind)
    return (fact.subject, fact.subject_other.casefold(), fact.assessment_label)


def _apply(
    parsed: FactsFile,
    students: dict[str, Student],
    school: School,
    file_name: str,
    actor: User,
    report: ImportReport,
    valid_only: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    writer = _WRITERS[parsed.kind]
    restricted = restricted_among(list(students.values()))
    # Only facts this school's imports wrote are matched again: a fact a key worker typed
    # in stays theirs, and an import never corrects it.
    existing: dict[int, dict[tuple[Any, ...], Any]] = defaultdict(dict)
    stored = writer.model._default_manager.filter(
        student__in=list(students.values()),
        source_kind=SourceKind.SCHOOL_IMPORT,
        source_organisation=school.organisation,
    )
    if parsed.kind == MappingKind.EXCLUSIONS:
        stored = stored.filter(school=school)
    fact: Any
    # An incident's description is sealed under its student's key: open the file's keys
    # with one query and give each fact its student, so reading it costs no query.
    preload(student.referral_id for student in students.values())
    by_id = {student.pk: student for student in students.values()}
    for fact in stored:
        fact.student = by_id[fact.student_id]
        existing[fact.student_id][_stored_key(parsed.kind, fact)] = fact
    before = {fact.pk for facts in existing.values() for fact in facts.values()}
    source = {
        "source_kind": SourceKind.SCHOOL_IMPORT,
        "source_organisation": school.organisation,
        "source_note": f"MIS CSV {file_name}"[:200],
        "obtained_on": timezone.localdate(),
    }
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
            try:
                with transaction.atomic():
                    outcome = _apply_pupil(
                        pupil, student, school, existing[student.pk], writer, source, actor
                    )
            except (ValidationError, PermissionDenied, IntegrityError) as exc:
                messages = getattr(exc, "messages", None) or [str(exc)]
                reasons = [
                    f"Row {pupil.first_row} (UPN {pupil.upn}): {message}" for message in messages
                ]
                if not valid_only:
                    raise Rollback(reasons) from None
                report.rejected += reasons
                outcome = Outcome.REJECTED
            report.counts[outcome] += 1
        if progress is not None:
            progress(done, total)
    if parsed.kind == MappingKind.EXCLUSIONS:
        # Key workers hear of new exclusions once this import commits (issue 19); a
        # pupil's rolled-back row is not found again, so is not counted.
        new = {fact.pk for facts in existing.values() for fact in facts.values()} - before
        exclusions_imported_alert(exclusion_ids=new)


def _apply_pupil(
    pupil: _Pupil,
    student: Student,
    school: School,
    existing: dict[tuple[Any, ...], Any],
    writer: _Writer,
    source: dict[str, Any],
    actor: User,
) -> Outcome:
    before = bool(existing)
    changes = 0
    for fact in pupil.facts:
        key = writer.key(fact.values)
        found = existing.get(key)
        if found is not None:
            if writer.correct is not None and not writer.same(found, fact.values):
                existing[key] = writer.correct(found, fact.values, actor)
                changes += 1
            continue
        extra = {"school": school} if writer.model is Exclusion else {}
        existing[key] = writer.create(
            student=student, **fact.values, **extra, **source, actor=actor
        )
        changes += 1
    if not changes:
        return Outcome.UNCHANGED
    return Outcome.UPDATED if before else Outcome.IMPORTED
