"""Writes to the student's profile, chronology and safeguarding concerns.

Every function is one audited transaction that checks the actor may write
(``ensure_can_write``) and validates with ``full_clean()`` before saving, so a page, an
import or a review all keep the same rules. Audit details hold ids, kinds and counts,
never names, note text or reasons (P14, P22).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from seip.accounts.models import User
from seip.attendance.calculations import tally
from seip.attendance.models import AttendanceYear
from seip.audit.services import audit_record
from seip.core.crypto import sha256
from seip.core.hooks import Hook
from seip.keys import crypto
from seip.keys.fields import seal_bulk_create
from seip.organisations.models import PartnerOrganisation
from seip.records.models import (
    SCHEME_FOR_KIND,
    BreakGlassAccess,
    CaseNote,
    ConcernCategory,
    Contact,
    Need,
    NeedCode,
    NeedKind,
    NoteAttachment,
    NoteKind,
    SafeguardingConcern,
    StudentAgency,
    SupportPlan,
    Target,
    TargetDomain,
    TargetStatus,
)
from seip.records.permissions import access_for
from seip.referrals.models import Referral, Tier
from seip.students.models import Case, Student
from seip.students.permissions import (
    ImportGrant,
    ensure_can_write,
    ensure_case_staff,
    grant_detail,
)
from seip.students.services import case_open
from seip.students.sources import SourceKind

#: The largest attachment accepted on a case note.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Associated data for each encrypted field: a blob moved to another field fails (P14).
NOTE_TEXT = b"records.note.text"
ATTACHMENT_NAME = b"records.attachment.name"
CONCERN_DETAILS = b"records.concern.details"
CONCERN_ACTIONS = b"records.concern.actions"


@dataclass(frozen=True)
class Source:
    """Where a fact came from and when (P11)."""

    kind: str
    obtained_on: dt.date
    organisation: PartnerOrganisation | None = None
    note: str = ""


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    content: bytes


def _check_source(source: Source) -> None:
    if source.kind not in SourceKind.values:
        raise ValidationError({"source_kind": "Choose where this information came from"})
    if source.obtained_on > timezone.localdate():
        raise ValidationError({"obtained_on": "The date obtained must be today or in the past"})


def _source_fields(source: Source) -> dict[str, object]:
    return {
        "source_kind": source.kind,
        "source_organisation": source.organisation,
        "source_note": source.note.strip(),
        "obtained_on": source.obtained_on,
    }


def _code(kind: str, code: str) -> NeedCode:
    if kind not in NeedKind.values:
        raise ValidationError({"kind": "Choose a kind of need"})
    found = NeedCode.objects.filter(scheme=SCHEME_FOR_KIND[kind], code=code).first()
    if found is None:
        raise ValidationError({"code": "Choose a value from the list for this kind of need"})
    return found


_OTHER_SEN_NEED: dict[str, str] = {
    NeedKind.SEN_PRIMARY: NeedKind.SEN_SECONDARY,
    NeedKind.SEN_SECONDARY: NeedKind.SEN_PRIMARY,
}


def _check_secondary(student: Student, kind: str, code: NeedCode, replacing: Need | None) -> None:
    other = _OTHER_SEN_NEED.get(kind)
    if other is None:
        return
    clash = student.needs.filter(kind=other, superseded_at__isnull=True, code=code)
    if replacing is not None:
        clash = clash.exclude(pk=replacing.pk)
    if clash.exists():
        raise ValidationError({"code": "The primary and secondary types of need must be different"})


def _replace(old: Need | None, new: Need) -> Need:
    """Validate and save ``new``, keeping ``old`` as history pointing at it (P19). The old
    row is closed first, so the rule of one current value per kind holds at every step;
    a validation error rolls the closing back with the rest of the transaction."""
    if old is not None:
        old.superseded_at = timezone.now()
        old.save(update_fields=["superseded_at"])
    new.full_clean(exclude=["superseded_by"])
    new.save()
    if old is not None:
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
    return new


@transaction.atomic
def need_record(
    *,
    student: Student,
    kind: str,
    code: str,
    detail: str = "",
    source: Source,
    actor: User,
    grant: ImportGrant | None = None,
) -> Need:
    """Record the current value of one kind of need, with its source (P01, P11).

    A new value for a kind that already has one is a change of circumstances: the earlier
    value is kept as history, not overwritten (P12). ``grant`` is a school import's.
    """
    ensure_can_write(actor, student, grant=grant)
    _check_source(source)
    need_code = _code(kind, code)
    current = (
        Need.objects.select_for_update()
        .filter(student=student, kind=kind, superseded_at__isnull=True)
        .first()
    )
    _check_secondary(student, kind, need_code, current)
    need = Need(
        student=student,
        kind=kind,
        code=need_code,
        detail=detail.strip(),
        recorded_by=actor,
        verified_on=source.obtained_on,
        **_source_fields(source),
    )
    _replace(current, need)
    audit_record(
        actor=actor,
        action="records.need.record",
        obj=need,
        detail={"kind": kind, "replaces": current.pk if current else None, **grant_detail(grant)},
    )
    return need


@transaction.atomic
def correct_fact(
    *, fact: Need, code: str, detail: str = "", source: Source, reason: str, actor: User
) -> Need:
    """Correct a recorded need (P19): the wrong value stays in the history, marked as
    superseded by the corrected one, so the value before and after can both be shown."""
    student = fact.student
    ensure_can_write(actor, student)
    fact = Need.objects.select_for_update().get(pk=fact.pk)
    if fact.superseded_at is not None:
        raise ValidationError("This value has already been replaced; correct the current one.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the value is being corrected"})
    _check_source(source)
    need_code = _code(fact.kind, code)
    _check_secondary(student, fact.kind, need_code, fact)
    new = Need(
        student=student,
        kind=fact.kind,
        code=need_code,
        detail=detail.strip(),
        recorded_by=actor,
        verified_on=timezone.localdate(),
        correction_reason=reason.strip(),
        **_source_fields(source),
    )
    _replace(fact, new)
    audit_record(
        actor=actor,
        action="records.need.correct",
        obj=new,
        detail={"kind": fact.kind, "replaces": fact.pk},
    )
    return new


#: The profile facts a review can confirm, by the prefix of their key.
FACT_MODELS: dict[str, type[Need] | type[Contact] | type[StudentAgency]] = {
    "need": Need,
    "contact": Contact,
    "agency": StudentAgency,
}


def fact_key(fact: Need | Contact | StudentAgency) -> str:
    """The key ``verify_facts`` takes for one fact, such as ``"need:12"``."""
    prefix = next(p for p, model in FACT_MODELS.items() if isinstance(fact, model))
    return f"{prefix}:{fact.pk}"


def _parse_keys(fact_ids: Iterable[str]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = {prefix: set() for prefix in FACT_MODELS}
    for key in fact_ids:
        prefix, _, number = str(key).partition(":")
        if prefix not in FACT_MODELS or not number.isdigit():
            raise ValidationError({"fact_ids": f"Unknown fact {key!r}"})
        wanted[prefix].add(int(number))
    return wanted


@transaction.atomic
def verify_facts(*, student: Student, fact_ids: Iterable[str], actor: User) -> int:
    """Confirm facts as still correct today (P12), as a review does.

    ``fact_ids`` are keys from :func:`fact_key` (``"need:12"``, ``"contact:3"``,
    ``"agency:4"``); each must be a current fact of ``student``. Returns how many were
    confirmed.
    """
    ensure_can_write(actor, student)
    wanted = _parse_keys(fact_ids)
    today = timezone.localdate()
    current: dict[str, QuerySet[Any]] = {
        "need": Need.objects.filter(superseded_at__isnull=True),
        "contact": Contact.objects.all(),
        "agency": StudentAgency.objects.all(),
    }
    count = 0
    for prefix, ids in wanted.items():
        if not ids:
            continue
        rows = current[prefix].filter(student=student, pk__in=ids)
        if rows.count() != len(ids):
            raise ValidationError(
                {"fact_ids": "Choose only current facts from this student's record"}
            )
        count += rows.update(verified_on=today)
    audit_record(actor=actor, action="records.facts.verify", obj=student, detail={"facts": count})
    return count


@transaction.atomic
def contact_add(
    *,
    student: Student,
    name: str,
    relationship: str,
    parental_responsibility: bool,
    phone: str = "",
    email: str = "",
    address: str = "",
    priority: int = 1,
    source: Source,
    actor: User,
) -> Contact:
    """Add a contact, recording whether they hold parental responsibility (P01)."""
    ensure_can_write(actor, student)
    _check_source(source)
    if not (phone.strip() or email.strip() or address.strip()):
        raise ValidationError({"phone": "Enter at least one of phone, email or address"})
    contact = Contact(
        student=student,
        name=name.strip(),
        relationship=relationship.strip(),
        parental_responsibility=parental_responsibility,
        phone=phone.strip(),
        email=email.strip(),
        address=address.strip(),
        priority=priority,
        verified_on=source.obtained_on,
        **_source_fields(source),
    )
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor,
        action="records.contact.add",
        obj=contact,
        detail={"parental_responsibility": parental_responsibility},
    )
    return contact


#: The source note of what a referral carries into the record.
REFERRAL_NOTE = "The signed referral form"


def referral_source(referral: Referral) -> Source:
    """Where what a referral form says came from (P11): the school that referred, on the
    day the signed form reached the partnership."""
    signed = referral.signed_at or referral.created_at
    return Source(
        kind=SourceKind.SCHOOL_ENTRY,
        obtained_on=timezone.localdate(signed),
        organisation=referral.school.organisation,
        note=REFERRAL_NOTE,
    )


def contacts_from_referral(*, student: Student, actor: User) -> list[Contact]:
    """The parents and carers named on the accepted referral become the record's first
    contacts, in the form's order, each sourced to the referral (P01, P11), so nobody types
    them again. Runs inside the caller's transaction (``referral_accept``, below),
    with one audit event that counts them and names no one."""
    ensure_can_write(actor, student)
    referral = student.referral
    source = referral_source(referral)
    contacts = [
        Contact(
            student=student,
            name=carer.name,
            relationship=carer.relationship,
            parental_responsibility=carer.parental_responsibility,
            phone=carer.phone,
            email=carer.email,
            priority=priority,
            verified_on=source.obtained_on,
            **_source_fields(source),
        )
        for priority, carer in enumerate(referral.carers.order_by("pk"), start=1)
    ]
    for contact in contacts:
        contact.full_clean()
        contact.save()
    audit_record(
        actor=actor,
        action="records.contacts.from_referral",
        obj=student,
        detail={"contacts": len(contacts), "referral": referral.pk},
    )
    return contacts


@transaction.atomic
def referral_accept(
    *,
    referral: Referral,
    tier: Tier,
    risk_assessment_on: dt.date | None,
    risk_assessment_summary: str,
    actor: User,
) -> Case:
    """The co-ordinator accepts a signed referral: the record and its case open
    (``students.services.case_open``, P25), and what the school wrote comes with it.
    Here, above students and referrals, because it writes through both (ADR 0052).

    The parents and carers on the form become the record's contacts, sourced to the
    referral (P11). The reasons, the support already tried and the school's attendance and
    behaviour summaries stay on the signed referral, which is part of the record, and the
    record shows them with the same source (``records.selectors.referral_background``):
    one copy to correct or erase, not two (ADR 0042).
    """
    case = case_open(
        referral=referral,
        tier=tier,
        risk_assessment_on=risk_assessment_on,
        risk_assessment_summary=risk_assessment_summary,
        actor=actor,
    )
    contacts_from_referral(student=case.student, actor=actor)
    return case


@transaction.atomic
def agency_add(
    *,
    student: Student,
    organisation: PartnerOrganisation | None,
    organisation_name: str = "",
    worker_name: str = "",
    role: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    source: Source,
    actor: User,
) -> StudentAgency:
    """Record an agency working with the student (P01): a registered organisation, or
    the name of one that is not registered."""
    ensure_can_write(actor, student)
    _check_source(source)
    agency = StudentAgency(
        student=student,
        organisation=organisation,
        organisation_name="" if organisation else organisation_name.strip(),
        worker_name=worker_name.strip(),
        role=role.strip(),
        since=since,
        until=until,
        verified_on=source.obtained_on,
        **_source_fields(source),
    )
    agency.full_clean()
    agency.save()
    audit_record(
        actor=actor,
        action="records.agency.add",
        obj=agency,
        detail={"registered": organisation is not None},
    )
    return agency


@transaction.atomic
def plan_create(*, student: Student, actor: User) -> SupportPlan:
    """Start a new support plan; the latest plan is the current one."""
    ensure_can_write(actor, student)
    plan = SupportPlan(student=student, created_by=actor)
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="records.plan.create", obj=plan)
    return plan


@transaction.atomic
def plan_review(*, plan: SupportPlan, reviewed_on: dt.date, actor: User) -> SupportPlan:
    ensure_can_write(actor, plan.student)
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "The review date must be today or in the past"})
    plan.reviewed_on = reviewed_on
    plan.full_clean()
    plan.save(update_fields=["reviewed_on"])
    audit_record(actor=actor, action="records.plan.review", obj=plan)
    return plan


@transaction.atomic
def target_add(
    *,
    plan: SupportPlan,
    domain: str,
    description: str,
    measure: str,
    due_on: dt.date,
    actor: User,
) -> Target:
    ensure_can_write(actor, plan.student)
    if domain not in TargetDomain.values:
        raise ValidationError({"domain": "Choose the area the target is about"})
    target = Target(
        plan=plan,
        domain=domain,
        description=description.strip(),
        measure=measure.strip(),
        due_on=due_on,
    )
    target.full_clean()
    target.save()
    audit_record(actor=actor, action="records.target.add", obj=target, detail={"domain": domain})
    return target


@transaction.atomic
def target_set_status(*, target: Target, status: str, actor: User) -> Target:
    ensure_can_write(actor, target.plan.student)
    if status not in TargetStatus.values:
        raise ValidationError({"status": "Choose the target's status"})
    target.status = status
    target.save(update_fields=["status"])
    audit_record(actor=actor, action="records.target.status", obj=target, detail={"status": status})
    return target


@transaction.atomic
def note_add(
    *,
    student: Student,
    kind: str,
    happened_on: dt.date,
    text: str,
    attachments: Iterable[Upload] = (),
    actor: User,
) -> CaseNote:
    """Add a dated entry to the chronology. The text and every attachment are encrypted
    under the student's own data key before they reach the database or the file store
    (P14), so shredding that key erases them (P22)."""
    ensure_can_write(actor, student)
    uploads = list(attachments)
    errors: dict[str, str] = {}
    if kind not in NoteKind.values:
        errors["kind"] = "Choose the type of note"
    if not text.strip():
        errors["text"] = "Enter the note"
    if happened_on > timezone.localdate():
        errors["happened_on"] = "The date must be today or in the past"
    if any(len(upload.content) > MAX_ATTACHMENT_BYTES for upload in uploads):
        errors["attachments"] = "Each file must be smaller than 10 MB"
    if any(not upload.content for upload in uploads):
        errors["attachments"] = "The selected file is empty"
    if errors:
        raise ValidationError(errors)
    sealer = crypto.sealer_for(student.referral_id, create=True)
    note = CaseNote(student=student, kind=kind, happened_on=happened_on, author=actor)
    note.full_clean(exclude=["text_encrypted"])
    # The ciphertext names its row (P14), so it is sealed once the row has its key.
    note.save()
    note.text_encrypted = sealer.encrypt(
        text.strip().encode(), aad=NOTE_TEXT, row=crypto.row_id(note)
    )
    note.save(update_fields=["text_encrypted"])
    for upload in uploads:
        attachment = NoteAttachment.objects.create(
            note=note,
            stored_as=crypto.store_encrypted_for(student.referral_id, "case-notes", upload.content),
            content_type=upload.content_type or "application/octet-stream",
            size=len(upload.content),
            sha256=sha256(upload.content),
        )
        attachment.name_encrypted = sealer.encrypt(
            upload.name.encode(), aad=ATTACHMENT_NAME, row=crypto.row_id(attachment)
        )
        attachment.save(update_fields=["name_encrypted"])
    audit_record(
        actor=actor,
        action="records.note.add",
        obj=note,
        detail={"kind": kind, "attachments": len(uploads)},
    )
    return note


@transaction.atomic
def concern_raise(
    *,
    student: Student,
    raised_on: dt.date,
    category: ConcernCategory,
    details: str,
    actions_taken: str,
    actor: User,
) -> SafeguardingConcern:
    """Record a safeguarding concern (P02). Any case staff member may raise one; only the
    designated roles read it back without breaking glass."""
    ensure_case_staff(actor, student)
    errors: dict[str, str] = {}
    if not details.strip():
        errors["details"] = "Enter the details of the concern"
    if raised_on > timezone.localdate():
        errors["raised_on"] = "The date must be today or in the past"
    if errors:
        raise ValidationError(errors)
    sealer = crypto.sealer_for(student.referral_id, create=True)
    concern = SafeguardingConcern(
        student=student, raised_on=raised_on, category=category, raised_by=actor
    )
    concern.full_clean(exclude=["details_encrypted", "actions_encrypted"])
    # The ciphertext names its row (P14), so it is sealed once the row has its key.
    concern.save()
    row = crypto.row_id(concern)
    concern.details_encrypted = sealer.encrypt(
        details.strip().encode(), aad=CONCERN_DETAILS, row=row
    )
    concern.actions_encrypted = sealer.encrypt(
        actions_taken.strip().encode(), aad=CONCERN_ACTIONS, row=row
    )
    concern.save(update_fields=["details_encrypted", "actions_encrypted"])
    audit_record(
        actor=actor,
        action="records.concern.raise",
        obj=concern,
        detail={"category": category.code},
    )
    return concern


@transaction.atomic
def concerns_open(*, student: Student, actor: User) -> list[SafeguardingConcern]:
    """A designated reader opens the student's concerns; the read is audited (P02, P14)."""
    if not access_for(actor, student).reads_concerns:
        raise PermissionDenied("Only the safeguarding lead and the co-ordinator read these.")
    concerns = list(student.safeguarding_concerns.select_related("category", "raised_by"))
    audit_record(
        actor=actor,
        action="records.concern.read",
        obj=student,
        detail={"concerns": len(concerns)},
    )
    return concerns


class GlassBroken(Protocol):
    """Called inside the transaction that records a break-glass read (P02). The
    notifications app registers the safeguarding leads' alert in its ``AppConfig.ready``:
    notifications builds on records, so records cannot import it (ADR 0052)."""

    def __call__(self, *, student: Student, actor: User) -> object: ...


glass_broken: Hook[GlassBroken] = Hook("break glass")


@transaction.atomic
def concern_break_glass(*, student: Student, reason: str, actor: User) -> list[SafeguardingConcern]:
    """Open a student's concerns as a non-designated staff member (P02).

    The reason is required; one ``BreakGlassAccess`` row per concern and one audit event
    are written in this transaction. Nothing is remembered for the next request: every
    opening needs its own reason.
    """
    if not access_for(actor, student).may_break_glass:
        raise PermissionDenied("Only the partnership's staff may open restricted records.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you need to open these records"})
    concerns = list(student.safeguarding_concerns.select_related("category", "raised_by"))
    accesses = [
        BreakGlassAccess(user=actor, concern=concern, reason=reason.strip()) for concern in concerns
    ]
    for access in accesses:
        access.full_clean()
    if accesses:
        seal_bulk_create(BreakGlassAccess, accesses)
    audit_record(
        actor=actor,
        action="records.concern.break_glass",
        obj=student,
        detail={"concerns": [concern.pk for concern in concerns]},
    )
    for handler in glass_broken:
        handler(student=student, actor=actor)
    return concerns


class ResponsibilityChanged(Protocol):
    """Called, in the same transaction, when a contact's parental responsibility or email
    changes. The family portal registers its recheck in its ``AppConfig.ready`` (P03):
    progress builds on records, so records cannot import it (ADR 0052)."""

    def __call__(self, *, student: Student, actor: User | None) -> object: ...


responsibility_changed: Hook[ResponsibilityChanged] = Hook("contact responsibility changed")


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    changes: dict[str, Any],
    source: Source,
    actor: User,
    grant: ImportGrant | None = None,
) -> list[str]:
    """Bring a contact's details up to date from a newer source (an import, P11).

    ``changes`` may hold parental responsibility, phone, email, address and priority; the
    name and relationship identify the contact and do not change here. The source and the
    verification date become the new source's. Returns the fields changed (none: nothing
    is written); the audit event names the fields, never their values.
    """
    ensure_can_write(actor, contact.student, grant=grant)
    editable = {"parental_responsibility", "phone", "email", "address", "priority"}
    refused = set(changes) - editable
    if refused:
        raise ValidationError(f"These fields cannot be updated: {', '.join(sorted(refused))}")
    changed = [name for name, value in changes.items() if getattr(contact, name) != value]
    if not changed:
        return []
    _check_source(source)
    for name in changed:
        setattr(contact, name, changes[name])
    contact.source_kind = source.kind
    contact.source_note = source.note
    contact.source_organisation = source.organisation
    contact.obtained_on = contact.verified_on = source.obtained_on
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor,
        action="records.contact.import_update",
        obj=contact,
        detail={"fields": changed, **grant_detail(grant)},
    )
    if {"parental_responsibility", "email"} & set(changed):
        # Portal access follows parental responsibility, in this same transaction (P03).
        for handler in responsibility_changed:
            handler(student=contact.student, actor=actor)
    return changed


def facts_create(
    *,
    student: Student,
    needs: list[Need],
    contacts: list[Contact],
    years: list[AttendanceYear],
    detail: dict[str, Any],
    actor: User,
    grant: ImportGrant | None = None,
) -> None:
    """Insert a pupil's first imported values (issue 7) in bulk: needs with no current
    value, new contacts and new attendance years, validated as the services validate them
    (marks must already have passed ``attendance.services.check_year``), with one audit
    event that lists what was added. A plain loop over the services takes about 70 ms a
    pupil, nearly two minutes for a large school's file. Must run inside the caller's
    transaction."""
    ensure_can_write(actor, student, grant=grant)
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
    # Details, names, contact details and source notes are sealed under the child's key
    # (P14).
    if needs:
        seal_bulk_create(Need, needs)
    if contacts:
        seal_bulk_create(Contact, contacts)
    if years:
        seal_bulk_create(AttendanceYear, years)
    audit_record(
        actor=actor,
        action="imports.ctf.facts_add",
        obj=student,
        detail={
            **detail,
            **grant_detail(grant),
            "needs": sorted(need.kind for need in needs),
            "contacts": len(contacts),
            "attendance_years": sorted(year.academic_year for year in years),
        },
    )
