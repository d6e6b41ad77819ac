"""Importing a CTF into the records of referred students (issue 7; P11, P25).

The rules, in the order they are applied:

1. **Read and check the whole file first** (:func:`seip.imports.ctf.read_ctf`). A file
   that cannot be read safely is refused outright (``ImportValidationError``). A file
   with invalid pupils changes nothing, unless the caller asks for ``valid_only``: then
   the valid pupils are imported and the others are rejected with their reasons.
2. **Match** each pupil to a student of the school's partnership by UPN, then by former
   UPN (a temporary UPN that a permanent one has replaced). Only students whose signed
   referral was accepted exist, so a pupil with no match has no signed referral: they are
   skipped and leave no trace (P25). Nothing about them is written to the database, a
   log or the report, which counts them only as "not referred". A pupil whose name and
   date of birth match a student but whose UPNs do not is never imported on that match:
   a :class:`~seip.imports.models.MatchCandidate` asks the co-ordinator to check.
3. **Apply** each matched pupil. A value that is already current is not written again,
   so the same file twice changes nothing. A changed value goes through the record
   services (``records.need_record``, which supersedes the old value and keeps it as
   history, P12, P19; and ``attendance.attendance_year_import``, which makes
   ``attendance_record_year``'s checks over a whole year at once). A pupil's first values
   are validated the same way and inserted in bulk, with one audit event
   (``records.facts_create``), so a school's file imports in seconds.
   Every fact carries its source: the school, the file name and the date imported
   (P11). Each pupil is applied in its own savepoint: all of their facts, or none.
4. **Audit** the import as one event with counts and the school, never a pupil's data.

Facts the record has no place for yet (ethnicity, stage assessments, school history, the
former UPN itself) are read and checked but not stored.
"""

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.attendance.models import AttendanceYear
from seip.attendance.services import attendance_year_import, check_year
from seip.audit.services import audit_record
from seip.imports import codes
from seip.imports.ctf import DEFAULT_MAX_BYTES, Contact, CtfFile, Header, Pupil, read_ctf
from seip.imports.models import ImportKind, MatchCandidate, file_label
from seip.imports.permissions import ensure_can_import
from seip.imports.selectors import importable_students, restricted_among
from seip.imports.validation import CtfRefused, Problem
from seip.keys.crypto import preload
from seip.keys.fields import indexed
from seip.organisations.models import School
from seip.records.models import SCHEME_FOR_KIND, Need, NeedCode, NeedKind
from seip.records.models import Contact as RecordContact
from seip.records.services import Source, contact_update, facts_create, need_record
from seip.students.models import Student
from seip.students.permissions import ensure_can_write, school_import
from seip.students.services import student_identity_update
from seip.students.sources import SourceKind

#: Elements whose value identifies a pupil: for a pupil who is not referred, a problem
#: with one of these is reported by its path alone (P25).
_IDENTIFYING = ("/UPN", "/FormerUPN", "/DOB", "/Surname", "/Forename")


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    NOT_REFERRED = "not referred"
    NOT_IMPORTED = "not imported"
    QUEUED = "queued for matching"
    REJECTED = "rejected"


@dataclass
class ImportReport:
    """What an import did. Pupils who are not referred appear only in a count (P25)."""

    file_name: str
    school: str = ""
    version: str = ""
    pupils: int = 0
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: str = ""
    #: Of the pupils "not imported", how many because an objection restricts processing
    #: (P20). Never in :meth:`lines`: only the co-ordinator's page shows it (ADR 0027).
    restricted: int = 0
    #: The UPN each matched pupil had in the file, and their student's id: the stored
    #: report names them by id, never by UPN (``runs.report_json``; ADR 0035).
    students: dict[str, int] = field(default_factory=dict)

    def not_imported(self, where: str) -> None:
        """A referred pupil whose facts were not written, said without the reason: the
        report goes to the school too, and a restriction is not theirs to learn."""
        self.counts[Outcome.NOT_IMPORTED] += 1
        self.restricted += 1
        self.warnings.append(f"{where}: not imported")

    @property
    def applied(self) -> bool:
        return not self.refused

    def count(self, outcome: Outcome) -> int:
        return self.counts[outcome]

    def lines(self) -> list[str]:
        head = f"{self.file_name}: CTF {self.version} from {self.school}, {self.pupils} pupils"
        out = [head]
        if self.refused:
            out.append(f"  Refused, nothing was changed: {self.refused}")
        for outcome in Outcome:
            out.append(f"  {outcome.value}: {self.counts[outcome]}")
        out += [f"  rejected: {reason}" for reason in self.rejected]
        out += [f"  warning: {warning}" for warning in self.warnings]
        return out


class Rollback(Exception):
    """Leaves a pupil's savepoint (or the whole import) with everything undone."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def refused_for_errors(report: ImportReport, invalid_pupils: int, *, valid_only: bool) -> bool:
    """A file with problems changes nothing unless the user chose the valid pupils only:
    mark the report refused and say so. True when refused."""
    if not report.rejected or valid_only:
        return False
    report.counts[Outcome.REJECTED] = invalid_pupils
    report.refused = (
        f"{len(report.rejected)} problems were found; correct the file, or import the "
        "valid pupils only"
    )
    return True


def apply_atomically(
    report: ImportReport,
    *,
    school: School,
    actor: User,
    action: str,
    detail: dict[str, object],
    apply: Callable[[], None],
) -> ImportReport:
    """Every import's last step: ``apply`` in one transaction, as the school's own import
    (``students.permissions.school_import``), audited with counts only. A ``Rollback``
    undoes the lot and the report says why."""
    try:
        with school_import(school.pk), transaction.atomic():
            apply()
            audit_record(
                actor=actor,
                action=action,
                obj=school,
                detail={
                    **detail,
                    "pupils": report.pupils,
                    **{outcome.name.lower(): n for outcome, n in report.counts.items()},
                },
            )
    except Rollback as exc:
        report.counts = dict.fromkeys(Outcome, 0)
        report.restricted = 0
        report.rejected = exc.reasons
        report.refused = "a pupil could not be imported; correct the file, or import the valid "
        report.refused += "pupils only"
    return report


@dataclass
class _Context:
    actor: User
    school: School
    source: Source
    schools: dict[tuple[str, str], School]
    need_codes: dict[tuple[str, str], NeedCode]
    today: dt.date
    #: Matched students whose processing an objection restricts (P20).
    restricted: set[int] = field(default_factory=set)
    # The matched students' current facts, read once for the whole file.
    needs: dict[int, dict[str, Need]] = field(default_factory=dict)
    contacts: dict[int, list[RecordContact]] = field(default_factory=dict)
    years: dict[int, dict[tuple[int, int], AttendanceYear]] = field(default_factory=dict)

    def load(self, students: list[Student]) -> None:
        ids = [student.pk for student in students]
        # Facts' text is sealed under each student's key: open the file's keys in one query,
        # and load each row with its student, so reading a value costs no query.
        preload(student.referral_id for student in students)
        self.needs = defaultdict(dict)
        for need in Need.objects.filter(
            student_id__in=ids, superseded_at__isnull=True
        ).select_related("code", "student"):
            self.needs[need.student_id][need.kind] = need
        self.contacts = defaultdict(list)
        for contact in RecordContact.objects.filter(
            student_id__in=ids, source_kind=SourceKind.SCHOOL_IMPORT
        ).select_related("student"):
            self.contacts[contact.student_id].append(contact)
        self.years = defaultdict(dict)
        for row in AttendanceYear.objects.filter(student_id__in=ids).only(
            "student_id", "school_id", "academic_year", "marks", "source_kind"
        ):
            self.years[row.student_id][(row.school_id, row.academic_year)] = row


def _describe(problem: Problem, *, referred: bool) -> str:
    if referred or not problem.path.endswith(_IDENTIFYING):
        return problem.describe(show_upn=referred)
    return f"Pupil {problem.position}: {problem.path}: this value is not valid"


def _resolve_school(header: Header, urn: str | None) -> School:
    chosen = School.objects.select_related("organisation", "partnership").filter(urn=urn).first()
    if urn and chosen is None:
        raise CtfRefused(f"There is no school with URN {urn}")
    from_file: School | None = None
    if header.source_lea not in codes.LEA_SENTINELS and header.source_lea:
        from_file = (
            School.objects.select_related("organisation", "partnership")
            .filter(
                local_authority__la_code=header.source_lea,
                establishment_number=header.source_estab,
            )
            .first()
        )
    if from_file is None and header.source_urn:
        from_file = School.objects.filter(urn=header.source_urn).first()
    if chosen is not None and from_file is not None and chosen != from_file:
        raise CtfRefused(
            f"The file comes from {header.source_laestab} ({from_file.name}), "
            f"not from the school chosen ({chosen.name})"
        )
    school = chosen or from_file
    if school is None:
        raise CtfRefused(
            f"The file's source school ({header.source_laestab}) is not one of the county's "
            "schools; choose the school it came from"
        )
    return school


def _students(school: School, actor: User) -> tuple[dict[str, Student], dict[str, Student]]:
    """The students a pupil of this file may be (``selectors.importable_students``), keyed
    by their blind indexes: the UPN, and the name with the date of birth. Identity is
    sealed (ADR 0034), so matching compares HMACs and decrypts nothing."""
    by_upn: dict[str, Student] = {}
    by_name: dict[str, Student] = {}
    for student in importable_students(school, actor):
        by_upn[student.upn_index] = student
        by_name[student.name_dob_index] = student
    return by_upn, by_name


def _match(pupil: Pupil, by_upn: dict[str, Student]) -> Student | None:
    for upn in (pupil.upn, *pupil.former_upns):
        if upn and (found := by_upn.get(indexed("upn", upn))):
            return found
    return None


def _name_match(pupil: Pupil, by_name: dict[str, Student]) -> Student | None:
    if pupil.date_of_birth is None or not pupil.surname or not pupil.forename:
        return None
    return by_name.get(indexed("name-dob", pupil.forename, pupil.surname, pupil.date_of_birth))


def ctf_import(
    *,
    source: str | os.PathLike[str] | IO[bytes],
    actor: User,
    file_name: str = "",
    school_urn: str | None = None,
    valid_only: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import one CTF into the records of the referred students it holds (see the module
    docstring for the rules). Raises ``ImportValidationError`` for a file refused
    outright, ``PermissionDenied`` unless ``actor`` may import the school's files
    (:func:`seip.imports.permissions.can_import`); otherwise returns the
    :class:`ImportReport`.
    """
    if not file_name:
        file_name = Path(source).name if isinstance(source, str | os.PathLike) else "upload"
    # Only a neutral label goes into the report, the match queue and the facts' source:
    # a file's own name can name a pupil (ADR 0035).
    file_name = file_label(ImportKind.CTF, file_name)
    ctf = read_ctf(source, max_bytes=max_bytes)
    school = _resolve_school(ctf.header, school_urn)
    ensure_can_import(actor, school)
    report = ImportReport(
        file_name=file_name, school=school.name, version=ctf.header.version, pupils=len(ctf.pupils)
    )
    by_upn, by_name = _students(school, actor)
    matched: dict[int, Student] = {}
    first_match: dict[int, int] = {}
    for pupil in ctf.pupils:
        if (student := _match(pupil, by_upn)) is not None:
            matched[pupil.position] = student
            report.students[pupil.upn] = student.pk
            if student.pk in first_match:
                pupil.errors.append(
                    Problem(
                        f"This pupil and pupil {first_match[student.pk]} are the same student "
                        "(by UPN or former UPN)",
                        f"CTfile/CTFpupilData/Pupil[{pupil.position}]/UPN",
                        pupil.position,
                        pupil.upn,
                    )
                )
            first_match.setdefault(student.pk, pupil.position)
    for pupil in ctf.pupils:
        referred = pupil.position in matched
        report.rejected += [_describe(p, referred=referred) for p in pupil.errors]
        if referred:
            report.warnings += [p.describe() for p in pupil.warnings]
    if refused_for_errors(
        report, sum(not pupil.valid for pupil in ctf.pupils), valid_only=valid_only
    ):
        return report
    context = _Context(
        actor=actor,
        school=school,
        source=Source(
            kind=SourceKind.SCHOOL_IMPORT,
            obtained_on=timezone.localdate(),
            organisation=school.organisation,
            note=file_name[:200],
        ),
        schools={
            (s.local_authority.la_code, s.establishment_number): s
            for s in School.objects.select_related("local_authority", "organisation")
        },
        need_codes={(c.scheme, c.code): c for c in NeedCode.objects.all()},
        today=timezone.localdate(),
        restricted=restricted_among(list(by_upn.values())),
    )
    return apply_atomically(
        report,
        school=school,
        actor=actor,
        action="imports.ctf",
        detail={"version": ctf.header.version, "valid_only": valid_only},
        apply=lambda: _apply_all(ctf, matched, by_name, context, report, valid_only, progress),
    )


def _apply_all(
    ctf: CtfFile,
    matched: dict[int, Student],
    by_name: dict[str, Student],
    context: _Context,
    report: ImportReport,
    valid_only: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    total = len(ctf.pupils)
    context.load(list({student.pk: student for student in matched.values()}.values()))
    for done, pupil in enumerate(ctf.pupils, 1):
        student = matched.get(pupil.position)
        if not pupil.valid:
            report.counts[Outcome.REJECTED] += 1
        elif student is None:
            candidate = _name_match(pupil, by_name)
            # A restricted student is not linked even for a check (P20); "not referred"
            # is what any other unmatched pupil gets, so it reveals nothing.
            if candidate is not None and candidate.pk not in context.restricted:
                _queue(candidate, pupil.position, context, report.file_name)
                report.counts[Outcome.QUEUED] += 1
            else:
                report.counts[Outcome.NOT_REFERRED] += 1
        elif student.pk in context.restricted:
            report.not_imported(f"Pupil {pupil.position} (UPN {pupil.upn})")
        else:
            try:
                with transaction.atomic():
                    outcome = _apply_pupil(student, pupil, context, report)
            except (ValidationError, PermissionDenied, IntegrityError) as exc:
                reasons = [
                    f"Pupil {pupil.position} (UPN {pupil.upn}): {message}"
                    for message in _messages(exc)
                ]
                if not valid_only:
                    raise Rollback(reasons) from None
                report.rejected += reasons
                outcome = Outcome.REJECTED
            report.counts[outcome] += 1
        if progress is not None:
            progress(done, total)


def _messages(exc: ValidationError | PermissionDenied | IntegrityError) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    if isinstance(exc, IntegrityError):
        # Another change to the record landed during the import: never a file problem.
        return ["the record changed while the file was imported; import the file again"]
    return [str(exc)]


def _queue(student: Student, position: int, context: _Context, file_name: str) -> None:
    """Ask the co-ordinator to check a name-and-birthday match (never imported on it)."""
    candidate, created = MatchCandidate.objects.get_or_create(
        student=student,
        school=context.school,
        file_name=file_label(ImportKind.CTF, file_name),
        position=position,
        resolved_at=None,
        defaults={"created_by": context.actor},
    )
    if created:
        audit_record(actor=context.actor, action="imports.match.queue", obj=candidate)


@dataclass
class _Pending:
    """A pupil's first values, written together by :func:`facts_create`."""

    needs: list[Need] = field(default_factory=list)
    contacts: list[RecordContact] = field(default_factory=list)
    years: list[AttendanceYear] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.needs) + len(self.contacts) + len(self.years)


def _apply_pupil(
    student: Student, pupil: Pupil, context: _Context, report: ImportReport
) -> Outcome:
    ensure_can_write(context.actor, student)
    needs = context.needs.get(student.pk, {})
    contacts = context.contacts.get(student.pk, [])
    years = context.years.get(student.pk, {})
    imported = SourceKind.SCHOOL_IMPORT
    before = bool(contacts) or any(
        fact.source_kind == imported for fact in [*needs.values(), *years.values()]
    )
    pending = _Pending()
    changes = _identity(student, pupil, context)
    changes += _needs(student, pupil, needs, pending, context, report)
    changes += _contacts(student, pupil, contacts, pending, context, report)
    changes += _attendance(student, pupil, years, pending, context, report)
    if pending:
        facts_create(
            student=student,
            needs=pending.needs,
            contacts=pending.contacts,
            years=pending.years,
            detail={"source": imported, "school": context.school.urn},
            actor=context.actor,
        )
    if not changes + len(pending):
        return Outcome.UNCHANGED
    return Outcome.UPDATED if before else Outcome.IMPORTED


def _identity(student: Student, pupil: Pupil, context: _Context) -> int:
    """Replace a temporary UPN by the permanent one, and move the NC year on (the students
    app's ``student_identity_update``)."""
    nc_year = int(pupil.nc_year) if pupil.nc_year.isascii() and pupil.nc_year.isdigit() else None
    upn = pupil.upn if not pupil.upn_temporary else None
    # Extended codes roll up to the DfE main code: reports use major groups only.
    ethnicity = codes.ETHNICITY_EXTENDED.get(pupil.ethnicity, pupil.ethnicity) or None
    if (
        (upn is None or upn == student.upn or not student.upn_is_temporary)
        and (nc_year is None or nc_year == student.nc_year)
        and (ethnicity is None or ethnicity == student.ethnicity)
    ):
        return 0  # the usual case: nothing to change, and no write check to make
    return len(
        student_identity_update(
            student=student,
            upn=upn,
            nc_year=nc_year,
            ethnicity=ethnicity,
            actor=context.actor,
        )
    )


def _current_sen(pupil: Pupil) -> tuple[str, str, str] | None:
    """(provision, primary need, secondary need) from the latest SEN record."""
    if not pupil.sen:
        return None
    latest = max(pupil.sen, key=lambda r: r.start or dt.date.min)
    ranked = {need.rank: need.type for need in latest.needs}
    unranked = [need.type for need in latest.needs if need.rank is None]
    primary = ranked.get(1) or (unranked.pop(0) if unranked else "")
    secondary = ranked.get(2) or (unranked.pop(0) if unranked else "")
    return latest.provision, primary, secondary


def _wanted_needs(pupil: Pupil, today: dt.date) -> dict[str, tuple[str, str]]:
    """Each kind of need the file says something about: kind -> (code, detail)."""
    wanted: dict[str, tuple[str, str]] = {}
    if (sen := _current_sen(pupil)) is not None:
        provision, primary, secondary = sen
        wanted[NeedKind.SEN_PROVISION] = (provision, "")
        if provision != "N" and primary:
            wanted[NeedKind.SEN_PRIMARY] = (primary, "")
        if provision != "N" and secondary and secondary != primary:
            wanted[NeedKind.SEN_SECONDARY] = (secondary, "")
    if pupil.looked_after is not None:
        code = "Y" if pupil.looked_after else "N"
        wanted[NeedKind.LOOKED_AFTER] = (code, pupil.care_authority if code == "Y" else "")
    current = any(
        s.start and s.start <= today and (s.end is None or s.end >= today) for s in pupil.fsm
    )
    six_years_ago = today.replace(year=today.year - 6)
    ever6 = any(s.start and (s.end is None or s.end >= six_years_ago) for s in pupil.fsm)
    wanted[NeedKind.FSM] = ("Y" if current else "N", "")
    wanted[NeedKind.FSM6] = ("Y" if ever6 else "N", "")
    if pupil.first_language:
        # The record keeps the first language either way (the need's detail).
        eal = pupil.first_language.upper() not in codes.ENGLISH
        wanted[NeedKind.EAL] = ("Y" if eal else "N", pupil.first_language)
    return wanted


def _source_fields(context: _Context) -> dict[str, object]:
    return {
        "source_kind": context.source.kind,
        "source_organisation": context.source.organisation,
        "source_note": context.source.note,
        "obtained_on": context.source.obtained_on,
    }


_SEN_NEEDS = {NeedKind.SEN_PRIMARY, NeedKind.SEN_SECONDARY}


def _needs(
    student: Student,
    pupil: Pupil,
    current: dict[str, Need],
    pending: _Pending,
    context: _Context,
    report: ImportReport,
) -> int:
    """New values are added in bulk; a changed value goes through ``need_record``, which
    keeps the old one as history (P12, P19). Returns the number of changes."""
    changes = 0
    wanted = _wanted_needs(pupil, context.today)
    for kind, (code, detail) in wanted.items():
        found = current.get(kind)
        if found is not None and (found.code.code, found.detail) == (code, detail):
            continue
        need_code = context.need_codes.get((SCHEME_FOR_KIND[kind], code))
        if need_code is None:
            report.warnings.append(
                f"Pupil {pupil.position} (UPN {pupil.upn}): {kind} code {code} is historic "
                "and was not recorded"
            )
            continue
        # A first value joins the bulk insert, unless an SEN need could clash with the
        # other SEN need's current value: the service checks that rule.
        if found is None and not (kind in _SEN_NEEDS and _SEN_NEEDS & current.keys()):
            pending.needs.append(
                Need(
                    student=student,
                    kind=kind,
                    code=need_code,
                    detail=detail,
                    recorded_by=context.actor,
                    verified_on=context.source.obtained_on,
                    **_source_fields(context),
                )
            )
            continue
        need_record(
            student=student,
            kind=kind,
            code=code,
            detail=detail,
            source=context.source,
            actor=context.actor,
        )
        changes += 1
    return changes


def _contacts(
    student: Student,
    pupil: Pupil,
    existing_contacts: list[RecordContact],
    pending: _Pending,
    context: _Context,
    report: ImportReport,
) -> int:
    existing = {(c.name, c.relationship): c for c in existing_contacts}
    changes = 0
    for priority, contact in enumerate(
        sorted(pupil.contacts, key=lambda c: c.order or 99), start=1
    ):
        if not (contact.phone or contact.email or contact.address):
            report.warnings.append(
                f"Pupil {pupil.position} (UPN {pupil.upn}): contact {priority} has no phone, "
                "email or address and was not recorded"
            )
            continue
        found = existing.get((contact.name, contact.relationship))
        if found is None:
            pending.contacts.append(
                RecordContact(
                    student=student,
                    name=contact.name,
                    relationship=contact.relationship,
                    parental_responsibility=contact.parental_responsibility,
                    phone=contact.phone,
                    email=contact.email,
                    address=contact.address,
                    priority=priority,
                    verified_on=context.source.obtained_on,
                    **_source_fields(context),
                )
            )
        elif _contact_refresh(found, contact, priority, context):
            changes += 1
    return changes


def _contact_refresh(
    found: RecordContact, contact: Contact, priority: int, context: _Context
) -> bool:
    """Bring an imported contact up to date (the records app's ``contact_update``)."""
    values = {
        "parental_responsibility": contact.parental_responsibility,
        "phone": contact.phone,
        "email": contact.email,
        "address": contact.address,
        "priority": priority,
    }
    if all(getattr(found, name) == value for name, value in values.items()):
        return False
    return bool(
        contact_update(contact=found, changes=values, source=context.source, actor=context.actor)
    )


def _attendance(
    student: Student,
    pupil: Pupil,
    rows: dict[tuple[int, int], AttendanceYear],
    pending: _Pending,
    context: _Context,
    report: ImportReport,
) -> int:
    changes = 0
    for year in pupil.attendance:
        school = context.schools.get((year.lea, year.estab))
        where = f"Pupil {pupil.position} (UPN {pupil.upn})"
        if school is None:
            report.warnings.append(
                f"{where}: attendance for {year.academic_year}/{year.academic_year + 1} at "
                f"{year.lea}{year.estab} was not recorded: the school is not in the county"
            )
            continue
        row = rows.get((school.pk, year.academic_year))
        if row is not None and row.marks == year.marks:
            continue
        if row is None:
            warnings = check_year(year.academic_year, year.marks, context.today)
            pending.years.append(
                AttendanceYear(
                    student=student,
                    school=school,
                    academic_year=year.academic_year,
                    marks=year.marks,
                    **_source_fields(context),
                )
            )
        else:
            warnings = attendance_year_import(
                student=student,
                school=school,
                academic_year=year.academic_year,
                marks=year.marks,
                source_kind=context.source.kind,
                source_note=context.source.note,
                source_organisation=context.source.organisation,
                obtained_on=context.source.obtained_on,
                today=context.today,
                actor=context.actor,
            )
            changes += 1
        report.warnings += [f"{where}: {warning}" for warning in warnings[:5]]
    return changes
