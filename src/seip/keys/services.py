"""Shredding a subject's data key and rotating the master key (P14, P22)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.keys import crypto
from seip.keys.models import DataKey
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
