"""Writes for access bundles: prepare, decide each flagged item, release, download (P18, P21).

Every write is audited in its own transaction with ids and decisions only: no names, no
text of an item, no replacement text (which may quote the child).
"""

import hashlib
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.bundles import output, redaction
from seip.bundles.assemble import Bundle, assemble
from seip.bundles.models import (
    WITHHOLDING,
    AccessBundle,
    BundleStatus,
    Decision,
    Exemption,
    FlaggedItem,
)
from seip.keys import crypto
from seip.progress.selectors import portal_students_visible_to
from seip.rights.models import OPEN_STATUSES, RequestType, RightsRequest
from seip.rights.services import ensure_handler, rights_complete
from seip.sharing.services import record_read

logger = logging.getLogger(__name__)

#: The request types answered with a bundle.
BUNDLE_TYPES = (RequestType.ACCESS, RequestType.PORTABILITY)
#: Where sealed released bundles live in the default storage.
FOLDER = "access-bundles"
REPLACEMENT = b"bundles.replacement"


def _check_request(request: RightsRequest, actor: User) -> None:
    ensure_handler(actor, request.partnership)
    if request.type not in BUNDLE_TYPES:
        raise ValidationError("Only an access or portability request is answered with a bundle.")
    if request.status not in OPEN_STATUSES:
        raise ValidationError("This request is closed.")
    if request.student_id is None:
        raise ValidationError("Link the request to a student on record first.")


def _sync_flags(bundle: AccessBundle, data: Bundle) -> int:
    """Add a flag for every item the heuristic flags that has none yet; return how many.

    Run again at release, so an item written after the bundle was prepared cannot slip
    out unreviewed."""
    found = redaction.flags_for(data, requester_name=bundle.request.requester_name)
    have = set(bundle.items.values_list("item_type", "item_id"))
    new = [
        FlaggedItem(bundle=bundle, item_type=table, item_id=pk, flags=flags)
        for (table, pk), flags in found.items()
        if (table, pk) not in have
    ]
    FlaggedItem.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def bundle_prepare(*, request: RightsRequest, actor: User) -> AccessBundle:
    """Assemble the student's whole record for an access or portability request and flag
    what the reviewer must decide (P18). The assembly is a read of the whole record, so it
    is in the access log the family will see."""
    _check_request(request, actor)
    if AccessBundle.objects.filter(request=request).exists():
        raise ValidationError("The bundle for this request has already been prepared.")
    student = request.student
    if student is None:  # for mypy: _check_request refused this already
        raise ValidationError("Link the request to a student on record first.")
    bundle = AccessBundle.objects.create(request=request, student=student, prepared_by=actor)
    _fill(bundle, actor)
    return bundle


def _fill(bundle: AccessBundle, actor: User) -> None:
    flagged = _sync_flags(bundle, assemble(bundle.student, actor))
    record_read(actor=actor, student=bundle.student, part="access_bundle")
    audit_record(
        actor=actor,
        action="bundles.prepare",
        obj=bundle,
        detail={"request": bundle.request_id, "type": bundle.request.type, "flagged": flagged},
    )


def bundle_prepare_start(*, request: RightsRequest, actor: User) -> AccessBundle:
    """Queue the preparation of a bundle (issue 10: a background task, with the page
    waiting for it). A bundle that could not be prepared may be prepared again."""
    from seip.bundles.tasks import bundle_prepare_execute

    with transaction.atomic():
        _check_request(request, actor)
        AccessBundle.objects.filter(request=request, status=BundleStatus.FAILED).delete()
        if AccessBundle.objects.filter(request=request).exists():
            raise ValidationError("The bundle for this request has already been prepared.")
        if request.student is None:  # for mypy: _check_request refused this already
            raise ValidationError("Link the request to a student on record first.")
        bundle = AccessBundle.objects.create(
            request=request,
            student=request.student,
            prepared_by=actor,
            status=BundleStatus.PREPARING,
        )
        audit_record(actor=actor, action="bundles.prepare.queued", obj=bundle, detail={})
    bundle_prepare_execute.enqueue(bundle.pk, actor.pk)
    return bundle


def bundle_prepare_now(bundle_id: int, actor_id: int) -> None:
    """The task's body: assemble and flag a queued bundle, all in one transaction, so a
    failure (or a worker killed half-way) leaves no half-flagged bundle."""
    try:
        with transaction.atomic():
            bundle = (
                AccessBundle.objects.select_for_update()
                .select_related("request", "student")
                .filter(pk=bundle_id, status=BundleStatus.PREPARING)
                .first()
            )
            if bundle is None:
                return  # prepared already, or failed: never applied twice
            actor = User.objects.get(pk=actor_id)
            _check_request(bundle.request, actor)
            _fill(bundle, actor)
            bundle.status = BundleStatus.REVIEW
            bundle.save(update_fields=["status"])
    except Exception:
        logger.exception("Access bundle %s could not be prepared", bundle_id)
        bundle_prepare_failed(bundle_id)


def bundle_prepare_failed(bundle_id: int) -> None:
    """Mark a bundle that could not be prepared (nothing was flagged or read)."""
    AccessBundle.objects.filter(pk=bundle_id, status=BundleStatus.PREPARING).update(
        status=BundleStatus.FAILED
    )


@transaction.atomic
def bundle_refresh(*, bundle: AccessBundle, actor: User) -> int:
    """Flag items added to the record since the bundle was prepared; return how many."""
    _check_request(bundle.request, actor)
    if bundle.is_released:
        raise ValidationError("This bundle has been released.")
    added = _sync_flags(bundle, assemble(bundle.student, actor))
    if added:
        audit_record(actor=actor, action="bundles.refresh", obj=bundle, detail={"flagged": added})
    return added


@transaction.atomic
def flagged_item_decide(
    *,
    item: FlaggedItem,
    decision: Decision,
    reason: str,
    replacement: str = "",
    exemption: Exemption | None = None,
    actor: User,
) -> FlaggedItem:
    """Release, redact (with the text that replaces the content) or withhold (under a
    named exemption, saying so in the bundle or neither confirming nor denying that the
    item exists) one flagged item, with the reason (P18)."""
    bundle = item.bundle
    _check_request(bundle.request, actor)
    if bundle.is_released:
        raise ValidationError("This bundle has been released.")
    if bundle.status != BundleStatus.REVIEW:
        raise ValidationError("The bundle is still being prepared.")
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Give the reason for the decision"
    if decision == Decision.REDACT and not redaction.can_redact(item.item_type):
        errors["decision"] = "This item has no text to redact: release or withhold it"
    elif decision == Decision.REDACT and not replacement.strip():
        errors["replacement"] = "Enter the text that replaces the redacted content"
    if decision in WITHHOLDING and exemption is None:
        errors["exemption"] = "Choose the exemption the item is withheld under"
    if errors:
        raise ValidationError(errors)
    item.decision = decision
    item.reason = reason.strip()
    item.exemption = exemption.value if decision in WITHHOLDING and exemption else ""
    item.replacement_encrypted = (
        crypto.encrypt_for(
            bundle.student.referral_id,
            replacement.strip().encode(),
            aad=REPLACEMENT,
            row=crypto.row_id(item),
        )
        if decision == Decision.REDACT
        else b""
    )
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="bundles.decide",
        obj=bundle,
        detail={"item_type": item.item_type, "item_id": item.item_id, "decision": decision},
    )
    return item


def rulings_of(bundle: AccessBundle) -> dict[redaction.ItemKey, redaction.Ruling]:
    items = list(bundle.items.all())
    sealer = crypto.sealer_for(bundle.student.referral_id) if items else None
    rulings = {}
    for item in items:
        text = ""
        if item.decision == Decision.REDACT and sealer is not None:
            text = sealer.decrypt(
                bytes(item.replacement_encrypted), aad=REPLACEMENT, row=crypto.row_id(item)
            ).decode()
        rulings[item.key] = redaction.Ruling(
            decision=Decision(item.decision),
            replacement=text,
            exemption=Exemption(item.exemption) if item.exemption else None,
        )
    return rulings


@dataclass(frozen=True)
class Released:
    pdf: bytes | None
    zip: bytes


def build_released(bundle: AccessBundle, actor: User) -> tuple[Bundle, Released]:
    """The bundle as it will be released: today's record with the decisions applied."""
    data = redaction.apply(assemble(bundle.student, actor), rulings_of(bundle))
    portability = bundle.request.type == RequestType.PORTABILITY
    # Portability is the machine-readable copy only; access also gets the readable PDF.
    pdf = None if portability else output.render_pdf(data)
    return data, Released(pdf=pdf, zip=output.render_zip(data, portability=portability))


@transaction.atomic
def bundle_release(*, bundle: AccessBundle, actor: User) -> AccessBundle:
    """Release the reviewed bundle and complete the request (P18, P21).

    Refused until every flagged item is decided, and while the record holds an item the
    heuristic would flag that has no flag yet (``bundle_refresh`` adds them). Completing
    goes through ``rights_complete``, which refuses before the identity and parental-
    responsibility checks are recorded. The released files are sealed under the student's
    key, so erasing the student shreds them too.
    """
    request = bundle.request
    _check_request(request, actor)
    if bundle.is_released:
        raise ValidationError("This bundle has been released.")
    if bundle.status != BundleStatus.REVIEW:
        raise ValidationError("The bundle is still being prepared.")
    undecided = bundle.items.filter(decision="").count()
    if undecided:
        raise ValidationError(f"Decide every flagged item first: {undecided} still to decide.")
    data, released = build_released(bundle, actor)
    found = redaction.flags_for(data, requester_name=request.requester_name)
    known = set(bundle.items.values_list("item_type", "item_id"))
    if set(found) - known:
        raise ValidationError("The record has changed since the review: check the new items.")
    decided = list(bundle.items.values_list("decision", flat=True))
    rights_complete(
        request=request,
        completed_on=timezone.localdate(),
        outcome_notes=(
            f"Bundle released through the portal: {len(decided)} flagged items, "
            f"{decided.count(Decision.REDACT)} redacted, "
            f"{_withheld(decided)} withheld "
            f"({decided.count(Decision.NEITHER_CONFIRM_NOR_DENY)} without saying so)."
        ),
        actor=actor,
    )
    referral = bundle.student.referral_id
    if released.pdf is not None:
        bundle.pdf_file = crypto.store_encrypted_for(referral, FOLDER, released.pdf)
        bundle.pdf_sha256 = hashlib.sha256(released.pdf).hexdigest()
    bundle.zip_file = crypto.store_encrypted_for(referral, FOLDER, released.zip)
    bundle.zip_sha256 = hashlib.sha256(released.zip).hexdigest()
    bundle.status = BundleStatus.RELEASED
    bundle.released_by = actor
    bundle.released_at = timezone.now()
    bundle.full_clean()
    bundle.save()
    audit_record(
        actor=actor,
        action="bundles.release",
        obj=bundle,
        detail={
            "request": request.pk,
            "redacted": decided.count(Decision.REDACT),
            "withheld": _withheld(decided),
            "ncnd": decided.count(Decision.NEITHER_CONFIRM_NOR_DENY),
            "pdf_sha256": bundle.pdf_sha256,
            "zip_sha256": bundle.zip_sha256,
        },
    )
    return bundle


def _withheld(decided: list[str]) -> int:
    return sum(1 for decision in decided if decision in WITHHOLDING)


FORMATS = ("pdf", "zip")


def _released_file(bundle: AccessBundle, fmt: str) -> bytes:
    name, digest = (
        (bundle.pdf_file, bundle.pdf_sha256)
        if fmt == "pdf"
        else (bundle.zip_file, bundle.zip_sha256)
    )
    if not bundle.is_released or not name:
        raise ValidationError("There is no released copy in this form.")
    content = crypto.read_encrypted_for(bundle.student.referral_id, name)
    if hashlib.sha256(content).hexdigest() != digest:
        raise ValidationError("The stored copy does not match what was released.")
    return content


@transaction.atomic
def release_download(*, bundle: AccessBundle, fmt: str, actor: User) -> bytes:
    """The family member who made the request downloads the released copy (P18).

    Only that portal account, while it still follows the child in the portal. A release
    to the family is not a disclosure to a third party, so it is audited
    (``rights.release.download``) but not added to the disclosure log.
    """
    request = bundle.request
    if (
        request.requester_user_id != actor.pk
        or not portal_students_visible_to(actor).filter(pk=bundle.student_id).exists()
    ):
        raise PermissionDenied("Only the person who made the request can download it.")
    content = _released_file(bundle, fmt)
    audit_record(
        actor=actor,
        action="rights.release.download",
        obj=request,
        detail={"bundle": bundle.pk, "format": fmt},
    )
    return content


@transaction.atomic
def staff_download(*, bundle: AccessBundle, fmt: str, actor: User) -> bytes:
    """The co-ordinator or DPO downloads the released copy, to send it by another route
    when the request did not come through the portal."""
    ensure_handler(actor, bundle.request.partnership)
    content = _released_file(bundle, fmt)
    audit_record(actor=actor, action="bundles.download", obj=bundle, detail={"format": fmt})
    return content
