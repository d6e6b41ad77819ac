"""Everything the partnership holds about one student, in one typed structure (P18, P21).

Unlike a transfer package (``transfers.record``), which is cut down for its recipient, an
access bundle is complete: it is the child's own information. Each table is one query
(with its joins), so the number of queries is fixed however long the history; encrypted
text is decrypted through the records selectors, and files are read once each.

The caller must be a rights handler of the student's partnership (``bundles.services``
checks that before calling); this module reads, it decides nothing.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from seip.accounts.models import Membership, User
from seip.attendance.models import AttendanceYear
from seip.audit.models import AuditEvent
from seip.behaviour.models import AttainmentResult, AttitudeRating, Exclusion
from seip.keys import crypto
from seip.progress.models import Review
from seip.provision.models import PlacementReview
from seip.records import selectors as records
from seip.records.models import NoteAttachment, SafeguardingConcern, Target
from seip.referrals.models import Carer, Consent, ConsentGrant
from seip.rights.models import RightsRequest
from seip.sharing.models import Involvement
from seip.sharing.selectors import disclosures_of
from seip.students.models import PaperFile, Student
from seip.transfers.record import attachment_filename

type Row = dict[str, Any]

#: Audit actions that are someone looking at the record (the access log). ``read.*`` is
#: every page or download of the record (``sharing.services.record_read``).
READ_ACTIONS = ("records.concern.read", "records.concern.break_glass")


@dataclass(frozen=True)
class BundleFile:
    """A file that goes into ``attachments/`` of the zip."""

    path: str
    content: bytes
    #: The row that owns it: ("attachments", pk) for a note's file, ("consents", pk) for
    #: a signed consent form.
    owner: tuple[str, int]


@dataclass
class Bundle:
    student_id: int
    partnership: str
    generated_at: dt.datetime
    tables: dict[str, list[Row]]
    files: list[BundleFile] = field(default_factory=list)
    #: Notes for the reader about what is not included and why (filled by redaction).
    withheld: list[str] = field(default_factory=list)

    def row(self, table: str, pk: int) -> Row | None:
        return next((row for row in self.tables.get(table, []) if row.get("id") == pk), None)


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _at(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _num(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _name(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else ""


def _source(fact: Any) -> Row:
    # The family's own copy names every source (Art 15(1)(g)), health services included.
    return {"source": fact.source_label_for(health=True), "obtained_on": _day(fact.obtained_on)}


def _student(student: Student) -> list[Row]:
    return [{
        "id": student.pk, "first_name": student.first_name, "last_name": student.last_name,
        "date_of_birth": _day(student.date_of_birth), "sex": student.get_sex_display(),
        "upn": student.upn, "nc_year": student.nc_year, "ethnicity": student.ethnicity,
        "school": student.school.name,
        "school_urn": student.school.urn, "partnership": student.partnership.name,
        "archived_at": _at(student.archived_at),
    }]  # fmt: skip


def _referral(student: Student) -> list[Row]:
    r = student.referral
    return [{
        "id": r.pk, "school": r.school.name, "status": r.get_status_display(),
        "reasons": r.reasons, "support_tried": r.support_tried,
        "attendance_summary": r.attendance_summary, "behaviour_summary": r.behaviour_summary,
        "requested_tier": r.requested_tier, "signed_at": _at(r.signed_at),
        "decided_at": _at(r.decided_at), "decline_reason": r.decline_reason,
    }]  # fmt: skip


def _read_sealed(sealer: crypto.Sealer, name: str) -> bytes:
    """``crypto.read_encrypted_for`` with a sealer opened once for all of a student's
    files: reopening it per file costs a key lookup each while the key cache is cold
    (inside a transaction), which would make the query count grow with the history."""
    with default_storage.open(name, "rb") as handle:
        return sealer.decrypt(handle.read(), aad=crypto._file_aad(name.rpartition("/")[0]))


def _consents(student: Student, sealer: crypto.Sealer | None) -> tuple[list[Row], list[BundleFile]]:
    rows, files = [], []
    for c in Consent.objects.filter(referral_id=student.referral_id).select_related(
        "notice_version"
    ):
        path = ""
        if c.form_file:
            path = f"attachments/consent-{c.pk}-signed-form.pdf"
            content = _read_sealed(_sealer(student, sealer), c.form_file)
            files.append(BundleFile(path, content, ("consents", c.pk)))
        notice = c.notice_version
        rows.append({
            "id": c.pk, "signed_by": c.signed_by_name, "relationship": c.relationship,
            "parental_responsibility": c.has_parental_responsibility,
            "signed_on": _day(c.signed_on), "notice_version": notice.number,
            "notice_title": notice.title, "notice_published_at": _at(notice.published_at),
            "notice_sha256": notice.sha256, "choices": json.dumps(c.choices, sort_keys=True),
            "form_file": path,
        })  # fmt: skip
    return rows, files


def _needs(student: Student) -> list[Row]:
    return [
        {"id": n.pk, "kind": n.get_kind_display(), "value": n.value_label,
         "current": n.is_current, "recorded_at": _at(n.recorded_at),
         "superseded_at": _at(n.superseded_at), "correction_reason": n.correction_reason,
         "verified_on": _day(n.verified_on), **_source(n)}
        for n in records.need_history(student)
    ]  # fmt: skip


def _agencies(student: Student) -> list[Row]:
    rows = student.agencies.select_related("organisation", "source_organisation")
    return [
        {"id": a.pk, "agency": a.agency_name, "worker": a.worker_name, "role": a.role,
         "since": _day(a.since), "until": _day(a.until), "verified_on": _day(a.verified_on),
         **_source(a)}
        for a in rows
    ]  # fmt: skip


def _notes(notes: list[records.NoteView], student: Student) -> tuple[list[Row], list[Row]]:
    note_rows: list[Row] = []
    attachment_rows: list[Row] = []
    for view in reversed(notes):  # the selector gives newest first; a record reads oldest first
        paths = [attachment_filename(a.pk, a.name) for a in view.attachments]
        note_rows.append({
            "id": view.note.pk, "date": _day(view.note.happened_on),
            "kind": view.note.get_kind_display(), "author": _name(view.note.author),
            "text": view.text, "attachments": "; ".join(paths),
        })  # fmt: skip
        attachment_rows.extend(
            {"id": a.pk, "note_id": view.note.pk, "file": path, "name": a.name,
             "content_type": a.content_type, "size": a.size, "sha256": ""}
            for a, path in zip(view.attachments, paths, strict=True)
        )  # fmt: skip
    return note_rows, attachment_rows


def _sealer(student: Student, sealer: crypto.Sealer | None) -> crypto.Sealer:
    return sealer if sealer is not None else crypto.sealer_for(student.referral_id)


def _attachment_files(
    student: Student, rows: list[Row], sealer: crypto.Sealer | None
) -> list[BundleFile]:
    stored = {
        pk: (name, sha256)
        for pk, name, sha256 in NoteAttachment.objects.filter(
            pk__in=[r["id"] for r in rows]
        ).values_list("pk", "stored_as", "sha256")
    }
    files = []
    for row in rows:
        name, row["sha256"] = stored[row["id"]]
        content = _read_sealed(_sealer(student, sealer), name)
        files.append(BundleFile(row["file"], content, ("attachments", row["id"])))
    return files


def _concerns(student: Student) -> list[Row]:
    concerns = list(
        SafeguardingConcern.objects.filter(student=student)
        .select_related("category", "raised_by")
        .order_by("raised_on", "pk")
    )
    return [
        {"id": v.concern.pk, "raised_on": _day(v.concern.raised_on),
         "category": v.concern.category.label, "raised_by": _name(v.concern.raised_by),
         "details": v.details, "actions_taken": v.actions_taken}
        for v in records.decrypt_concerns(concerns)
    ]  # fmt: skip


def _attendance(student: Student) -> list[Row]:
    rows = []
    for y in (
        AttendanceYear.objects.filter(student=student)
        .select_related("school", "source_organisation")
        .order_by("academic_year")
    ):
        attended = y.present + y.approved
        percent = round(Decimal(100 * attended) / y.possible, 1) if y.possible else None
        rows.append({
            "id": y.pk, "academic_year": y.academic_year, "school": y.school.name,
            "possible": y.possible, "present": y.present, "approved": y.approved,
            "authorised": y.authorised, "unauthorised": y.unauthorised,
            "percent": _num(percent), "marks": y.marks, **_source(y),
        })  # fmt: skip
    return rows


def _behaviour(student: Student) -> dict[str, list[Row]]:
    src = "source_organisation"
    return {
        "incidents": [
            {"id": i.pk, "occurred_on": _day(i.occurred_on),
             "category": i.get_category_display(), "severity": i.get_severity_display(),
             "description": i.description, **_source(i)}
            for i in student.incidents.select_related(src).order_by("occurred_on", "pk")
        ],
        "exclusions": [
            {"id": e.pk, "kind": e.get_kind_display(), "school": e.school.name,
             "start_date": _day(e.start_date), "sessions": e.sessions,
             "reasons": "; ".join(reason.label for reason in e.reasons), **_source(e)}
            for e in Exclusion.objects.filter(student=student).select_related("school", src)
            .order_by("start_date", "pk")
        ],
        "attitude_ratings": [
            {"id": a.pk, "rated_on": _day(a.rated_on), "engagement": a.engagement,
             "relationships": a.relationships, "self_regulation": a.self_regulation,
             "attitude_to_learning": a.attitude_to_learning, **_source(a)}
            for a in AttitudeRating.objects.filter(student=student).select_related(src)
            .order_by("rated_on", "pk")
        ],
        "attainment_results": [
            {"id": r.pk, "subject": r.subject_other or r.get_subject_display(),
             "assessed_on": _day(r.assessed_on), "assessment": r.assessment_label,
             "scale": r.get_scale_display(), "grade": r.grade, "target_grade": r.target_grade,
             **_source(r)}
            for r in AttainmentResult.objects.filter(student=student).select_related(src)
            .order_by("assessed_on", "subject", "pk")
        ],
    }  # fmt: skip


def _provision(student: Student) -> dict[str, list[Row]]:
    # Related managers and select_related: each row reaches the child's key with no query.
    interventions = student.interventions.select_related(
        "provider", "placement", "source_organisation"
    )
    reviews = PlacementReview.objects.filter(
        placement__intervention__student=student
    ).select_related("placement__intervention__student", "source_organisation")
    return {
        "interventions": [
            {"id": i.pk, "type": i.get_type_display(), "description": i.description,
             "provider": i.provider_name, "start_date": _day(i.start_date),
             "end_date": _day(i.end_date), "sessions_planned": i.sessions_planned,
             "sessions_attended": i.sessions_attended, "total_cost": _num(i.total_cost),
             "funding_stream": i.get_funding_stream_display(),
             "placement_site": getattr(getattr(i, "placement", None), "site", ""),
             "placement_days_per_week": _num(
                 getattr(getattr(i, "placement", None), "days_per_week", None)
             ),
             **_source(i)}
            for i in interventions.order_by("start_date", "pk")
        ],
        "placement_reviews": [
            {"id": r.pk, "intervention_id": r.placement.intervention_id,
             "reviewed_on": _day(r.reviewed_on), "attendance_percent": _num(r.attendance_percent),
             "summary": r.summary, "next_steps": r.next_steps, **_source(r)}
            for r in reviews.order_by("reviewed_on", "pk")
        ],
    }  # fmt: skip


def _access_log(student: Student) -> list[Row]:
    events = list(
        AuditEvent.objects.filter(object_type="students.student", object_id=str(student.pk))
        .filter(Q(action__startswith="read.") | Q(action__in=READ_ACTIONS))
        .select_related("actor")
        .order_by("seq")
    )
    roles: dict[int, list[tuple[str, str]]] = {}
    actors = {event.actor_id for event in events if event.actor_id is not None}
    for m in Membership.objects.filter(user__in=actors).select_related(
        "partnership", "organisation"
    ):
        where = m.partnership or m.organisation
        roles.setdefault(m.user_id, []).append((m.get_role_display(), where.name if where else ""))
    rows = []
    for event in events:
        held = roles.get(event.actor_id or 0, [])
        rows.append({
            "at": _at(event.at), "who": _name(event.actor) or "The system",
            "role": "; ".join(role for role, _ in held),
            "organisation": "; ".join(sorted({where for _, where in held if where})),
            "what": _what(event.action),
        })  # fmt: skip
    return rows


def _what(action: str) -> str:
    if action.startswith("read."):
        return action.removeprefix("read.").replace("_", " ")
    return {
        "records.concern.read": "safeguarding concerns",
        "records.concern.break_glass": "safeguarding concerns (opened with a reason)",
    }.get(action, action)


#: The access log's "what" for reads of safeguarding concerns: left out of a bundle whose
#: concerns were all withheld without saying so (``redaction.apply``).
SAFEGUARDING_READS = frozenset(_what(action) for action in READ_ACTIONS)


def assemble(student: Student, user: User) -> Bundle:
    """Everything held about ``student``, read as the rights handler ``user``.

    A fixed number of queries (about 30) however long the history; one file read per
    attachment. Raises ``keys.crypto.KeyShredded`` if the student's key is gone (P22).
    The sealed fields (contacts, details, descriptions, reviews) are opened with the one
    sealer, so they cost no query.
    """
    student = Student.objects.select_related(
        "school", "partnership", "referral", "referral__school"
    ).get(pk=student.pk)
    # One sealer for every file (a student with no key has no files to read).
    try:
        sealer: crypto.Sealer | None = crypto.sealer_for(student.referral_id)
    except crypto.KeyMissing:
        sealer = None
    with crypto.using_sealers({student.referral_id: sealer} if sealer is not None else {}):
        return _assemble(student, user, sealer)


def _assemble(student: Student, user: User, sealer: crypto.Sealer | None) -> Bundle:
    consents, files = _consents(student, sealer)
    notes, attachments = _notes(records.chronology(student, user), student)
    files.extend(_attachment_files(student, attachments, sealer))
    targets = Target.objects.filter(plan__student=student).select_related("plan__student")
    tables: dict[str, list[Row]] = {
        "student": _student(student),
        "referral": _referral(student),
        "carers": [
            {"id": c.pk, "name": c.name, "relationship": c.relationship,
             "parental_responsibility": c.parental_responsibility, "phone": c.phone,
             "email": c.email}
            for c in Carer.objects.filter(referral_id=student.referral_id).order_by("pk")
        ],
        "consents": consents,
        "consent_grants": [
            {"id": g.pk, "consent_id": g.consent_id, "category": g.get_category_display(),
             "granted_at": _at(g.granted_at), "withdrawn_at": _at(g.withdrawn_at)}
            for g in ConsentGrant.objects.filter(referral_id=student.referral_id).order_by("pk")
        ],
        "cases": [
            {"id": c.pk, "status": c.get_status_display(), "tier": c.tier,
             "key_worker": _name(c.key_worker), "opened_at": _at(c.opened_at),
             "closed_at": _at(c.closed_at), "outcome": c.get_outcome_display(),
             "destination": c.get_destination_display(),
             "risk_assessment_on": _day(c.risk_assessment_on),
             "risk_assessment_summary": c.risk_assessment_summary}
            for c in student.cases.select_related("key_worker").order_by("opened_at", "pk")
        ],
        "needs": _needs(student),
        "contacts": [
            {"id": c.pk, "name": c.name, "relationship": c.relationship,
             "parental_responsibility": c.parental_responsibility, "phone": c.phone,
             "email": c.email, "address": c.address, "priority": c.priority,
             "verified_on": _day(c.verified_on), **_source(c)}
            for c in student.contacts.select_related("source_organisation")
        ],
        "agencies": _agencies(student),
        "targets": [
            {"id": t.pk, "plan_id": t.plan_id, "plan_created_at": _at(t.plan.created_at),
             "domain": t.get_domain_display(), "description": t.description,
             "measure": t.measure, "due_on": _day(t.due_on), "status": t.get_status_display()}
            for t in targets.order_by("plan__created_at", "due_on", "pk")
        ],
        "case_notes": notes,
        "attachments": attachments,
        "safeguarding_concerns": _concerns(student),
        "attendance_years": _attendance(student),
        **_behaviour(student),
        **_provision(student),
        "reviews": [
            {"id": r.pk, "held_on": _day(r.held_on), "attendance_progress": r.attendance_progress,
             "behaviour_progress": r.behaviour_progress,
             "attainment_progress": r.attainment_progress, "student_view": r.student_view,
             "parent_view": r.parent_view, "next_steps": r.next_steps}
            for r in Review.objects.filter(case__student=student)
            .select_related("case__student").order_by("held_on", "pk")
        ],
        "involvements": [
            {"id": i.pk, "organisation": i.organisation.name, "purpose": i.purpose,
             "starts_on": _day(i.starts_on), "ends_on": _day(i.ends_on)}
            for i in Involvement.objects.filter(student=student).select_related("organisation")
            .order_by("starts_on", "pk")
        ],
        "disclosures": [
            {"id": d.pk, "at": _at(d.at),
             "organisation": d.organisation.name if d.organisation else "Not recorded",
             "kind": d.get_kind_display(), "purpose": d.purpose}
            for d in disclosures_of(student).order_by("at", "pk")
        ],
        "access_log": _access_log(student),
        "rights_requests": [
            {"id": r.pk, "type": r.get_type_display(), "received_on": _day(r.received_on),
             "status": r.get_status_display(), "closed_on": _day(r.closed_on)}
            for r in RightsRequest.objects.filter(student=student).order_by("received_on", "pk")
        ],
        "paper_files": [
            {"id": p.pk, "description": p.description, "returned_to": p.returned_to.name,
             "returned_on": _day(p.returned_on), "received_by": p.received_by}
            for p in PaperFile.objects.filter(student=student).select_related("returned_to")
        ],
    }  # fmt: skip
    return Bundle(
        student_id=student.pk,
        partnership=student.partnership.name,
        generated_at=timezone.now(),
        tables=tables,
        files=files,
    )
