"""The one applier: a matched pupil's facts, written through the services of the apps that
own them (issue 7, 21; P11, P12, P19; ADR 0051).

Each kind of fact has one :class:`Part`: it loads the matched students' current values
once for the whole file, and writes a pupil's facts that differ from them through the
owning app's service, under the run's :class:`~seip.students.permissions.ImportGrant`.
A value that is already current is not written again, so the same file twice changes
nothing. Every fact carries its source: the school, the file and the date (P11).

- :class:`IdentityPart`: ``students.student_identity_update``;
- :class:`NeedsPart`: ``records.need_record`` (the old value kept as history, P12, P19);
- :class:`ContactsPart`: ``records.contact_update``;
- :class:`YearsPart`: ``attendance.attendance_year_import`` (whole years);
- :class:`SessionsPart`: ``attendance.attendance_record_sessions`` (days);
- :class:`FactsPart`: the behaviour app's incidents, exclusions and results.

A pupil's first needs, contacts and years are validated the same way and inserted in
bulk with one audit event (``records.facts_create``), so a school's file imports in
seconds.
"""

import datetime as dt
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from seip.accounts.models import User
from seip.attendance.codes import lookup
from seip.attendance.marks import encode, slot
from seip.attendance.models import AttendanceYear
from seip.attendance.services import (
    attendance_record_sessions,
    attendance_year_import,
    check_year,
)
from seip.behaviour.models import AttainmentResult, Exclusion, Incident
from seip.behaviour.services import (
    exclusion_correct,
    exclusion_record,
    incident_record,
    result_correct,
    result_record,
)
from seip.core.calendar import academic_year as academic_year_of
from seip.imports.facts import PupilFacts, SessionPair
from seip.imports.report import ImportReport
from seip.notifications.services import exclusions_imported_alert
from seip.organisations.models import School
from seip.records.models import SCHEME_FOR_KIND, Need, NeedCode, NeedKind
from seip.records.models import Contact as RecordContact
from seip.records.services import Source, contact_update, need_record
from seip.students.models import Student
from seip.students.permissions import ImportGrant
from seip.students.services import student_identity_update
from seip.students.sources import SourceKind


@dataclass
class Run:
    """One import as the parts see it: who, for which school, under which grant, from
    which source."""

    actor: User
    school: School
    grant: ImportGrant
    source: Source
    today: dt.date
    report: ImportReport


@dataclass
class Pending:
    """A pupil's first values, written together by ``records.facts_create``."""

    needs: list[Need] = field(default_factory=list)
    contacts: list[RecordContact] = field(default_factory=list)
    years: list[AttendanceYear] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.needs) + len(self.contacts) + len(self.years)


@dataclass(frozen=True)
class Change:
    """What a part did for a pupil: how many values it changed through a service, and
    whether the record already held values of this kind from an import (so the pupil is
    "updated" rather than "imported")."""

    changes: int = 0
    before: bool = False


class Part(ABC):
    """One kind of fact. ``load`` runs once before the first pupil, ``write`` once a
    matched pupil inside their savepoint, ``finish`` once after the last."""

    def load(self, students: list[Student], run: Run) -> None:
        """Read the students' current values of this kind, once for the file. Optional:
        a part that reads nothing ahead keeps this default."""
        return None

    @abstractmethod
    def write(self, student: Student, pupil: PupilFacts, run: Run, pending: Pending) -> Change:
        """Write this kind of fact for one matched pupil through its owning service."""

    def finish(self, run: Run) -> None:
        """Anything that follows the whole file (inside its transaction). Optional: a
        part with nothing to finish keeps this default."""
        return None


def _source_fields(source: Source) -> dict[str, Any]:
    return {
        "source_kind": source.kind,
        "source_organisation": source.organisation,
        "source_note": source.note,
        "obtained_on": source.obtained_on,
    }


class IdentityPart(Part):
    """Replace a temporary UPN by the permanent one, and move the NC year and ethnicity
    on (the students app's ``student_identity_update``)."""

    def write(self, student: Student, pupil: PupilFacts, run: Run, pending: Pending) -> Change:
        identity = pupil.identity
        if identity is None or (
            (identity.upn is None or identity.upn == student.upn or not student.upn_is_temporary)
            and (identity.nc_year is None or identity.nc_year == student.nc_year)
            and (identity.ethnicity is None or identity.ethnicity == student.ethnicity)
        ):
            return Change()  # the usual case: nothing to change
        changed = student_identity_update(
            student=student,
            upn=identity.upn,
            nc_year=identity.nc_year,
            ethnicity=identity.ethnicity,
            actor=run.actor,
            grant=run.grant,
        )
        return Change(len(changed))


_SEN_NEEDS = {NeedKind.SEN_PRIMARY, NeedKind.SEN_SECONDARY}


class NeedsPart(Part):
    """New values are added in bulk; a changed value goes through ``need_record``, which
    keeps the old one as history (P12, P19)."""

    def load(self, students: list[Student], run: Run) -> None:
        self.codes = {(c.scheme, c.code): c for c in NeedCode.objects.all()}
        self.current: dict[int, dict[str, Need]] = defaultdict(dict)
        for need in Need.objects.filter(
            student_id__in=[s.pk for s in students], superseded_at__isnull=True
        ).select_related("code", "student"):
            self.current[need.student_id][need.kind] = need

    def write(self, student: Student, pupil: PupilFacts, run: Run, pending: Pending) -> Change:
        current = self.current.get(student.pk, {})
        before = any(need.source_kind == SourceKind.SCHOOL_IMPORT for need in current.values())
        changes = 0
        for fact in pupil.needs:
            found = current.get(fact.kind)
            if found is not None and (found.code.code, found.detail) == (fact.code, fact.detail):
                continue
            need_code = self.codes.get((SCHEME_FOR_KIND[fact.kind], fact.code))
            if need_code is None:
                run.report.warnings.append(
                    f"{pupil.label}: {fact.kind} code {fact.code} is historic and was not recorded"
                )
                continue
            # A first value joins the bulk insert, unless an SEN need could clash with the
            # other SEN need's current value: the service checks that rule.
            if found is None and not (fact.kind in _SEN_NEEDS and _SEN_NEEDS & current.keys()):
                pending.needs.append(
                    Need(
                        student=student,
                        kind=fact.kind,
                        code=need_code,
                        detail=fact.detail,
                        recorded_by=run.actor,
                        verified_on=run.source.obtained_on,
                        **_source_fields(run.source),
                    )
                )
                continue
            need_record(
                student=student,
                kind=fact.kind,
                code=fact.code,
                detail=fact.detail,
                source=run.source,
                actor=run.actor,
                grant=run.grant,
            )
            changes += 1
        return Change(changes, before)


class ContactsPart(Part):
    """Contacts the school's imports wrote are kept up to date (``contact_update``);
    contacts a key worker added are theirs."""

    def load(self, students: list[Student], run: Run) -> None:
        self.current: dict[int, list[RecordContact]] = defaultdict(list)
        for contact in RecordContact.objects.filter(
            student_id__in=[s.pk for s in students], source_kind=SourceKind.SCHOOL_IMPORT
        ).select_related("student"):
            self.current[contact.student_id].append(contact)

    def write(self, student: Student, pupil: PupilFacts, run: Run, pending: Pending) -> Change:
        stored = self.current.get(student.pk, [])
        existing = {(c.name, c.relationship): c for c in stored}
        changes = 0
        for fact in pupil.contacts:
            if not fact.reachable:
                run.report.warnings.append(
                    f"{pupil.label}: contact {fact.priority} has no phone, email or address "
                    "and was not recorded"
                )
                continue
            values = {
                "parental_responsibility": fact.parental_responsibility,
                "phone": fact.phone,
                "email": fact.email,
                "address": fact.address,
                "priority": fact.priority,
            }
            found = existing.get((fact.name, fact.relationship))
            if found is None:
                pending.contacts.append(
                    RecordContact(
                        student=student,
                        name=fact.name,
                        relationship=fact.relationship,
                        **values,
                        verified_on=run.source.obtained_on,
                        **_source_fields(run.source),
                    )
                )
            elif not all(getattr(found, name) == value for name, value in values.items()):
                changed = contact_update(
                    contact=found,
                    changes=values,
                    source=run.source,
                    actor=run.actor,
                    grant=run.grant,
                )
                changes += bool(changed)
        return Change(changes, bool(stored))


class YearsPart(Part):
    """Whole years of marks, at any school of the county: a first year joins the bulk
    insert (checked by ``check_year``), a changed one goes through
    ``attendance_year_import``."""

    def load(self, students: list[Student], run: Run) -> None:
        self.schools = {
            (s.local_authority.la_code, s.establishment_number): s
            for s in School.objects.select_related("local_authority", "organisation")
        }
        self.current: dict[int, dict[tuple[int, int], AttendanceYear]] = defaultdict(dict)
        for row in AttendanceYear.objects.filter(student_id__in=[s.pk for s in students]).only(
            "student_id", "school_id", "academic_year", "marks", "source_kind"
        ):
            self.current[row.student_id][(row.school_id, row.academic_year)] = row

    def write(self, student: Student, pupil: PupilFacts, run: Run, pending: Pending) -> Change:
        rows = self.current.get(student.pk, {})
        before = any(row.source_kind == SourceKind.SCHOOL_IMPORT for row in rows.values())
        changes = 0
        for year in pupil.years:
            school = self.schools.get((year.lea, year.estab))
            if school is None:
                run.report.warnings.append(
                    f"{pupil.label}: attendance for {year.academic_year}/"
                    f"{year.academic_year + 1} at {year.lea}{year.estab} was not recorded: "
                    "the school is not in the county"
                )
                continue
            row = rows.get((school.pk, year.academic_year))
            if row is not None and row.marks == year.marks:
                continue
            if row is None:
                warnings = check_year(year.academic_year, year.marks, run.today)
                pending.years.append(
                    AttendanceYear(
                        student=student,
                        school=school,
                        academic_year=year.academic_year,
                        marks=year.marks,
                        **_source_fields(run.source),
                    )
                )
            else:
                warnings = attendance_year_import(
                    student=student,
                    school=school,
                    academic_year=year.academic_year,
                    marks=year.marks,
                    **_source_fields(run.source),
                    today=run.today,
                    actor=run.actor,
                    grant=run.grant,
                )
                changes += 1
            run.report.warnings += [f"{pupil.label}: {warning}" for warning in warnings[:5]]
        return Change(changes, before)


class SessionsPart(Part):
    """Days of session marks at the importing school, merged through
    ``attendance_record_sessions``; a session that already holds the mark is left alone."""

    def load(self, students: list[Student], run: Run) -> None:
        self.current: dict[int, dict[int, str]] = defaultdict(dict)
        for row in AttendanceYear.objects.filter(student__in=students, school=run.school).only(
            "student_id", "academic_year", "marks"
        ):
            self.current[row.student_id][row.academic_year] = row.marks

    def write(self, student: Student, pupil: PupilFacts, run: Run, pending: Pending) -> Change:
        years = self.current.get(student.pk, {})
        changed = _changed_sessions(pupil.sessions, years)
        if not changed:
            return Change(0, bool(years))
        warnings = attendance_record_sessions(
            student=student,
            school=run.school,
            marks=changed,
            **_source_fields(run.source),
            actor=run.actor,
            grant=run.grant,
        )
        run.report.warnings += [f"{pupil.label}: {warning}" for warning in warnings][:5]
        return Change(1, bool(years))


def _changed_sessions(
    sessions: dict[dt.date, SessionPair], years: dict[int, str]
) -> dict[dt.date, SessionPair]:
    """The sessions whose mark differs from what is stored (None leaves a session as it
    is), so the same file twice writes nothing."""
    changed: dict[dt.date, SessionPair] = {}
    for day, marks in sessions.items():
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


@dataclass(frozen=True)
class FactKind:
    """How one kind of behaviour fact is found again and written: its model, the pupil's
    facts of the kind, the key a stored fact is found by, whether a stored fact already
    says the same, and the services that create and correct it."""

    model: type[Model]
    facts: Callable[[PupilFacts], list[Any]]
    key: Callable[[dict[str, Any]], tuple[Any, ...]]
    stored_key: Callable[[Any], tuple[Any, ...]]
    same: Callable[[Any, dict[str, Any]], bool]
    create: Callable[..., Any]
    correct: Callable[[Any, dict[str, Any], User, ImportGrant], Any] | None = None


def _incident_key(v: dict[str, Any]) -> tuple[Any, ...]:
    return (v["occurred_on"], v["category"], v["severity"], v["description"])


INCIDENTS = FactKind(
    model=Incident,
    facts=lambda pupil: pupil.incidents,
    # An MIS export carries no stable incident id, so an incident is its values: the
    # same row again is unchanged; a changed row is a new incident.
    key=_incident_key,
    stored_key=lambda f: (f.occurred_on, f.category, f.severity, f.description),
    same=lambda fact, v: True,
    create=incident_record,
)
EXCLUSIONS = FactKind(
    model=Exclusion,
    facts=lambda pupil: pupil.exclusions,
    key=lambda v: (v["start_date"], v["kind"]),
    stored_key=lambda f: (f.start_date, f.kind),
    same=lambda fact, v: (fact.sessions, fact.reason_codes) == (v["sessions"], v["reasons"]),
    create=exclusion_record,
    correct=lambda fact, v, actor, grant: exclusion_correct(
        exclusion=fact,
        changes={"sessions": v["sessions"], "reasons": v["reasons"]},
        actor=actor,
        grant=grant,
    ),
)
RESULTS = FactKind(
    model=AttainmentResult,
    facts=lambda pupil: pupil.results,
    key=lambda v: (v["subject"], v["subject_other"].casefold(), v["assessment_label"]),
    stored_key=lambda f: (f.subject, f.subject_other.casefold(), f.assessment_label),
    same=lambda fact, v: (
        (fact.assessed_on, fact.scale, fact.grade, fact.target_grade)
        == (v["assessed_on"], v["scale"], v["grade"], v["target_grade"])
    ),
    create=result_record,
    correct=lambda fact, v, actor, grant: result_correct(
        result=fact,
        changes={
            "assessed_on": v["assessed_on"],
            "scale": v["scale"],
            "grade": v["grade"],
            "target_grade": v["target_grade"],
        },
        actor=actor,
        grant=grant,
    ),
)


class FactsPart(Part):
    """Incidents, exclusions or results through the behaviour app's services. A fact
    already imported is recognised by its key, so the same file twice changes nothing,
    and a newer file corrects an exclusion or a result through the audited correction."""

    def __init__(self, kind: FactKind) -> None:
        self.kind = kind

    def load(self, students: list[Student], run: Run) -> None:
        # Only facts this school's imports wrote are matched again: a fact a key worker
        # typed in stays theirs, and an import never corrects it.
        stored = self.kind.model._default_manager.filter(
            student__in=students,
            source_kind=SourceKind.SCHOOL_IMPORT,
            source_organisation=run.school.organisation,
        )
        if self.kind.model is Exclusion:
            stored = stored.filter(school=run.school)
        by_id = {student.pk: student for student in students}
        self.current: dict[int, dict[tuple[Any, ...], Any]] = defaultdict(dict)
        fact: Any
        for fact in stored:
            # Reading a sealed description needs its student's key, preloaded.
            fact.student = by_id[fact.student_id]
            self.current[fact.student_id][self.kind.stored_key(fact)] = fact
        self.before = {fact.pk for facts in self.current.values() for fact in facts.values()}

    def write(self, student: Student, pupil: PupilFacts, run: Run, pending: Pending) -> Change:
        existing = self.current[student.pk]
        before = bool(existing)
        changes = 0
        extra = {"school": run.school} if self.kind.model is Exclusion else {}
        for fact in self.kind.facts(pupil):
            values = fact.values()
            key = self.kind.key(values)
            found = existing.get(key)
            if found is not None:
                if self.kind.correct is not None and not self.kind.same(found, values):
                    existing[key] = self.kind.correct(found, values, run.actor, run.grant)
                    changes += 1
                continue
            existing[key] = self.kind.create(
                student=student,
                **values,
                **extra,
                **_source_fields(run.source),
                actor=run.actor,
                grant=run.grant,
            )
            changes += 1
        return Change(changes, before)

    def finish(self, run: Run) -> None:
        if self.kind.model is Exclusion:
            # Key workers hear of new exclusions once this import commits (issue 19).
            new = {fact.pk for facts in self.current.values() for fact in facts.values()}
            exclusions_imported_alert(exclusion_ids=new - self.before)
