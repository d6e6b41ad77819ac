"""Writing session marks: every write keeps the year rows' counts in step, in one audited
transaction, so a stored count never disagrees with the marks it was counted from.

Marks are checked before anything is written: an unknown code anywhere refuses the whole
write, naming the date and session. A code used outside its era (a pre-2024 code after
18 August 2024, or a 2024 code before 19 August 2024) is accepted with a warning, because
historic registers must import as they were kept.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.attendance.calculations import tally
from seip.attendance.codes import (
    CODES,
    NEW_CODES_FROM,
    Code,
    UnknownCode,
    lookup,
    validity_warning,
)
from seip.attendance.marks import (
    DECODING,
    SESSION_NAMES,
    day_of,
    empty_year,
    encode,
    slot,
    year_length,
    year_start,
)
from seip.attendance.models import AttendanceYear
from seip.audit.services import audit_record
from seip.core.calendar import academic_year as academic_year_of
from seip.organisations.models import PartnerOrganisation, School
from seip.students.models import Student
from seip.students.permissions import ImportGrant, ensure_can_write, grant_detail
from seip.students.sources import SourceKind

#: What a caller passes for one session: a statutory code (or MIS sub-code), "" to remove
#: the mark, or None to leave the session as it is.
SessionMark = str | None

_SCHOOL_SOURCES = {SourceKind.SCHOOL_IMPORT, SourceKind.SCHOOL_ENTRY}


@dataclass
class _Checked:
    """Marks that passed the checks, by academic year: slot -> stored character."""

    by_year: dict[int, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, day: dt.date, session: int, raw: str, *, today: dt.date) -> None:
        where = f"{day:%a %-d %B %Y} {SESSION_NAMES[session]}"
        code: Code | None = None
        if raw.strip():
            try:
                code = lookup(raw)
            except UnknownCode:
                self.errors.append(f"{where}: “{raw.strip()}” is not an attendance code")
                return
            if code.possible and day > today:
                self.errors.append(f"{where}: attendance cannot be recorded before the session")
                return
            if warning := validity_warning(code, day):
                self.warnings.append(f"{where}: {warning}")
        year = academic_year_of(day)
        self.by_year[year][slot(year, day, session)] = encode(code)


def _source_organisation(
    kind: str, school: School, organisation: PartnerOrganisation | None
) -> PartnerOrganisation | None:
    if organisation is None and kind in _SCHOOL_SOURCES:
        return school.organisation
    return organisation


def _write(
    *,
    student: Student,
    school: School,
    checked: _Checked,
    replace: bool,
    source_kind: str,
    source_note: str,
    source_organisation: PartnerOrganisation | None,
    obtained_on: dt.date,
    actor: User,
    grant: ImportGrant | None = None,
) -> list[str]:
    if checked.errors:
        raise ValidationError(checked.errors)
    rows = {
        row.academic_year: row
        for row in AttendanceYear.objects.select_for_update().filter(
            student=student, school=school, academic_year__in=list(checked.by_year)
        )
    }
    for year, changes in sorted(checked.by_year.items()):
        row = rows.get(year) or AttendanceYear(
            student=student, school=school, academic_year=year, marks=empty_year(year)
        )
        marks = list(empty_year(year) if replace else row.marks)
        for index, char in changes.items():
            marks[index] = char
        row.marks = "".join(marks)
        row.set_counts(tally(row.marks))
        row.source_kind = source_kind
        row.source_note = source_note
        row.source_organisation = _source_organisation(source_kind, school, source_organisation)
        row.obtained_on = obtained_on
        row.full_clean()
        row.save()
        audit_record(
            actor=actor,
            action="attendance.year_replace" if replace else "attendance.record",
            obj=row,
            detail={
                "academic_year": year,
                "school": school.urn,
                "sessions": len(changes),
                "source": source_kind,
                "warnings": len(checked.warnings),
                **grant_detail(grant),
            },
        )
    return checked.warnings


@transaction.atomic
def attendance_record_sessions(
    *,
    student: Student,
    school: School,
    marks: Mapping[dt.date, tuple[SessionMark, SessionMark]],
    source_kind: str,
    source_note: str = "",
    obtained_on: dt.date,
    actor: User,
    source_organisation: PartnerOrganisation | None = None,
    grant: ImportGrant | None = None,
) -> list[str]:
    """Merge session marks (date -> (AM, PM)) into the student's year rows at ``school``.

    Returns the warnings, each naming its date and session. Raises ValidationError, and
    writes nothing, if any mark is not a code or records a session before it happens.
    Where the marks came from is recorded on each year row (P11). ``grant`` is a school
    import's.
    """
    ensure_can_write(actor, student, grant=grant)
    today = timezone.localdate()
    checked = _Checked()
    for day, pair in sorted(marks.items()):
        for session, raw in enumerate(pair):
            if raw is not None:
                checked.add(day, session, raw, today=today)
    if not checked.by_year and not checked.errors:
        raise ValidationError("Enter a mark for at least one session")
    return _write(
        student=student,
        school=school,
        checked=checked,
        replace=False,
        source_kind=source_kind,
        source_note=source_note,
        source_organisation=source_organisation,
        obtained_on=obtained_on,
        actor=actor,
        grant=grant,
    )


@transaction.atomic
def attendance_record_year(
    *,
    student: Student,
    school: School,
    academic_year: int,
    marks: Sequence[str | None],
    source_kind: str,
    source_note: str = "",
    obtained_on: dt.date,
    actor: User,
    source_organisation: PartnerOrganisation | None = None,
) -> list[str]:
    """Replace a whole year of marks at ``school`` (for imports).

    ``marks`` holds one statutory code per session slot from 1 September, AM then PM for
    each calendar day; None or "" is no mark. A shorter sequence leaves the rest of the
    year unmarked. Same checks, warnings and errors as :func:`attendance_record_sessions`.
    """
    ensure_can_write(actor, student)
    if len(marks) > year_length(academic_year):
        raise ValidationError(
            f"{academic_year}/{academic_year + 1} has {year_length(academic_year)} sessions, "
            f"but {len(marks)} marks were given"
        )
    today = timezone.localdate()
    checked = _Checked()
    checked.by_year[academic_year] = {}
    for index, raw in enumerate(marks):
        if raw:
            day, session = day_of(academic_year, index)
            checked.add(day, session, raw, today=today)
    return _write(
        student=student,
        school=school,
        checked=checked,
        replace=True,
        source_kind=source_kind,
        source_note=source_note,
        source_organisation=source_organisation,
        obtained_on=obtained_on,
        actor=actor,
    )


# Whole years at import speed ----------------------------------------------------------
# ``attendance_record_year`` checks a year one session at a time (about 20 µs a session),
# right for a page and too slow for a school file: 1,500 pupils with five years each is
# 5.5 million sessions. An import has already decoded every mark through the code table,
# so these make the same checks over the whole stored string at once.

_POSSIBLE = frozenset(encode(code) for code in CODES if code.possible)
_NEW_ONLY = frozenset(encode(code) for code in CODES if code.valid_from is not None)
_OLD_ONLY = frozenset(encode(code) for code in CODES if code.valid_to is not None)


def _where(academic_year: int, index: int) -> str:
    day, session = day_of(academic_year, index)
    return f"{day:%a %-d %B %Y} {SESSION_NAMES[session]}"


def _first_future(academic_year: int, marks: str, today: dt.date) -> int | None:
    """The first slot after ``today`` holding a possible session, if any."""
    if year_start(academic_year) > today:
        cut = 0
    elif year_start(academic_year + 1) <= today:
        return None
    else:
        cut = slot(academic_year, today) + 2
    for index in range(cut, len(marks)):
        if marks[index] in _POSSIBLE:
            return index
    return None


def _era_warnings(academic_year: int, marks: str) -> list[str]:
    """One warning per code used outside its era, at its first such session."""
    if year_start(academic_year + 1) <= NEW_CODES_FROM:
        split = len(marks)
    elif year_start(academic_year) >= NEW_CODES_FROM:
        split = 0
    else:
        split = slot(academic_year, NEW_CODES_FROM)
    warnings = []
    for part, wrong, offset in ((marks[:split], _NEW_ONLY, 0), (marks[split:], _OLD_ONLY, split)):
        for char in sorted(wrong & set(part)):
            index = offset + part.index(char)
            day, _ = day_of(academic_year, index)
            warning = validity_warning(DECODING[char], day)
            if warning:
                warnings.append(f"{_where(academic_year, index)}: {warning}")
    return warnings


def check_year(academic_year: int, marks: str, today: dt.date) -> list[str]:
    """The checks ``attendance_record_year`` makes, over a whole stored year at once:
    ValidationError for a session recorded before it happens; warnings for codes used
    outside their era."""
    if len(marks) != year_length(academic_year) or set(marks) - DECODING.keys() - {"."}:
        raise ValidationError("A year of marks has one stored character for every session")
    future = _first_future(academic_year, marks, today)
    if future is not None:
        raise ValidationError(
            f"{_where(academic_year, future)}: attendance cannot be recorded before the session"
        )
    return _era_warnings(academic_year, marks)


def attendance_year_import(
    *,
    student: Student,
    school: School,
    academic_year: int,
    marks: str,
    source_kind: str,
    source_note: str,
    source_organisation: PartnerOrganisation | None,
    obtained_on: dt.date,
    today: dt.date,
    actor: User,
    grant: ImportGrant | None = None,
) -> list[str]:
    """Replace a whole year of marks, given in the storage encoding. Must run inside the
    caller's transaction. Returns the warnings; raises ValidationError, writing nothing,
    for a session recorded before it happens."""
    ensure_can_write(actor, student, grant=grant)
    warnings = check_year(academic_year, marks, today)
    row = AttendanceYear.objects.select_for_update().filter(
        student=student, school=school, academic_year=academic_year
    ).first() or AttendanceYear(student=student, school=school, academic_year=academic_year)
    row.marks = marks
    row.set_counts(tally(marks))
    row.source_kind = source_kind
    row.source_note = source_note
    row.source_organisation = source_organisation
    row.obtained_on = obtained_on
    row.full_clean(exclude=["student", "school", "source_organisation"])
    row.save()
    audit_record(
        actor=actor,
        action="attendance.year_replace",
        obj=row,
        detail={
            "academic_year": academic_year,
            "school": school.urn,
            "sessions": len(marks) - marks.count("."),
            "source": source_kind,
            "warnings": len(warnings),
            **grant_detail(grant),
        },
    )
    return warnings
