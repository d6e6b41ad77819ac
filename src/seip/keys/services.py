"""Shredding a subject's data key, rotating the master key and re-sealing old rows as
row-bound ciphertext (P14, P22)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.keys import crypto
from seip.keys.models import DataKey

# Annotations only: referrals' models hold encrypted fields, so keys sits below them
# and must not import them when it loads (ADR 0052).
if TYPE_CHECKING:
    from seip.referrals.models import Referral

ROTATE_BATCH = 500


class ShredReason(models.TextChoices):
    """Why a key was shredded: a code, never free text, because it is audited."""

    ERASURE = "erasure", "Erasure request upheld"
    RETENTION = "retention", "Retention period ended"


@transaction.atomic
def data_key_shred(*, actor: User | None, referral: Referral, reason: str) -> None:
    """Destroy the subject's data key: every ciphertext sealed under it, in the live
    database, in archives and in backups taken before now, becomes unreadable (P22).

    Only the partnership's DPO, or the system itself (``actor=None``: retention jobs), may
    shred. The row stays as a tombstone; a subject with no key yet gets a shredded
    tombstone, so no key can ever be made for them afterwards. The key-store secret is
    destroyed once the transaction commits: destroying it earlier would lose the data of
    a subject whose shredding was then rolled back.
    """
    if actor is not None and not has_role(actor, [Role.DPO], partnership=referral.partnership):
        raise PermissionDenied("Only the data protection officer can erase a record's key.")
    if reason not in ShredReason.values:
        raise ValidationError({"reason": "Choose why the record's key is being erased"})
    row = DataKey.objects.select_for_update().filter(referral=referral).first()
    if row is None:
        row = DataKey(referral=referral, store_id=f"none-{referral.pk}", master_key_id="")
    if row.is_shredded:
        return
    store_id = row.store_id
    row.wrapped = b""
    row.shredded_at = timezone.now()
    row.full_clean()
    row.save()
    crypto.forget(referral.pk)
    transaction.on_commit(lambda: crypto.store_destroy(store_id))
    transaction.on_commit(lambda: crypto.forget(referral.pk))
    audit_record(actor=actor, action="keys.shred", obj=row, detail={"reason": reason})


def data_keys_discard(referrals: models.QuerySet[Referral]) -> int:
    """Destroy the keys of subjects whose rows are being deleted outright (unsigned drafts
    purged under P25): the rows go, and each key-store secret once the caller commits.

    Unlike ``data_key_shred`` no tombstone stays, because nothing of the subject does; the
    caller audits the purge. Must run inside the caller's transaction."""
    rows = DataKey.objects.filter(referral__in=referrals)
    doomed = list(rows.values_list("referral_id", "store_id"))
    rows.delete()
    for referral_id, store_id in doomed:
        crypto.forget(referral_id)
        transaction.on_commit(partial(crypto.store_destroy, store_id))
    return len(doomed)


@transaction.atomic
def master_key_rotate(*, actor: User | None = None) -> int:
    """Re-wrap every live data key under the current master key; return how many moved.

    After it, master keys listed after the first can be removed from ``SEIP_MASTER_KEYS``.
    The data keys themselves, and so every ciphertext, stay as they are. A key that can
    no longer be unwrapped (its secret lost, or its master key already removed) is counted
    as unreadable in the audit event, not fatal.
    """
    current = crypto.current_master_key_id()
    moved = lost = 0
    last = 0
    while True:
        batch = list(
            DataKey.objects.select_for_update()
            .filter(shredded_at__isnull=True, pk__gt=last)
            .exclude(master_key_id=current)
            .order_by("pk")[:ROTATE_BATCH]
        )
        if not batch:
            break
        last = batch[-1].pk
        changed = []
        for row in batch:
            secret = crypto.store_read(row.store_id)
            try:
                if secret is None:
                    raise crypto.KeyMissing
                key = crypto.unwrap_key(row, secret)
            except crypto.KeyMissing:
                # Already unreadable (secret lost, or its master key removed too early):
                # re-wrapping cannot save it, and must not stop everyone else's.
                lost += 1
                continue
            row.wrapped = crypto.wrap_key(
                key,
                referral_id=row.referral_id,
                store_id=row.store_id,
                secret=secret,
                master_key_id=current,
            )
            row.master_key_id = current
            changed.append(row)
        DataKey.objects.bulk_update(changed, ["wrapped", "master_key_id"])
        moved += len(changed)
    audit_record(
        actor=actor,
        action="keys.rotate",
        detail={"master_key_id": current, "rewrapped": moved, "unreadable": lost},
    )
    return moved


REBIND_BATCH = 500


@dataclass
class Rebound:
    """What ``sealed_rows_rebind`` did: counts only, never content."""

    resealed: int = 0
    #: Rows whose subject's key was shredded: erased for good, nothing to re-seal.
    erased: int = 0
    #: Rows that could not be opened (a lost key, or ciphertext that fails its check).
    unreadable: int = 0


def _rebind_batch(
    sealed: crypto.SealedColumns, rows: list[tuple[int, int, dict[str, bytes]]]
) -> Rebound:
    """Re-seal one batch of rows (pk, referral id, column blobs) as v2, in its own
    transaction: a run stopped part-way keeps every batch it finished."""
    done = Rebound()
    changed = []
    sealers: dict[int, crypto.Sealer] = {}
    label = sealed.model._meta.label_lower
    for pk, referral_id, blobs in rows:
        try:
            sealer = sealers.get(referral_id) or crypto.sealer_for(referral_id)
            sealers[referral_id] = sealer
            row = f"{label}:{pk}".encode()
            # Every column is written back, so a v2 (or empty) one keeps its value.
            values = {
                column: sealer.encrypt(
                    sealer.decrypt(blob, aad=sealed.columns[column]),
                    aad=sealed.columns[column],
                    row=row,
                )
                if _is_v1(blob)
                else blob
                for column, blob in blobs.items()
            }
        except crypto.KeyShredded:
            done.erased += 1
            continue
        except crypto.DataUnavailable:
            done.unreadable += 1
            continue
        changed.append(sealed.model(pk=pk, **values))
    sealed.model._default_manager.bulk_update(changed, list(sealed.columns))
    done.resealed = len(changed)
    return done


def sealed_rows_rebind(
    *, actor: User | None = None, batch: int = REBIND_BATCH, progress: Any = None
) -> Rebound:
    """Re-seal every row-bound column still in the old format (v1: bound to the student
    and the field only) as v2, bound to its row as well (P14).

    Resumable: each batch commits on its own and only v1 blobs are touched, so running it
    again after an interruption carries on where it stopped, and running it when nothing
    is left does nothing. ``progress`` is called with the number of rows looked at. One
    ``keys.rebind`` audit event records the counts.
    """
    total = Rebound()
    for sealed in crypto.sealed_columns():
        manager = sealed.model._default_manager
        last = 0
        while True:
            page = list(
                manager.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", sealed.subject, *sealed.columns)[:batch]
            )
            if not page:
                break
            last = page[-1][0]
            old = [
                (pk, referral_id, _blobs(sealed, blobs))
                for pk, referral_id, *blobs in page
                if any(_is_v1(b) for b in blobs)
            ]
            if old:
                with transaction.atomic():
                    done = _rebind_batch(sealed, old)
                total.resealed += done.resealed
                total.erased += done.erased
                total.unreadable += done.unreadable
            if progress is not None:
                progress(len(page))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="keys.rebind",
            detail={
                "resealed": total.resealed,
                "erased": total.erased,
                "unreadable": total.unreadable,
            },
        )
    return total


def _blobs(sealed: crypto.SealedColumns, values: list[Any]) -> dict[str, bytes]:
    return {c: bytes(v or b"") for c, v in zip(sealed.columns, values, strict=True)}


def _is_v1(blob: bytes | memoryview | None) -> bool:
    return blob is not None and bytes(blob[:2]) == crypto.FORMAT
