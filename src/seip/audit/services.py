"""Writing audit events. Called by every other app's services, never by views."""

import base64
import json
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit import chain, keys
from seip.audit.models import AuditCheckpoint, AuditEvent, ChainHead

_PERSONAL_KEYS = frozenset(
    {"name", "full_name", "email", "dob", "date_of_birth", "upn", "password"}
)


def _locked_head() -> ChainHead:
    """The chain head, locked until the caller's transaction ends.

    The head row is made on first use (and again after a test flushes the tables), from
    the last event if there is one, so a lost head cannot restart the numbering.
    """
    head = ChainHead.objects.select_for_update().filter(pk=ChainHead.ONLY).first()
    if head is not None:
        return head
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, hash_ = last if last is not None else (0, chain.GENESIS)
    try:
        with transaction.atomic():
            ChainHead.objects.create(pk=ChainHead.ONLY, seq=seq, hash=hash_)
    except IntegrityError:
        pass  # another writer made it first; its row is the one to lock
    return ChainHead.objects.select_for_update().get(pk=ChainHead.ONLY)


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``obj``, as the next link of the chain (P14).

    Must run inside the caller's transaction: an audit row written after a failed change,
    or a change committed without its audit row, would both make the trail lie. The head
    stays locked until that transaction ends, so concurrent writers queue rather than fork
    the chain.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    detail = detail or {}
    leaked = _PERSONAL_KEYS & detail.keys()
    if leaked:
        raise ValueError(f"audit detail must not hold personal data: {sorted(leaked)}")
    # Hash exactly what the database will hand back: JSON has no tuples or integer keys.
    detail = json.loads(json.dumps(detail))
    head = _locked_head()
    event = AuditEvent(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
        prev_hash=head.hash,
    )
    event.hash = chain.event_hash(
        seq=event.seq,
        at=chain.at_iso(event.at),
        actor=event.actor_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        detail=event.detail,
        prev_hash=event.prev_hash,
    )
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    every = settings.AUDIT_CHECKPOINT_EVERY
    if every and event.seq % every == 0:
        # Periodic checkpoints, so a trail is signed even when nobody asks: anything
        # rewritten before this point shows against a signature made at the time.
        _sign(head)
    return event


def checkpoint_message(*, seq: int, hash_: str, at: str) -> bytes:
    """The bytes a checkpoint signs."""
    return json.dumps(
        {"at": at, "hash": hash_, "seq": seq}, sort_keys=True, separators=(",", ":")
    ).encode()


@transaction.atomic
def checkpoint_create(*, actor: User | None) -> AuditCheckpoint:
    """Sign the end of the chain now (P14).

    The checkpoint covers its own audit event, so the chain is never empty when signed.
    Refuses in production when no signing key is configured.
    """
    keys.signing_key()  # refuse before writing anything if there is no key
    audit_record(actor=actor, action="audit.checkpoint")
    existing = AuditCheckpoint.objects.filter(seq=_locked_head().seq).first()
    # The event just written may itself have fallen on a periodic checkpoint.
    return existing if existing is not None else _sign(_locked_head())


def _sign(head: ChainHead) -> AuditCheckpoint:
    """Sign the locked head of the chain and store the checkpoint."""
    key = keys.signing_key()
    at = timezone.now()
    signature = key.sign(checkpoint_message(seq=head.seq, hash_=head.hash, at=chain.at_iso(at)))
    public = key.public_key()
    checkpoint = AuditCheckpoint(
        seq=head.seq,
        hash=head.hash,
        at=at,
        signature=base64.b64encode(signature).decode(),
        public_key=base64.b64encode(keys.public_bytes(public)).decode(),
        key_id=keys.key_id(public),
    )
    checkpoint.full_clean()
    checkpoint.save(force_insert=True)
    return checkpoint


def checkpoint_export(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """The checkpoint as the JSON the DPO keeps offline."""
    return {
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "at": chain.at_iso(checkpoint.at),
        "signature": checkpoint.signature,
        "public_key": checkpoint.public_key,
        "key_id": checkpoint.key_id,
    }
