"""How a CTF writes session marks, in one place.

``AttendanceMarks`` holds the sessions from ``AttendanceStartDate``: AM then PM for each
calendar day. A one-character statutory code stands for itself. How the 2024
two-character codes (C1, C2, J1, Y1 to Y7) are written is unconfirmed in the reference,
so this reader takes the one rule that reads every candidate the same way: no statutory
code starts with a digit, so a letter followed by digits is one mark (``C1``, ``Y4``, and
an MIS sub-code such as ``I01``, which the attendance app maps to its parent ``I``). A
string of one-character codes is read one character per session.

``-``, ``.`` and a space are "no mark" (not a school day, or not recorded); ``#`` is the
statutory code for a planned closure, as non-school days are written by some MIS.

Decoded marks are returned in the attendance app's own storage encoding
(:mod:`seip.attendance.marks`), so nothing here knows how marks are stored.
"""

import re
from dataclasses import dataclass
from functools import cache

from seip.attendance.codes import UnknownCode, lookup
from seip.attendance.marks import NO_MARK, encode

NO_MARK_CHARS = frozenset("-. ")
_SPLIT = re.compile(r"(\D\d+|^\d+)")
_DIGITS = frozenset("0123456789")


@cache
def _stored(token: str) -> str | None:
    """The stored character for one mark, or None if it is not a code."""
    if token in NO_MARK_CHARS:
        return NO_MARK
    try:
        return encode(lookup(token))
    except UnknownCode:
        return None


@cache
def _known_single() -> frozenset[str]:
    """Every single character that is a mark (a one-character code or no mark)."""
    return frozenset(chr(n) for n in range(32, 127) if _stored(chr(n)) is not None)


@cache
def _single_table() -> dict[int, str]:
    return {ord(char): _stored(char) or NO_MARK for char in _known_single()}


@dataclass(frozen=True)
class DecodedMarks:
    stored: str  # one character per session, in the attendance app's encoding
    unknown: tuple[tuple[int, str], ...]  # (0-based session, mark) for each unknown mark


def decode_marks(text: str) -> DecodedMarks:
    """Read an ``AttendanceMarks`` string into stored marks, noting each unknown mark."""
    # Runs of one-character marks are translated at C speed; only the tokens with digits
    # (a few a year, from 2024) are looked up one by one.
    parts = [text] if _DIGITS.isdisjoint(text) else _SPLIT.split(text)
    known, table = _known_single(), _single_table()
    out: list[str] = []
    unknown: list[tuple[int, str]] = []
    session = 0
    for index, part in enumerate(parts):
        if index % 2:  # a letter with digits (or leading digits): one session
            char = _stored(part)
            if char is None:
                unknown.append((session, part))
            out.append(char or NO_MARK)
            session += 1
            continue
        if known.issuperset(part):
            out.append(part.translate(table))
        else:
            for offset, single in enumerate(part):
                char = _stored(single)
                if char is None:
                    unknown.append((session + offset, single))
                out.append(char or NO_MARK)
        session += len(part)
    return DecodedMarks("".join(out), tuple(unknown))


def encode_marks(codes: list[str | None]) -> str:
    """Write sessions as ``AttendanceMarks`` (used by the fixture generator): the inverse
    of :func:`decode_marks`, with ``-`` for no mark."""
    return "".join("-" if code is None else code for code in codes)
