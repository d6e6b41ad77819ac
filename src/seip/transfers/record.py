"""What a transfer package says about a student: ``record.json`` and ``record.pdf`` (P15).

Everything is read through the other apps' selectors, as the sending user, so a package
can never hold more than that user may read. On top of that, two restrictions apply to
every transfer whoever sends it:

- safeguarding concerns are never included: they go from safeguarding lead to
  safeguarding lead by the statutory route, not in a package;
- the SEN types of need and the health services involved (health information) go only
  to a health organisation or a school; other recipients get the rest of the profile
  without them.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from seip.accounts.models import User
from seip.attendance import selectors as attendance
from seip.attendance.calculations import Rate
from seip.behaviour import selectors as behaviour
from seip.core.pdf import render_pdf
from seip.organisations.models import OrganisationType, PartnerOrganisation
from seip.progress.selectors import reviews_of
from seip.provision.selectors import interventions_of
from seip.records import selectors as records
from seip.records.models import NeedKind
from seip.students.models import Student

#: Recipients that may receive the SEN types of need (health information).
HEALTH_RECIPIENTS = frozenset({OrganisationType.HEALTH, OrganisationType.SCHOOL})
HEALTH_NEEDS = frozenset({NeedKind.SEN_PRIMARY, NeedKind.SEN_SECONDARY})


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rate(rate: Rate | None) -> dict[str, Any] | None:
    if rate is None:
        return None
    percent = rate.percent
    return {
        "from": _day(rate.start),
        "to": _day(rate.end),
        "possible_sessions": rate.possible,
        "attended_sessions": rate.attended,
        "percent": round(percent, 1) if percent is not None else None,
        "persistent_absence": rate.persistent,
    }


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def attachment_filename(pk: int, original: str) -> str:
    """The attachment's name inside the package: its id, then a safe form of its name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", original)
    stem = re.sub(r"\.{2,}", ".", stem).strip(".-")[:100] or "file"
    return f"attachments/{pk}-{stem}"


def _profile(student: Student, user: User, health: bool) -> dict[str, Any]:
    profile = records.profile_context(student, user)
    plan = profile["plan"]
    return {
        "needs": [
            {
                "kind": need.get_kind_display(),
                "value": need.value_label,
                "source": need.source_label_for(health=health),
                "verified_on": _day(need.verified_on),
            }
            for need in profile["needs"]
            if health or need.kind not in HEALTH_NEEDS
        ],
        "contacts": [
            {
                "name": c.name,
                "relationship": c.relationship,
                "parental_responsibility": c.parental_responsibility,
                "phone": c.phone,
                "email": c.email,
                "address": c.address,
                "priority": c.priority,
            }
            for c in profile["contacts"]
        ],
        "agencies": [
            {
                "agency": a.agency_name,
                "worker": a.worker_name,
                "role": a.role,
                "since": _day(a.since),
                "until": _day(a.until),
            }
            for a in profile["agencies"]
            # That CAMHS or school nursing works with a child is itself a health detail.
            if health or not a.reveals_health
        ],
        "plan": None
        if plan is None
        else {
            "created_on": _day(plan.created_at.date()),
            "reviewed_on": _day(plan.reviewed_on),
            "targets": [
                {
                    "domain": t.get_domain_display(),
                    "description": t.description,
                    "measure": t.measure,
                    "due_on": _day(t.due_on),
                    "status": t.get_status_display(),
                }
                for t in profile["targets"]
            ],
        },
    }


def _attendance(student: Student, start: dt.date, end: dt.date) -> dict[str, Any]:
    years = attendance.history(student)
    return {
        "referral_signed_on": _day(years.signed_on),
        "baseline": _rate(attendance.baseline(student, years=years)),
        "since_referral": _rate(attendance.current(student, years=years)),
        "half_terms": [
            {"half_term": rate.half_term.label, **(_rate(rate) or {})}
            for rate in attendance.by_half_term(student, start, end, years=years)
        ],
    }


def _behaviour(student: Student, start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "half_terms": [
            {"half_term": row.half_term.label, "incidents": row.incidents,
             "suspensions": row.suspensions, "suspension_sessions": row.suspension_sessions,
             "permanent_exclusions": row.permanent_exclusions}
            for row in behaviour.incidents_by_half_term(student, start, end)
        ],
        "exclusions": [
            {"kind": e.get_kind_display(), "school": e.school.name,
             "start_date": _day(e.start_date), "sessions": e.sessions,
             "reasons": [reason.label for reason in e.reasons]}
            for e in behaviour.suspensions(student)
        ],
    }  # fmt: skip


def _provision(student: Student) -> list[dict[str, Any]]:
    return [
        {"type": i.get_type_display(), "description": i.description,
         "provider": i.provider_name, "start_date": _day(i.start_date),
         "end_date": _day(i.end_date), "sessions_planned": i.sessions_planned,
         "sessions_attended": i.sessions_attended, "total_cost": _money(i.total_cost)}
        for i in interventions_of(student)
    ]  # fmt: skip


def _reviews(student: Student) -> list[dict[str, Any]]:
    return [
        {"held_on": _day(r.held_on), "attendance": r.attendance_progress,
         "behaviour": r.behaviour_progress, "attainment": r.attainment_progress,
         "student_view": r.student_view, "parent_view": r.parent_view,
         "next_steps": r.next_steps}
        for case in student.cases.order_by("opened_at")
        for r in reviews_of(case).order_by("held_on", "pk")
    ]  # fmt: skip


def record_document(
    student: Student,
    user: User,
    recipient: PartnerOrganisation,
    *,
    notes: list[records.NoteView] | None = None,
) -> dict[str, Any]:
    """The record as JSON-able data, read as ``user`` and restricted for ``recipient``.

    ``notes`` is the chronology if the caller already read it (for its attachments).
    """
    health = recipient.type in HEALTH_RECIPIENTS
    if notes is None:
        notes = records.chronology(student, user)
    start, end = behaviour.panel_window(student)
    return {
        "student": {
            "first_name": student.first_name,
            "last_name": student.last_name,
            "date_of_birth": _day(student.date_of_birth),
            "sex": student.get_sex_display(),
            "upn": student.upn,
            "nc_year": student.nc_year,
            "school": {"name": student.school.name, "urn": student.school.urn},
            "partnership": student.partnership.name,
        },
        **_profile(student, user, health),
        "attendance": _attendance(student, start, end),
        "behaviour": _behaviour(student, start, end),
        "provision": _provision(student),
        "reviews": _reviews(student),
        "chronology": [
            {
                "date": _day(view.note.happened_on),
                "kind": view.note.get_kind_display(),
                "text": view.text,
                "attachments": [attachment_filename(a.pk, a.name) for a in view.attachments],
            }
            for view in notes
        ],
        "withheld": [
            "Safeguarding concerns are never sent in a transfer package.",
            *([] if health else ["SEN types of need go only to health organisations and schools."]),
        ],
    }


def record_pdf(document: dict[str, Any], *, title: str, author: str) -> bytes:
    """``record_document`` laid out as a tagged PDF (ADR 0043), in the style of the
    progress report: each part a heading over a table with header cells, reviews and
    notes as headed paragraphs (which, unlike table cells, run on across pages)."""
    person = document["student"]
    plan = document["plan"] or {"targets": []}
    sections = [
        ("Needs", ["Need", "Value", "Source"],
         [[n["kind"], n["value"], n["source"]] for n in document["needs"]]),
        ("Contacts", ["Name", "Relationship", "Phone", "Email"],
         [[c["name"], c["relationship"], c["phone"], c["email"]] for c in document["contacts"]]),
        ("Support plan targets", ["Area", "Target", "Due", "Status"],
         [[t["domain"], t["description"], t["due_on"], t["status"]] for t in plan["targets"]]),
        ("Attendance by half term", ["Half term", "Possible", "Attended", "%"],
         [[h["half_term"], h["possible_sessions"], h["attended_sessions"],
           "" if h["percent"] is None else f"{h['percent']:.1f}"]
          for h in document["attendance"]["half_terms"]]),
        ("Behaviour by half term", ["Half term", "Incidents", "Suspensions",
                                    "Permanent exclusions"],
         [[h["half_term"], h["incidents"], h["suspensions"], h["permanent_exclusions"]]
          for h in document["behaviour"]["half_terms"]]),
        ("Provision", ["Type", "Provider", "From", "To"],
         [[p["type"], p["provider"], p["start_date"], p["end_date"]]
          for p in document["provision"]]),
    ]  # fmt: skip
    entries = [
        ("Reviews", [(f"Review held on {r['held_on']}", f"Next steps: {r['next_steps']}")
                     for r in document["reviews"]]),
        ("Chronology", [(f"{n['date']}: {n['kind']}", n["text"]) for n in document["chronology"]]),
    ]  # fmt: skip
    return render_pdf(
        "transfers/pdf/record.html",
        {
            "title": title,
            "author": author,
            "document": document,
            "identity": [
                ("Name", f"{person['first_name']} {person['last_name']}"),
                ("Date of birth", person["date_of_birth"]),
                ("UPN", person["upn"]),
                ("School", f"{person['school']['name']} (Year {person['nc_year']})"),
            ],
            "sections": [
                {"heading": heading, "head": head, "rows": rows} for heading, head, rows in sections
            ],
            "entries": entries,
        },
    )
