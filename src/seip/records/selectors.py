"""Reads of the profile, chronology and safeguarding summary, each a fixed number of
queries however long the history grows.

The student must already have been fetched through
``students.selectors.student_record_visible_to(user)``; these selectors narrow what that
user sees inside the record (``records.permissions``). Encrypted text is decrypted only
here, for display, and never logged.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from seip.accounts.models import User
from seip.keys import crypto
from seip.keys.fields import open_all
from seip.records.models import (
    CaseNote,
    Need,
    NeedKind,
    NoteAttachment,
    SafeguardingConcern,
    SupportPlan,
)
from seip.records.permissions import RecordAccess, access_for
from seip.records.services import (
    ATTACHMENT_NAME,
    CONCERN_ACTIONS,
    CONCERN_DETAILS,
    NOTE_TEXT,
    REFERRAL_NOTE,
    fact_key,
)
from seip.students.models import Student
from seip.students.sources import Sourced, SourceKind


@dataclass(frozen=True)
class Fact:
    """One profile fact as a review lists it: ``key`` is what ``verify_facts`` takes."""

    key: str
    label: str
    value: str
    source: str
    obtained_on: dt.date
    verified_on: dt.date | None


@dataclass(frozen=True)
class AttachmentView:
    pk: int
    name: str
    size: int
    content_type: str


@dataclass
class NoteView:
    note: CaseNote
    text: str
    attachments: list[AttachmentView] = field(default_factory=list)


@dataclass(frozen=True)
class ConcernView:
    concern: SafeguardingConcern
    details: str
    actions_taken: str


@dataclass(frozen=True)
class SafeguardingSummary:
    """What the student page may say about concerns (P02): designated readers get a
    link to them, other staff a count and the break-glass link, others nothing."""

    shown: bool
    count: int
    reads_concerns: bool
    may_break_glass: bool


@dataclass(frozen=True)
class ReferralFact:
    """One thing the school wrote on the referral form, as the record shows it (P11)."""

    label: str
    text: str
    source: str
    obtained_on: dt.date


#: What the record shows from the referral form, in the form's order.
REFERRAL_FACTS = (
    ("reasons", "Reasons for referral"),
    ("support_tried", "Support already tried"),
    ("attendance_summary", "Attendance (the school's summary)"),
    ("behaviour_summary", "Behaviour (the school's summary)"),
)


def referral_background(student: Student) -> list[ReferralFact]:
    """The reasons for referral, the support already tried and the school's attendance and
    behaviour summaries, from the signed referral, each with its source: the school, on
    the day the form reached the partnership (P11). The signed form cannot change, so the
    record reads it rather than keeping a second copy (ADR 0042). No query beyond the
    referral and its school, which ``open_record`` already fetched."""
    referral = student.referral
    if referral.signed_at is None:
        return []
    # The referring school is the school on roll unless the child has moved since.
    school = student.school if student.school_id == referral.school_id else referral.school
    label = f"{SourceKind.SCHOOL_ENTRY.label}: {school.name} ({REFERRAL_NOTE.lower()})"
    obtained_on = timezone.localdate(referral.signed_at)
    return [
        ReferralFact(title, text, label, obtained_on)
        for name, title in REFERRAL_FACTS
        if (text := str(getattr(referral, name)).strip())
    ]


_KIND_ORDER = {kind: position for position, kind in enumerate(NeedKind.values)}


def current_needs(student: Student) -> list[Need]:
    """The current value of each kind of need, in a fixed order. One query (the rows reach
    ``student`` through its related manager, so their sealed details cost none)."""
    needs = student.needs.filter(superseded_at__isnull=True).select_related(
        "code", "source_organisation"
    )
    return sorted(needs, key=lambda need: _KIND_ORDER.get(need.kind, 99))


def need_history(student: Student, kind: str | None = None) -> QuerySet[Need]:
    """Every value ever recorded, oldest first: each superseded row names the row that
    replaced it, so the value before and after a correction can be shown (P19)."""
    rows = student.needs.select_related(
        "code", "source_organisation", "recorded_by", "superseded_by"
    )
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.order_by("kind", "recorded_at", "pk")


def current_plan(student: Student) -> SupportPlan | None:
    return student.support_plans.order_by("-created_at", "-pk").first()


#: Needs that describe a child's health or disability: special category data, shown
#: only to readers for whom ``RecordAccess.reads_health`` holds.
HEALTH_KINDS = frozenset({NeedKind.SEN_PRIMARY, NeedKind.SEN_SECONDARY})


def shown_source(fact: Sourced, *, health: bool) -> str:
    """A fact's source as this reader may see it: a fact supplied by a health service
    names that service only to those who read health (P07); others see "Another agency"."""
    return fact.source_label_for(health=health)


def profile_context(
    student: Student, user: User, access: RecordAccess | None = None
) -> dict[str, Any]:
    """The profile (P01): current needs, contacts, agencies, the current plan and its
    targets, and every fact with its source and last check (P11, P12). Six queries (one
    for the child's key, none when it is cached), and one more if ``access`` is not given.

    Health details (the SEN types of need, the health services involved, and which health
    service supplied a fact) are withheld from readers who may not see them (field-level
    restriction, ``RecordAccess.reads_health``): they learn that something is withheld,
    not what."""
    access = access or access_for(user, student)
    health = access.reads_health
    needs = current_needs(student)
    contacts = list(student.contacts.select_related("source_organisation"))
    agencies = list(student.agencies.select_related("organisation", "source_organisation"))
    withheld = 0
    if not health:
        kept_needs = [need for need in needs if need.kind not in HEALTH_KINDS]
        kept_agencies = [agency for agency in agencies if not agency.reveals_health]
        withheld = len(needs) - len(kept_needs) + len(agencies) - len(kept_agencies)
        needs, agencies = kept_needs, kept_agencies
    for row in (*needs, *contacts, *agencies):
        # Shown in place of ``source_label``: a fact that CAMHS supplied names CAMHS.
        row.shown_source = shown_source(row, health=health)  # type: ignore[attr-defined]
    plan = current_plan(student)
    targets = list(plan.targets.order_by("due_on", "pk")) if plan is not None else []
    # Contacts, details and targets are sealed under the child's key: opened in one go.
    open_all([*needs, *contacts, *agencies, *targets], [student.referral_id])
    facts = [
        *(
            Fact(fact_key(n), n.get_kind_display(), n.value_label, shown_source(n, health=health),
                 n.obtained_on, n.verified_on)
            for n in needs
        ),
        *(
            Fact(fact_key(c), f"Contact: {c.relationship}", c.name,
                 shown_source(c, health=health), c.obtained_on, c.verified_on)
            for c in contacts
        ),
        *(
            Fact(fact_key(a), "Agency", a.agency_name, shown_source(a, health=health),
                 a.obtained_on, a.verified_on)
            for a in agencies
        ),
    ]  # fmt: skip
    return {
        "needs": needs,
        "contacts": contacts,
        "agencies": agencies,
        "plan": plan,
        "targets": targets,
        "facts": facts,
        "health_withheld": withheld,
    }


def notes_visible_to(user: User, student: Student) -> QuerySet[CaseNote]:
    """The chronology is the partnership's own working file, read only by those who need
    it (P08, ``RecordAccess.reads_chronology``)."""
    if not access_for(user, student).reads_chronology:
        return CaseNote.objects.none()
    return CaseNote.objects.filter(student=student)


def chronology(student: Student, user: User) -> list[NoteView]:
    """The case notes, newest first, decrypted for display. Three queries, and one more
    for the student's data key when it is not cached.

    Raises ``keys.crypto.KeyShredded`` once the student's key was shredded (P22).
    """
    notes = list(notes_visible_to(user, student).select_related("author"))
    if not notes:
        return []
    sealer = crypto.sealer_for(student.referral_id)
    views = {
        note.pk: NoteView(
            note=note,
            text=sealer.decrypt(
                bytes(note.text_encrypted), aad=NOTE_TEXT, row=crypto.row_id(note)
            ).decode(),
        )
        for note in notes
    }
    for attachment in NoteAttachment.objects.filter(note__in=list(views)):
        name = sealer.decrypt(
            bytes(attachment.name_encrypted), aad=ATTACHMENT_NAME, row=crypto.row_id(attachment)
        )
        views[attachment.note_id].attachments.append(
            AttachmentView(
                pk=attachment.pk,
                name=name.decode(),
                size=attachment.size,
                content_type=attachment.content_type,
            )
        )
    return list(views.values())


def attachment_for(student: Student, user: User, pk: int) -> NoteAttachment | None:
    """An attachment of one of the student's notes, if ``user`` may read the chronology."""
    return (
        NoteAttachment.objects.filter(note__in=notes_visible_to(user, student), pk=pk)
        .select_related("note")
        .first()
    )


def decrypt_concerns(concerns: list[SafeguardingConcern]) -> list[ConcernView]:
    """For display only, after ``concerns_open`` or ``concern_break_glass`` allowed it.

    Raises ``keys.crypto.KeyShredded`` once the student's key was shredded (P22).
    """
    if not concerns:
        return []
    subjects = dict(
        Student.objects.filter(pk__in={c.student_id for c in concerns}).values_list(
            "pk", "referral_id"
        )
    )
    sealers = {pk: crypto.sealer_for(referral) for pk, referral in subjects.items()}

    def opened(concern: SafeguardingConcern, blob: bytes | memoryview, aad: bytes) -> str:
        sealer = sealers[concern.student_id]
        return sealer.decrypt(bytes(blob), aad=aad, row=crypto.row_id(concern)).decode()

    return [
        ConcernView(
            concern=concern,
            details=opened(concern, concern.details_encrypted, CONCERN_DETAILS),
            actions_taken=opened(concern, concern.actions_encrypted, CONCERN_ACTIONS),
        )
        for concern in concerns
    ]


def _summary(student: Student, access: RecordAccess) -> SafeguardingSummary:
    if not access.is_staff:
        return SafeguardingSummary(
            shown=False, count=0, reads_concerns=False, may_break_glass=False
        )
    return SafeguardingSummary(
        shown=True,
        count=SafeguardingConcern.objects.filter(student=student).count(),
        reads_concerns=access.reads_concerns,
        may_break_glass=access.may_break_glass,
    )


def safeguarding_summary(student: Student, user: User) -> SafeguardingSummary:
    """How many concerns exist, for partnership staff only; others learn nothing (P02)."""
    return _summary(student, access_for(user, student))


def panel_context(student: Student, user: User) -> dict[str, Any]:
    """Everything ``records/student_panel.html`` needs, under the key ``records``.

    Seven queries at most, however long the history.
    """
    access = access_for(user, student)
    return {
        "records": {
            **profile_context(student, user, access),
            "background": referral_background(student) if access.reads_referral else [],
            "access": access,
            "safeguarding": _summary(student, access),
        }
    }
