"""Writing audit events. Called by every other app's services, never by views."""

from __future__ import annotations

import base64
import datetime as dt
import json
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from seip.audit import chain, keys
from seip.audit.models import AnonymousEvent, AuditCheckpoint, AuditEvent, ChainHead
from seip.audit.witness import witness_append

# Annotations only: accounts is above audit (its services audit), so audit must not
# import it when it loads (ADR 0052).
if TYPE_CHECKING:
    from seip.accounts.models import User

ANONYMOUS_SUMMARY = "audit.anonymous"
# An anonymous event is summarised once it is this old, so that the transactions that
# wrote it and its neighbours have long committed; a chained write looks for such events
# at most this often. A checkpoint always looks.
ROLLUP_AFTER = dt.timedelta(seconds=60)
ROLLUP_EVERY = dt.timedelta(seconds=60)

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


def _clean_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    detail = detail or {}
    leaked = _PERSONAL_KEYS & detail.keys()
    if leaked:
        raise ValueError(f"audit detail must not hold personal data: {sorted(leaked)}")
    # Hash exactly what the database will hand back: JSON has no tuples or integer keys.
    return dict(json.loads(json.dumps(detail)))


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must be called inside the service's transaction")


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
    _require_transaction("audit_record")
    detail = _clean_detail(detail)
    head = _locked_head()
    now = timezone.now()
    if head.anonymous_rolled_at is None or now - head.anonymous_rolled_at >= ROLLUP_EVERY:
        anonymous_rollup(head, before=now - ROLLUP_AFTER)
    return _append(
        head,
        actor_id=actor.pk if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )


def _append(
    head: ChainHead,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
) -> AuditEvent:
    """Write the next event after the locked ``head``, and sign it if a checkpoint is due."""
    event = AuditEvent(
        seq=head.seq + 1,
        at=timezone.now(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
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
    head.save(update_fields=["seq", "hash", "anonymous_upto", "anonymous_rolled_at"])
    every = settings.AUDIT_CHECKPOINT_EVERY
    if every and event.seq % every == 0:
        # Periodic checkpoints, so a trail is signed even when nobody asks: anything
        # rewritten before this point shows against a signature made at the time, and
        # verify names a multiple of ``every`` that has none (ADR 0025).
        _sign(head)
    return event


def anonymous_record(
    *,
    action: str,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AnonymousEvent:
    """Record an event nobody signed in for, off the chain (P14, ADR 0025).

    Failed sign-ins, lockouts and public concerns can be sent by anyone, as fast as they
    like. Writing them into the chain would hold the head's lock for each one, so a flood
    would queue every signed-in user's work behind it. They go to an unchained append-only
    table instead, without touching the head, and ``anonymous_rollup`` writes a chained
    count of them later. Same rules as ``audit_record``: inside the caller's transaction,
    ids only.
    """
    _require_transaction("anonymous_record")
    event = AnonymousEvent(
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=_clean_detail(detail),
    )
    event.save(force_insert=True)
    return event


def anonymous_rollup(head: ChainHead, *, before: dt.datetime) -> AuditEvent | None:
    """Summarise the anonymous events written before ``before`` into the chain.

    One chained ``audit.anonymous`` event says how many of each action arrived, between
    which ids and times ("37 failed sign-ins between 02:10 and 02:14"); ``verify`` checks
    that the table still holds at least that many in that id range. ``head`` must be
    locked. Only ids up to the newest event older than ``before`` are taken: an event
    whose transaction was still open then, with a lower id, is left uncounted rather
    than counted twice.
    """
    head.anonymous_rolled_at = timezone.now()
    pending = AnonymousEvent.objects.filter(pk__gt=head.anonymous_upto)
    upto = pending.filter(at__lt=before).aggregate(top=Max("pk"))["top"]
    if upto is None:
        return None
    rows = (
        pending.filter(pk__lte=upto)
        .order_by()
        .values("action")
        .annotate(n=Count("pk"), first=Min("at"), last=Max("at"))
    )
    counts = {row["action"]: row["n"] for row in rows}
    detail = {
        "after_id": head.anonymous_upto,
        "upto_id": upto,
        "counts": counts,
        "first": chain.at_iso(min(row["first"] for row in rows)),
        "last": chain.at_iso(max(row["last"] for row in rows)),
    }
    head.anonymous_upto = upto
    return _append(
        head,
        actor_id=None,
        action=ANONYMOUS_SUMMARY,
        object_type="",
        object_id="",
        detail=detail,
    )


def checkpoint_message(*, seq: int, hash_: str, at: str, every: int | None = None) -> bytes:
    """The bytes a checkpoint signs; ``every`` is left out only for the checkpoints signed
    before it was recorded."""
    fields: dict[str, Any] = {"at": at, "hash": hash_, "seq": seq}
    if every is not None:
        fields["every"] = every
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


@transaction.atomic
def checkpoint_create(*, actor: User | None) -> AuditCheckpoint:
    """Sign the end of the chain now (P14).

    The checkpoint covers its own audit event, so the chain is never empty when signed.
    Refuses in production when no signing key is configured.
    """
    keys.signing_key()  # refuse before writing anything if there is no key
    # Anonymous events old enough are counted into the chain first, so this signature
    # covers them too.
    anonymous_rollup(_locked_head(), before=timezone.now() - ROLLUP_AFTER)
    audit_record(actor=actor, action="audit.checkpoint")
    existing = AuditCheckpoint.objects.filter(seq=_locked_head().seq).first()
    # The event just written may itself have fallen on a periodic checkpoint.
    return existing if existing is not None else _sign(_locked_head())


def _sign(head: ChainHead) -> AuditCheckpoint:
    """Sign the locked head of the chain and store the checkpoint."""
    key = keys.signing_key()
    at = timezone.now()
    every = settings.AUDIT_CHECKPOINT_EVERY
    signature = key.sign(
        checkpoint_message(seq=head.seq, hash_=head.hash, at=chain.at_iso(at), every=every)
    )
    public = key.public_key()
    checkpoint = AuditCheckpoint(
        seq=head.seq,
        hash=head.hash,
        at=at,
        signature=base64.b64encode(signature).decode(),
        public_key=base64.b64encode(keys.public_bytes(public)).decode(),
        key_id=keys.key_id(public),
        every=every,
    )
    checkpoint.full_clean()
    checkpoint.save(force_insert=True)
    # Only once committed: a witness line for a checkpoint that was rolled back would
    # later look like one deleted from the database.
    transaction.on_commit(partial(witness_append, checkpoint_export(checkpoint)), robust=True)
    return checkpoint


def checkpoint_export(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """The checkpoint as the JSON the DPO keeps offline, and as a witness line."""
    exported: dict[str, Any] = {
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "at": chain.at_iso(checkpoint.at),
        "signature": checkpoint.signature,
        "public_key": checkpoint.public_key,
        "key_id": checkpoint.key_id,
    }
    if checkpoint.every is not None:
        exported["every"] = checkpoint.every
    return exported
