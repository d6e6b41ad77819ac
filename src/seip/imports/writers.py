"""Writing imported facts at import speed.

``attendance.services.attendance_record_year`` checks a year one session at a time (about
20 µs a session), which is right for a page and too slow for a school file: 1,500 pupils
with five years each is 5.5 million sessions. The CTF reader has already decoded every
mark through the attendance code table, so this writer makes the same checks over the
whole string at once (a session recorded before it happens is refused; a code used
outside its era is a warning) and writes the row, its counts, its source and its audit
event exactly as the service does.

:func:`facts_create` writes a pupil's *first* values (needs with no current value,
new contacts, new attendance years) in one bulk insert per table and one audit event,
after the same model validation the services run. Every later change goes through the
record services, which keep the history (``records.need_record``) or through
:func:`attendance_year_import`.

Both belong in their apps (``attendance.services`` as a fast path of
``attendance_record_year`` for marks already in the storage encoding, ``records.services``
as a bulk ``need_record``/``contact_add`` for first values); they live here until those
apps take them. A plain loop over the services takes about 70 ms a pupil, so 1,500 pupils
would take nearly two minutes; this takes a fraction of that.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from seip.accounts.models import User
from seip.attendance.calculations import tally
from seip.attendance.codes import CODES, NEW_CODES_FROM, validity_warning
from seip.attendance.marks import (
    DECODING,
    SESSION_NAMES,
    day_of,
    encode,
    slot,
    year_length,
    year_start,
)
from seip.attendance.models import AttendanceYear
from seip.audit.services import audit_record
from seip.organisations.models import PartnerOrganisation, School
from seip.records.models import Contact as RecordContact
from seip.records.models import Need
from seip.students.models import Student
from seip.students.permissions import ensure_can_write

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


def facts_create(
    *,
    student: Student,
    needs: list[Need],
    contacts: list[RecordContact],
    years: list[AttendanceYear],
    detail: dict[str, Any],
    actor: User,
) -> None:
    """Insert a pupil's first imported values in bulk, validated as the services validate
    them (marks must already have passed :func:`check_year`), with one audit event that
    lists what was added. Must run inside the caller's transaction."""
    ensure_can_write(actor, student)
    # Foreign keys are objects the caller already holds, so they are not looked up again.
    for need in needs:
        need.clean_fields(exclude=["student", "code", "recorded_by", "source_organisation"])
        need.clean()
    for contact in contacts:
        contact.clean_fields(exclude=["student", "source_organisation"])
        contact.clean()
    for year in years:
        year.set_counts(tally(year.marks))
        year.clean_fields(exclude=["student", "school", "source_organisation"])
        year.clean()
    Need.objects.bulk_create(needs)
    RecordContact.objects.bulk_create(contacts)
    AttendanceYear.objects.bulk_create(years)
    audit_record(
        actor=actor,
        action="imports.ctf.facts_add",
        obj=student,
        detail={
            **detail,
            "needs": sorted(need.kind for need in needs),
            "contacts": len(contacts),
            "attendance_years": sorted(year.academic_year for year in years),
        },
    )


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
) -> list[str]:
    """Replace a whole year of marks, given in the storage encoding. Must run inside the
    caller's transaction. Returns the warnings; raises ValidationError, writing nothing,
    for a session recorded before it happens."""
    ensure_can_write(actor, student)
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
        },
    )
    return warnings
