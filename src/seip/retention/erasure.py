"""What erasing a data subject deletes, table by table and file by file (P22).

``PLAN`` is the explicit list of every model that holds rows about a child, each with the
lookup from that model to the subject (the referral), in the order that lets every
``PROTECT`` relation go: children before parents. A test walks ``apps.get_models()`` and
fails when a model that can reach a ``Student`` or ``Referral`` through its foreign keys
is in neither ``PLAN`` nor ``KEPT``, so a new model cannot escape erasure unnoticed.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q

from seip.keys.fields import Unreadable
from seip.referrals.models import Referral
from seip.students.models import Student

#: (model label, lookup from that model to the referral's id). Order matters.
PLAN: list[tuple[str, str]] = [
    # Grandchildren first: they PROTECT or hang off the student's own rows.
    # A correction holds values about the child (before, after, proposed), so it goes even
    # though its rights request is kept as the erasure's reference.
    ("rights.RectificationNotice", "correction__request__student__referral"),
    ("rights.ProposedCorrection", "request__student__referral"),
    ("rights.Restriction", "student__referral"),
    ("bundles.FlaggedItem", "bundle__student__referral"),
    ("bundles.AccessBundle", "student__referral"),
    ("records.NoteAttachment", "note__student__referral"),
    ("records.Target", "plan__student__referral"),
    ("records.BreakGlassAccess", "concern__student__referral"),
    ("provision.PlacementReview", "placement__intervention__student__referral"),
    ("provision.Placement", "intervention__student__referral"),
    ("progress.Review", "case__student__referral"),
    # The student's record.
    ("records.Need", "student__referral"),
    ("records.Contact", "student__referral"),
    ("records.StudentAgency", "student__referral"),
    ("records.SupportPlan", "student__referral"),
    ("records.CaseNote", "student__referral"),
    ("records.SafeguardingConcern", "student__referral"),
    ("provision.Intervention", "student__referral"),
    ("attendance.AttendanceYear", "student__referral"),
    ("behaviour.Incident", "student__referral"),
    ("behaviour.Exclusion", "student__referral"),
    ("behaviour.AttitudeRating", "student__referral"),
    ("behaviour.AttainmentResult", "student__referral"),
    ("progress.PortalLink", "student__referral"),
    ("imports.MatchCandidate", "student__referral"),
    ("sharing.Involvement", "student__referral"),
    ("sharing.Disclosure", "student__referral"),
    ("students.PaperFile", "student__referral"),
    ("students.Case", "student__referral"),
    ("students.Student", "referral"),
    # The referral, its consents and everything else keyed by the subject.
    ("referrals.ConsentGrant", "referral"),
    ("referrals.Consent", "referral"),
    ("referrals.Carer", "referral"),
    ("retention.LegalHold", "referral"),
    # Shredded first by student_erase; the tombstone row then goes too, because it
    # PROTECTs the referral. Its key-store secret is already destroyed.
    ("keys.DataKey", "referral"),
    ("referrals.Referral", "pk"),
]

#: Models that reach a student or referral but are deliberately not deleted, and why.
KEPT: dict[str, str] = {
    "rights.RightsRequest": (
        "evidence that the request was handled (accountability, Article 5(2)); its student "
        "link is set to NULL by its own on_delete=SET_NULL, and its erasure request names "
        "the tombstone by request_reference"
    ),
    "rights.ClockPause": "part of a kept rights request; dates and reasons only",
}

#: Encrypted files named in rows of the plan: (model label, field, lookup to referral).
FILES: list[tuple[str, str, str]] = [
    ("records.NoteAttachment", "stored_as", "note__student__referral"),
    ("referrals.Consent", "form_file", "referral"),
    ("bundles.AccessBundle", "pdf_file", "student__referral"),
    ("bundles.AccessBundle", "zip_file", "student__referral"),
]

#: JSON fields that may quote a subject's UPN with no foreign key to them, such as an
#: import run's report, which names referred pupils by position and UPN. The UPN is
#: replaced there; the rest of the row is about other pupils and stays.
MENTIONS: list[tuple[str, str]] = [("imports.ImportRun", "report")]
REDACTED = "[erased]"

SUBJECT_MODELS = ("students.Student", "referrals.Referral")


def reaching_models() -> set[str]:
    """Labels of every installed model whose foreign keys lead, in any number of steps, to
    a student or a referral (those two included)."""
    reaching = set(SUBJECT_MODELS)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            label = model._meta.label
            if label in reaching:
                continue
            for field in model._meta.get_fields():
                if (
                    field.is_relation
                    and (field.concrete or field.many_to_many)
                    and not field.auto_created
                    and field.related_model is not None
                    and field.related_model._meta.label in reaching
                ):
                    reaching.add(label)
                    changed = True
                    break
    return reaching


@dataclass(frozen=True)
class Deleted:
    counts: dict[str, int]
    redacted: dict[str, int]
    files: list[str]


def _self_links(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is model and f.null
    ]


def subject_files(referral: Referral) -> list[str]:
    names: list[str] = []
    for label, field, lookup in FILES:
        model = apps.get_model(label)
        found = model._default_manager.filter(**{lookup: referral.pk}).values_list(field, flat=True)
        names.extend(name for name in found if name)
    return names


def _redact(value: Any, needles: set[str]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, REDACTED)
        return value
    if isinstance(value, list):
        return [_redact(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: _redact(item, needles) for key, item in value.items()}
    return value


def subject_upns(referral: Referral) -> set[str]:
    """The subject's UPNs, read before their key is shredded (they are sealed under it)."""
    upns = {referral.upn, *(s.upn for s in Student.objects.filter(referral=referral))}
    return {upn for upn in upns if upn and not isinstance(upn, Unreadable)}


def redact_mentions(upns: set[str]) -> dict[str, int]:
    """Replace the subject's UPNs wherever ``MENTIONS`` may quote them; count the rows."""
    counts: dict[str, int] = {}
    for label, name in MENTIONS:
        try:
            model = apps.get_model(label)
        except LookupError:  # that app is not installed here
            continue
        quoting = Q()
        for upn in upns:
            quoting |= Q(**{f"{name}__icontains": upn})
        changed = 0
        for row in model._default_manager.filter(quoting):
            setattr(row, name, _redact(getattr(row, name), upns))
            row.save(update_fields=[name])
            changed += 1
        if changed:
            counts[label.lower()] = changed
    return counts


def delete_subject_rows(referral: Referral, *, upns: set[str]) -> Deleted:
    """Delete every row of the plan for ``referral``; return counts per table and the
    storage names of the encrypted files those rows pointed to. Must run inside the
    caller's transaction (``student_erase``)."""
    files = subject_files(referral)
    redacted = redact_mentions(upns)
    counts: Counter[str] = Counter()
    for label, lookup in PLAN:
        model = apps.get_model(label)
        rows = model._default_manager.filter(**{lookup: referral.pk})
        # A row that supersedes another (needs' history) PROTECTs it; unlink them first.
        links = _self_links(model)
        if links:
            rows.update(**dict.fromkeys(links))
        _, per_model = rows.delete()
        counts.update({name.lower(): n for name, n in per_model.items() if n})
    return Deleted(counts=dict(sorted(counts.items())), redacted=redacted, files=files)
