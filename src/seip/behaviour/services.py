"""Recording and correcting incidents, exclusions, attitude ratings and results (P03).

Every write checks the actor may change the record (case staff, never an archived record),
validates the whole fact including its source (P11), and writes its audit event in the
same transaction. Audit details name the student by id and, for a correction, the fields
changed; never the values.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.behaviour.codes import MAX_REASONS
from seip.behaviour.models import (
    AttainmentResult,
    AttitudeRating,
    Exclusion,
    ExclusionKind,
    GradeScale,
    Incident,
    IncidentCategory,
    Severity,
    Subject,
)
from seip.core.calendar import ensure_not_future
from seip.organisations.models import PartnerOrganisation, School
from seip.students.models import Student
from seip.students.permissions import ImportGrant, ensure_can_write, grant_detail
from seip.students.sources import SourceKind

#: Who the fact is about and who recorded it never change by correction.
_FIXED_FIELDS = frozenset({"id", "student", "recorded_by", "recorded_at"})
_EVENT_DATES = frozenset({"occurred_on", "rated_on", "assessed_on"})


def _reason_fields(reasons: Sequence[str]) -> dict[str, str]:
    codes = [code.strip().upper() for code in reasons if code and code.strip()]
    if not codes:
        raise ValidationError({"reason_1": "Choose at least one reason"})
    if len(codes) > MAX_REASONS:
        raise ValidationError({"reason_1": f"Choose no more than {MAX_REASONS} reasons"})
    padded = [*codes, "", ""][:MAX_REASONS]
    return {f"reason_{n}": code for n, code in enumerate(padded, start=1)}


def _source(
    source_kind: SourceKind | str,
    source_organisation: PartnerOrganisation | None,
    source_note: str,
    obtained_on: dt.date | None,
) -> dict[str, Any]:
    return {
        "source_kind": source_kind,
        "source_organisation": source_organisation,
        "source_note": source_note.strip(),
        "obtained_on": obtained_on or timezone.localdate(),
    }


def _save[F: (Incident, Exclusion, AttitudeRating, AttainmentResult)](
    fact: F,
    *,
    actor: User,
    action: str,
    detail: dict[str, Any] | None = None,
    grant: ImportGrant | None = None,
) -> F:
    """Validate, save and audit. The event names the student by id, so a subject access
    bundle can find it (P18), and says nothing about what happened: the category or
    reasons of a named child's exclusion are personal data."""
    fact.full_clean()
    fact.save()
    detail = {"student_id": fact.student_id, **(detail or {}), **grant_detail(grant)}
    audit_record(actor=actor, action=action, obj=fact, detail=detail)
    return fact


def _correct[F: (Incident, Exclusion, AttitudeRating, AttainmentResult)](
    fact: F,
    changes: dict[str, Any],
    *,
    actor: User,
    action: str,
    grant: ImportGrant | None = None,
) -> F:
    """Apply ``changes`` to a saved fact, validate the result and audit which fields
    changed (names only: the values may be personal)."""
    ensure_can_write(actor, fact.student, grant=grant)
    fact = type(fact).objects.select_for_update().get(pk=fact.pk)
    editable = {field.name for field in fact._meta.concrete_fields} - _FIXED_FIELDS
    refused = set(changes) - editable
    if refused:
        raise ValidationError(f"These fields cannot be corrected: {', '.join(sorted(refused))}")
    for name in _EVENT_DATES & changes.keys():
        ensure_not_future(changes[name], field=name)
    changed = sorted(name for name, value in changes.items() if getattr(fact, name) != value)
    for name in changed:
        setattr(fact, name, changes[name])
    return _save(fact, actor=actor, action=action, detail={"fields": changed}, grant=grant)


@transaction.atomic
def incident_record(
    *,
    student: Student,
    occurred_on: dt.date,
    category: IncidentCategory | str,
    severity: Severity | int,
    description: str,
    source_kind: SourceKind | str = SourceKind.SCHOOL_ENTRY,
    source_organisation: PartnerOrganisation | None = None,
    source_note: str = "",
    obtained_on: dt.date | None = None,
    actor: User,
    grant: ImportGrant | None = None,
) -> Incident:
    """Record a behaviour incident in school, with where the account came from (P03, P11).
    ``grant`` is a school import's."""
    ensure_can_write(actor, student, grant=grant)
    ensure_not_future(occurred_on, field="occurred_on")
    incident = Incident(
        student=student,
        occurred_on=occurred_on,
        category=category,
        severity=severity,
        description=description.strip(),
        recorded_by=actor,
        **_source(source_kind, source_organisation, source_note, obtained_on),
    )
    return _save(
        incident,
        actor=actor,
        action="behaviour.incident.record",
        grant=grant,
    )


@transaction.atomic
def incident_correct(*, incident: Incident, changes: dict[str, Any], actor: User) -> Incident:
    """Correct fields of a recorded incident (for example its date or category)."""
    return _correct(incident, changes, actor=actor, action="behaviour.incident.correct")


@transaction.atomic
def exclusion_record(
    *,
    student: Student,
    kind: ExclusionKind | str,
    start_date: dt.date,
    sessions: int | None,
    reasons: Sequence[str],
    school: School | None = None,
    source_kind: SourceKind | str = SourceKind.SCHOOL_ENTRY,
    source_organisation: PartnerOrganisation | None = None,
    source_note: str = "",
    obtained_on: dt.date | None = None,
    actor: User,
    grant: ImportGrant | None = None,
) -> Exclusion:
    """Record a suspension (with its sessions) or a permanent exclusion (without), with one
    to three distinct DfE reason codes. ``school`` defaults to the school on roll."""
    ensure_can_write(actor, student, grant=grant)
    reason_fields = _reason_fields(reasons)
    exclusion = Exclusion(
        student=student,
        school=school or student.school,
        kind=kind,
        start_date=start_date,
        sessions=sessions,
        recorded_by=actor,
        **reason_fields,
        **_source(source_kind, source_organisation, source_note, obtained_on),
    )
    return _save(
        exclusion,
        actor=actor,
        action="behaviour.exclusion.record",
        grant=grant,
    )


@transaction.atomic
def exclusion_correct(
    *,
    exclusion: Exclusion,
    changes: dict[str, Any],
    actor: User,
    grant: ImportGrant | None = None,
) -> Exclusion:
    """Correct a recorded exclusion. Give ``reasons`` (a list) to replace all its reasons."""
    changes = dict(changes)
    if "reasons" in changes:
        changes.update(_reason_fields(changes.pop("reasons")))
    return _correct(
        exclusion, changes, actor=actor, action="behaviour.exclusion.correct", grant=grant
    )


@transaction.atomic
def attitude_record(
    *,
    student: Student,
    rated_on: dt.date,
    engagement: int,
    relationships: int,
    self_regulation: int,
    attitude_to_learning: int,
    review_id: int | None = None,
    source_kind: SourceKind | str = SourceKind.PARTNERSHIP,
    source_organisation: PartnerOrganisation | None = None,
    source_note: str = "",
    obtained_on: dt.date | None = None,
    actor: User,
) -> AttitudeRating:
    """Record one dated set of ratings on the fixed 1 to 5 attitude scale (P03).

    ``review_id`` names the progress review the ratings were made at, if any.
    """
    ensure_can_write(actor, student)
    ensure_not_future(rated_on, field="rated_on")
    rating = AttitudeRating(
        student=student,
        rated_on=rated_on,
        engagement=engagement,
        relationships=relationships,
        self_regulation=self_regulation,
        attitude_to_learning=attitude_to_learning,
        review_id=review_id,
        recorded_by=actor,
        **_source(source_kind, source_organisation, source_note, obtained_on or rated_on),
    )
    return _save(
        rating,
        actor=actor,
        action="behaviour.attitude.record",
    )


@transaction.atomic
def attitude_correct(
    *, rating: AttitudeRating, changes: dict[str, Any], actor: User
) -> AttitudeRating:
    """Correct a rating set, or link it to a review (``{"review_id": ...}``)."""
    return _correct(rating, changes, actor=actor, action="behaviour.attitude.correct")


@transaction.atomic
def result_record(
    *,
    student: Student,
    subject: Subject | str,
    assessed_on: dt.date,
    assessment_label: str,
    scale: GradeScale | str,
    grade: str,
    target_grade: str = "",
    subject_other: str = "",
    source_kind: SourceKind | str = SourceKind.SCHOOL_ENTRY,
    source_organisation: PartnerOrganisation | None = None,
    source_note: str = "",
    obtained_on: dt.date | None = None,
    actor: User,
    grant: ImportGrant | None = None,
) -> AttainmentResult:
    """Record a subject result at an assessment point, against its target (P03)."""
    ensure_can_write(actor, student, grant=grant)
    ensure_not_future(assessed_on, field="assessed_on")
    result = AttainmentResult(
        student=student,
        subject=subject,
        subject_other=subject_other,
        assessed_on=assessed_on,
        assessment_label=assessment_label.strip(),
        scale=scale,
        grade=grade.strip(),
        target_grade=target_grade.strip(),
        recorded_by=actor,
        **_source(source_kind, source_organisation, source_note, obtained_on),
    )
    return _save(
        result,
        actor=actor,
        action="behaviour.result.record",
        grant=grant,
    )


@transaction.atomic
def result_correct(
    *,
    result: AttainmentResult,
    changes: dict[str, Any],
    actor: User,
    grant: ImportGrant | None = None,
) -> AttainmentResult:
    """Correct a recorded result (for example a mistyped grade or target)."""
    return _correct(result, changes, actor=actor, action="behaviour.result.correct", grant=grant)
