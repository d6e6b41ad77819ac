"""Reading the audit trail back, and proving it has not been tampered with (P14)."""

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from seip.audit import chain, keys
from seip.audit.models import AnonymousEvent, AuditCheckpoint, AuditEvent, ChainHead
from seip.audit.services import ANONYMOUS_SUMMARY, checkpoint_message
from seip.audit.witness import WitnessRead, witness_path, witness_read

CHUNK_SIZE = 5000


def signature_problem(data: dict[str, Any], *, trusted: set[str] | None) -> str | None:
    """Why a checkpoint's signature cannot be relied on, or None if it can.

    ``trusted`` holds the key ids this installation signs with; None skips that check
    (an exported file or the witness is trusted because it was kept out of reach).
    """
    try:
        public = keys.load_public_key(str(data["public_key"]))
        signature = base64.b64decode(str(data["signature"]), validate=True)
        every = data.get("every")
        message = checkpoint_message(
            seq=int(data["seq"]),
            hash_=str(data["hash"]),
            at=str(data["at"]),
            every=None if every is None else int(every),
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
    witnessed: int = 0
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


def _stored_checkpoints(after: int = -1) -> list[dict[str, Any]]:
    return [
        {**cp, "at": chain.at_iso(cp["at"])}
        for cp in AuditCheckpoint.objects.filter(seq__gt=after)
        .order_by("seq", "id")
        .values("seq", "hash", "at", "signature", "public_key", "every")
    ]


def first_missing_checkpoint(
    signed: list[tuple[int, int | None]], *, end: int, configured: int
) -> int | None:
    """The first position where a periodic checkpoint was due and is not there.

    ``signed`` holds (position, interval recorded in it) for each good checkpoint, in
    order; ``end`` is where the chain ends; ``configured`` the interval in force now.
    Between two checkpoints the later one must come no further on than the first
    multiple of the larger of their two intervals (the larger, so that changing
    ``SEIP_AUDIT_CHECKPOINT_EVERY`` between them is not mistaken for a deletion); after
    the last, the chain must not reach the next multiple. A checkpoint signed before
    intervals were recorded (None) tells nothing about the gap before it.
    """
    prev_seq, prev_every = 0, signed[0][1] if signed else configured
    for seq, every in signed:
        if prev_every and every:
            step = max(prev_every, every)
            due = (prev_seq // step + 1) * step
            if seq > due:
                return due
        prev_seq, prev_every = seq, every
    step = max(prev_every or 0, configured)
    if step:
        due = (prev_seq // step + 1) * step
        if end >= due:
            return due
    return None


def verify(
    *,
    against: dict[str, Any] | None = None,
    witness: Path | None = None,
    use_witness: bool = True,
) -> Verification:
    """Recompute the whole chain in order and check every signed checkpoint (P14).

    Reports the first position where an event was EDITED, DELETED or INSERTED, where a
    periodic checkpoint that was due is missing, and every way the database disagrees
    with the witness (``witness``, by default ``SEIP_AUDIT_WITNESS``; ADR 0025). ``against``
    is an exported checkpoint, checked with its own public key.
    """
    result = Verification()
    expect: dict[int, str] = {}
    good: list[tuple[int, int | None]] = []
    verified: set[tuple[Any, ...]] = set()
    # The witness first: a line is appended only after its checkpoint committed, so every
    # line read now has its checkpoint in the database by the time that is read.
    read = _read_witness(result, witness, use_witness)
    checkpoints = _stored_checkpoints()
    trusted = _trusted_keys(result.notes) if checkpoints else None
    for cp in checkpoints:
        problem = signature_problem(cp, trusted=trusted)
        if problem:
            result.problems.append(f"checkpoint at position {cp['seq']}: {problem}")
        else:
            expect[cp["seq"]] = cp["hash"]
            good.append((cp["seq"], cp["every"]))
            verified.add(_signed(cp))
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
            expect.setdefault(seq, str(against["hash"]))
    witnessed = _check_witness(result, expect, read, verified)
    result.checkpoints = len(checkpoints) + (1 if against is not None else 0)

    walked = chain.walk(_rows(), expect=expect)
    # The head is read after the walk, so it covers every event the walk saw. Events
    # committed since then are walked too before the two are compared: a verification
    # running beside live writers must not mistake them for tampering. So are the
    # checkpoints they were signed with, or their due positions would look deleted.
    head = ChainHead.objects.filter(pk=ChainHead.ONLY).first()
    if walked.broken is None and head is not None and head.seq > walked.last_seq:
        walked = chain.walk(_rows(after=walked.last_seq), expect=expect, state=walked)
    late = _stored_checkpoints(after=max((cp["seq"] for cp in checkpoints), default=-1))
    _check_late(result, late, good, trusted, walked.last_seq)
    result.events = walked.count
    if walked.broken is not None:
        result.problems.append(str(walked.broken))
        return result
    beyond = [seq for seq in expect if seq > walked.last_seq]
    if beyond:
        source = "the witness holds" if max(beyond) in witnessed else "a signed checkpoint covers"
        result.problems.append(
            f"position {walked.last_seq + 1}: {chain.DELETED} ({source} position "
            f"{max(beyond)}, but the chain ends at {walked.last_seq})"
        )
    good.sort(key=lambda checkpoint: checkpoint[0])
    missing = first_missing_checkpoint(
        good, end=walked.last_seq, configured=settings.AUDIT_CHECKPOINT_EVERY
    )
    if missing is not None:
        result.problems.append(
            f"position {missing}: {chain.DELETED} (a checkpoint was due here and the "
            "database has none: checkpoints were removed)"
        )
    _check_head(result, head, walked)
    _check_anonymous(result)
    return result


def _read_witness(result: Verification, path: Path | None, use: bool) -> WitnessRead | None:
    if not use:
        result.notes.append("not checked against the witness")
        return None
    if path is None:
        try:
            path = witness_path()
        except ImproperlyConfigured as exc:
            result.problems.append(str(exc))
            return None
    read = witness_read(path)
    result.problems.extend(read.problems)
    if not read.exists:
        result.notes.append(f"the witness {path} does not exist yet")
        return None
    return read


def _signed(data: dict[str, Any]) -> tuple[Any, ...]:
    """What a checkpoint's signature covers, with the signature and its key."""
    return tuple(
        str(data.get(name)) for name in ("seq", "hash", "at", "every", "signature", "public_key")
    )


def _check_witness(
    result: Verification,
    expect: dict[int, str],
    read: WitnessRead | None,
    verified: set[tuple[Any, ...]],
) -> set[int]:
    """Hold the stored checkpoints to the witness; add its positions to ``expect``.

    ``verified`` holds the stored checkpoints whose signatures already verified: a witness
    line identical to one of them needs no second check. Returns the positions the
    witness holds.
    """
    if read is None:
        return set()
    stored = dict(expect)
    signed: dict[int, set[str]] = {}
    for entry in read.entries:
        same = _signed(entry) in verified
        problem = None if same else signature_problem(entry, trusted=None)
        if problem:
            result.problems.append(f"witness checkpoint at position {entry.get('seq')}: {problem}")
            continue
        signed.setdefault(int(entry["seq"]), set()).add(str(entry["hash"]))
    for seq, hashes in sorted(signed.items()):
        if len(hashes) > 1:
            result.problems.append(
                f"position {seq}: {chain.EDITED} (the witness holds two different signed "
                "checkpoints for it: the history was signed again)"
            )
            continue
        [hash_] = hashes
        if seq not in stored:
            result.problems.append(
                f"position {seq}: {chain.DELETED} (the witness holds a checkpoint here and "
                "the database does not)"
            )
        elif stored[seq] != hash_:
            result.problems.append(
                f"position {seq}: {chain.EDITED} (the stored checkpoint differs from the witness)"
            )
        expect.setdefault(seq, hash_)
    unwitnessed = sorted(set(stored) - set(signed))
    if unwitnessed:
        result.notes.append(
            f"{len(unwitnessed)} stored checkpoint(s) not in the witness, the first at "
            f"position {unwitnessed[0]}"
        )
    result.witnessed = len(signed)
    return set(signed)


def _check_late(
    result: Verification,
    late: list[dict[str, Any]],
    good: list[tuple[int, int | None]],
    trusted: set[str] | None,
    last_seq: int,
) -> None:
    """Checkpoints signed while the walk ran: their signature, and their hash against the
    stored event the walk has already checked."""
    if late and trusted is None:
        trusted = _trusted_keys(result.notes)
    for cp in late:
        if cp["seq"] > last_seq:
            continue
        problem = signature_problem(cp, trusted=trusted)
        stored = AuditEvent.objects.filter(seq=cp["seq"]).values_list("hash", flat=True).first()
        if problem:
            result.problems.append(f"checkpoint at position {cp['seq']}: {problem}")
        elif stored != cp["hash"]:
            result.problems.append(
                f"position {cp['seq']}: {chain.EDITED} (differs from a signed checkpoint)"
            )
        else:
            good.append((cp["seq"], cp["every"]))
            result.checkpoints += 1


def _check_head(result: Verification, head: ChainHead | None, walked: chain.Walk) -> None:
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


def _check_anonymous(result: Verification) -> None:
    """Each chained summary of anonymous events must still find them all in the table.

    More rows than counted is not tampering: an event whose transaction was still open
    when its range was summarised is stored but was not counted.
    """
    summaries = list(
        AuditEvent.objects.filter(action=ANONYMOUS_SUMMARY)
        .order_by("seq")
        .values_list("seq", "detail")
    )
    if not summaries:
        return
    stored: dict[tuple[int, str], int] = {}
    low = min(int(detail["after_id"]) for _, detail in summaries)
    high = max(int(detail["upto_id"]) for _, detail in summaries)
    bounds = sorted((int(d["after_id"]), int(d["upto_id"]), seq) for seq, d in summaries)
    rows = (
        AnonymousEvent.objects.filter(pk__gt=low, pk__lte=high)
        .order_by("pk")
        .values_list("pk", "action")
    )
    index = 0
    for pk, action in rows.iterator(chunk_size=CHUNK_SIZE):
        while index < len(bounds) and pk > bounds[index][1]:
            index += 1
        if index < len(bounds) and pk > bounds[index][0]:
            key = (bounds[index][2], action)
            stored[key] = stored.get(key, 0) + 1
    for seq, detail in summaries:
        for action, counted in sorted(detail["counts"].items()):
            found = stored.get((seq, action), 0)
            if found < counted:
                result.problems.append(
                    f"position {seq}: {chain.DELETED} (its summary counts {counted} "
                    f"anonymous {action} events, the table holds {found})"
                )
