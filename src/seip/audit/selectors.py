"""Reading the audit trail back, and proving it has not been tampered with (P14)."""

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from seip.audit import chain, keys
from seip.audit.models import AuditCheckpoint, AuditEvent, ChainHead
from seip.audit.services import checkpoint_message

CHUNK_SIZE = 5000


def signature_problem(data: dict[str, Any], *, trusted: set[str] | None) -> str | None:
    """Why a checkpoint's signature cannot be relied on, or None if it can.

    ``trusted`` holds the key ids this installation signs with; None skips that check
    (an exported file is trusted because the DPO kept it).
    """
    try:
        public = keys.load_public_key(str(data["public_key"]))
        signature = base64.b64decode(str(data["signature"]), validate=True)
        message = checkpoint_message(
            seq=int(data["seq"]), hash_=str(data["hash"]), at=str(data["at"])
        )
    except (KeyError, ValueError, TypeError, binascii.Error):
        return "it is malformed"
    if trusted is not None and keys.key_id(public) not in trusted:
        return "it is signed by a key this installation does not hold"
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return "its signature does not verify (FORGED)"
    return None


@dataclass
class Verification:
    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(after: int = -1) -> Iterator[chain.Row]:
    """Every event in seq order, streamed in chunks of ``CHUNK_SIZE``.

    Raw keyset pages rather than ``.values_list().iterator()``: Django's per-value
    converters cost about half the verification time, and the chain module reads the
    database's own text for ``at`` and ``detail`` directly. Pages walk the unique seq
    index, so memory stays flat on both engines.
    """
    meta = AuditEvent._meta
    column = {field.attname: str(field.column) for field in meta.concrete_fields}
    names = [connection.ops.quote_name(column[name]) for name in chain.ROW_FIELDS]
    if connection.vendor == "sqlite":
        # Without a declared type the driver skips Django's datetime converter too.
        names[1] = f"CAST({names[1]} AS TEXT)"
    elif connection.vendor == "postgresql":
        # The server writes the canonical form itself, cheaper than parsing in Python.
        names[1] = f"to_char({names[1]} AT TIME ZONE 'UTC', '{chain.PG_AT_FORMAT}')"
    columns = ", ".join(names)
    query = (
        f"SELECT {columns} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608
        f"WHERE {connection.ops.quote_name(column['seq'])} > %s ORDER BY 1 LIMIT %s"
    )
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query, [after, CHUNK_SIZE])
            page = cast(list[chain.Row], cursor.fetchall())
            yield from page
            if len(page) < CHUNK_SIZE:
                return
            after = page[-1][0]


def _trusted_keys(notes: list[str]) -> set[str] | None:
    try:
        return {keys.key_id(keys.signing_key().public_key())}
    except ImproperlyConfigured as exc:
        notes.append(f"checkpoint keys not matched to this installation: {exc}")
        return None


def verify(*, against: dict[str, Any] | None = None) -> Verification:
    """Recompute the whole chain in order and check every signed checkpoint.

    Reports the first position where an event was EDITED, DELETED or INSERTED. ``against``
    is an exported checkpoint, checked with its own public key.
    """
    result = Verification()
    expect: dict[int, str] = {}
    checkpoints: list[dict[str, Any]] = [
        {**cp, "at": chain.at_iso(cp["at"])}
        for cp in AuditCheckpoint.objects.order_by("seq").values(
            "seq", "hash", "at", "signature", "public_key"
        )
    ]
    trusted = _trusted_keys(result.notes) if checkpoints else None
    for cp in checkpoints:
        problem = signature_problem(cp, trusted=trusted)
        if problem:
            result.problems.append(f"checkpoint at position {cp['seq']}: {problem}")
        else:
            expect[cp["seq"]] = cp["hash"]
    if against is not None:
        problem = signature_problem(against, trusted=None)
        if problem:
            result.problems.append(f"exported checkpoint: {problem}")
        else:
            seq = int(against["seq"])
            if expect.get(seq, against["hash"]) != against["hash"]:
                result.problems.append(
                    f"position {seq}: EDITED (the stored and exported checkpoints differ)"
                )
            expect[seq] = str(against["hash"])
    result.checkpoints = len(checkpoints) + (1 if against is not None else 0)

    walked = chain.walk(_rows(), expect=expect)
    # The head is read after the walk, so it covers every event the walk saw. Events
    # committed since then are walked too before the two are compared: a verification
    # running beside live writers must not mistake them for tampering.
    head = ChainHead.objects.filter(pk=ChainHead.ONLY).first()
    if walked.broken is None and head is not None and head.seq > walked.last_seq:
        walked = chain.walk(_rows(after=walked.last_seq), expect=expect, state=walked)
    result.events = walked.count
    if walked.broken is not None:
        result.problems.append(str(walked.broken))
        return result
    beyond = [seq for seq in expect if seq > walked.last_seq]
    if beyond:
        result.problems.append(
            f"position {walked.last_seq + 1}: {chain.DELETED} (a signed checkpoint covers "
            f"position {max(beyond)}, but the chain ends at {walked.last_seq})"
        )
    if head is None:
        if walked.count:
            result.problems.append("the chain head is missing")
    elif head.seq > walked.last_seq:
        result.problems.append(
            f"position {walked.last_seq + 1}: {chain.DELETED} (the head records "
            f"{head.seq} events, the chain ends at {walked.last_seq})"
        )
    elif head.seq < walked.last_seq:
        result.problems.append(
            f"position {head.seq + 1}: {chain.INSERTED} (events after the recorded head)"
        )
    elif head.hash != walked.last_hash:
        result.problems.append(
            f"position {head.seq}: {chain.EDITED} (the last event differs from the head)"
        )
    return result
