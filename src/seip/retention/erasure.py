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
from django.utils import timezone

from seip.referrals.models import Referral

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
    ("placements.PlacementCheck", "placement__student__referral"),
    ("placements.APPlacement", "student__referral"),
    ("placements.SuspensionFollowUp", "exclusion__student__referral"),
    ("placements.PartTimeTimetable", "student__referral"),
    ("provision.PlacementReview", "placement__intervention__student__referral"),
    ("provision.Placement", "intervention__student__referral"),
    ("progress.Review", "case__student__referral"),
    # Managed moves (ADR 0048): the roll history and the moves themselves.
    ("moves.RollChange", "student__referral"),
    ("moves.ManagedMove", "student__referral"),
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
        "the tombstone by request_reference. Its identifying and free-text columns are "
        "blanked first (TOMBSTONES)"
    ),
    "rights.ClockPause": "part of a kept rights request; dates and reasons only (note blanked)",
    # Fair Access (ADR 0048): the case and its allocation held no identifier before the
    # family signed; the erasure unlinks them (on_delete=SET_NULL on the referral), so
    # they are identifier-free again and the school's admission still counts for fairness.
    "moves.FairAccessCase": (
        "an identifier-free Fair Access case (reference, year group, excluding school): "
        "its referral link is set to NULL by its own on_delete=SET_NULL"
    ),
    "moves.Allocation": "the panel's allocation of a school to an identifier-free case",
    "concerns.Concern": (
        "a data-protection concern the DPO linked to the student: kept as evidence it was "
        "answered, with its name, contact and text cut (TOMBSTONES)"
    ),
}

#: Encrypted files named in rows of the plan: (model label, field, lookup to referral).
FILES: list[tuple[str, str, str]] = [
    ("records.NoteAttachment", "stored_as", "note__student__referral"),
    ("referrals.Consent", "form_file", "referral"),
    ("bundles.AccessBundle", "pdf_file", "student__referral"),
    ("bundles.AccessBundle", "zip_file", "student__referral"),
]


@dataclass(frozen=True)
class Tombstone:
    """A kept model's rows about the subject, emptied down to what shows the erasure was
    done: every sealed (identifying or free-text) column is blanked, the ``unlink``
    columns (an account that names the requester) set to NULL, and ``marker`` dated."""

    label: str
    lookup: str
    unlink: tuple[str, ...] = ()
    marker: str = ""


#: Kept rows that are emptied in the erasure's transaction, before the key is shredded
#: and before the student's deletion sets their link to NULL (ADR 0035). What stays:
#: dates, type, status or decision, who decided, and the reference.
TOMBSTONES: list[Tombstone] = [
    Tombstone("rights.ClockPause", "request__student__referral"),
    Tombstone(
        "rights.RightsRequest",
        "student__referral",
        unlink=("requester_user",),
        marker="details_erased_on",
    ),
    Tombstone(
        "concerns.Concern", "student__referral", unlink=("raised_by",), marker="details_erased_on"
    ),
]

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


def tombstone_kept_rows(referral: Referral) -> dict[str, int]:
    """Empty the kept rows of ``TOMBSTONES`` about ``referral``; count them per table.

    The blanks are written with ``UPDATE``: no sealed value needs opening to be removed.
    Must run inside the caller's transaction (``student_erase``)."""
    from seip.keys.fields import sealed_fields

    today = timezone.localdate()
    counts: dict[str, int] = {}
    for tombstone in TOMBSTONES:
        try:
            model = apps.get_model(tombstone.label)
        except LookupError:  # that app is not installed here
            continue
        values: dict[str, Any] = {f.attname: f.empty() for f in sealed_fields(model)}
        values.update(dict.fromkeys(tombstone.unlink))
        if tombstone.marker:
            values[tombstone.marker] = today
        changed = model._default_manager.filter(**{tombstone.lookup: referral.pk}).update(**values)
        if changed:
            counts[model._meta.label_lower] = changed
    return counts


def delete_subject_rows(referral: Referral) -> Deleted:
    """Delete every row of the plan for ``referral``; return counts per table and the
    storage names of the encrypted files those rows pointed to. Must run inside the
    caller's transaction (``student_erase``)."""
    files = subject_files(referral)
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
    return Deleted(counts=dict(sorted(counts.items())), files=files)
