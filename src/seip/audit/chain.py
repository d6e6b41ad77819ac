"""The hash chain that makes the audit trail tamper-evident (P14).

Each event's hash covers its own fields and the previous event's hash, so editing,
deleting or inserting an event anywhere breaks every link after it. The canonical form is
deliberately plain, so that anyone can recompute it without SEIP::

    sha256(json.dumps(
        {"seq", "at", "actor", "action", "object_type", "object_id", "detail", "prev_hash"},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    ).encode("utf-8"))

``at`` is the UTC time in ISO 8601 with microseconds; ``actor`` is the user id or null.
:func:`canonical` builds exactly those bytes without the cost of a general encoder, which is
what lets ``seip audit verify`` check hundreds of thousands of events a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
# to_char() pattern that makes PostgreSQL print a UTC timestamp exactly as at_iso() does.
PG_AT_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
_EMPTY: dict[str, Any] = {}

# The C string encoder that json.dumps(ensure_ascii=False) itself uses.
_quote = json.encoder.encode_basestring
_dump_detail = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def at_iso(value: dt.datetime | str) -> str:
    """A timestamp as it is hashed: UTC, ISO 8601, always with microseconds.

    SQLite hands back naive UTC text; PostgreSQL an aware datetime.
    """
    if isinstance(value, str):
        # Django keeps SQLite datetimes as naive UTC text; reshaping it is much cheaper
        # than parsing it, and gives the same string for every value Django writes.
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}+00:00"
        if len(value) == 19 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}.000000+00:00"
        if len(value) == 32 and value[10] == "T" and value.endswith("+00:00"):
            return value  # already canonical: PostgreSQL's to_char with PG_AT_FORMAT
        value = dt.datetime.fromisoformat(value)
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return utc.isoformat(timespec="microseconds")


def canonical(
    *,
    seq: int,
    at: str,
    actor: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: Any,
    prev_hash: str,
) -> bytes:
    """The bytes an event's hash is taken over: sorted-key compact JSON, UTF-8."""
    return _canonical(
        seq, at, actor, action, object_type, object_id, _detail_json(detail), prev_hash
    )


def _detail_json(detail: Any) -> str:
    if isinstance(detail, str):  # raw JSON text, straight from the database
        return "{}" if detail == "{}" else _dump_detail(json.loads(detail))
    return "{}" if detail == _EMPTY else _dump_detail(detail)


def _canonical(
    seq: int,
    at: str,
    actor: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail_json: str,
    prev_hash: str,
) -> bytes:
    return (
        f'{{"action":{_quote(action)},"actor":{"null" if actor is None else int(actor)},'
        f'"at":{_quote(at)},"detail":{detail_json},'
        f'"object_id":{_quote(object_id)},"object_type":{_quote(object_type)},'
        f'"prev_hash":{_quote(prev_hash)},"seq":{int(seq)}}}'
    ).encode()


def event_hash(
    *,
    seq: int,
    at: str,
    actor: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: Any,
    prev_hash: str,
) -> str:
    return hashlib.sha256(
        canonical(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            prev_hash=prev_hash,
        )
    ).hexdigest()


# Verifying ---------------------------------------------------------------------------------

EDITED = "EDITED"
DELETED = "DELETED"
INSERTED = "INSERTED"

# The columns a verifier reads, in this order.
ROW_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "hash",
)
# ``at`` may be a datetime or the database's text; ``detail`` a value or its JSON text.
Row = tuple[int, Any, int | None, str, str, str, Any, str, str]


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    position: int
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.kind} ({self.reason})"


@dataclass
class Walk:
    """Where a walk of the chain got to."""

    count: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    broken: Break | None = None


def walk(
    rows: Iterable[Row], *, expect: dict[int, str] | None = None, state: Walk | None = None
) -> Walk:
    """Recompute the chain from ``rows`` (in seq order), stopping at the first break.

    ``expect`` maps positions to the hash a signed checkpoint says they had. ``state``
    continues an earlier walk with the rows after it.
    """
    expect = expect or {}
    state = state or Walk()
    prev_seq, prev_hash = state.last_seq, state.last_hash
    sha256 = hashlib.sha256
    for seq, at, actor, action, object_type, object_id, detail, stored_prev, stored in rows:
        if seq <= prev_seq:
            state.broken = Break(seq, INSERTED, f"a second event at position {seq}")
            return state
        if seq != prev_seq + 1:
            state.broken = Break(
                prev_seq + 1, DELETED, f"positions {prev_seq + 1}-{seq - 1} are missing"
            )
            return state
        if stored_prev != prev_hash:
            state.broken = Break(
                seq, INSERTED, f"prev_hash does not match the event at position {prev_seq}"
            )
            return state
        computed = sha256(
            _canonical(
                seq,
                at_iso(at),
                actor,
                action,
                object_type,
                object_id,
                _detail_json(detail),
                stored_prev,
            )
        ).hexdigest()
        if computed != stored:
            state.broken = Break(seq, EDITED, "its content does not match its hash")
            return state
        signed = expect.get(seq)
        if signed is not None and signed != computed:
            state.broken = Break(
                seq, EDITED, "the history up to here differs from a signed checkpoint"
            )
            return state
        prev_seq, prev_hash = seq, computed
        state.count += 1
        state.last_seq, state.last_hash = seq, computed
    return state


def chained(
    rows: Iterable[dict[str, Any]], *, start_seq: int = 1, prev: str = GENESIS
) -> Iterator[dict[str, Any]]:
    """Give each event (a dict of fields) its seq, prev_hash and hash, in order.

    For bulk loads (the data migration and the benchmark), which bypass ``audit_record``.
    """
    seq = start_seq
    for row in rows:
        row["seq"], row["prev_hash"] = seq, prev
        row["hash"] = prev = event_hash(
            seq=seq,
            at=at_iso(row["at"]),
            actor=row["actor_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            detail=row["detail"],
            prev_hash=prev,
        )
        seq += 1
        yield row
