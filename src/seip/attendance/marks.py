"""How a year of session marks is stored: one character per session.

A year string starts on 1 September and holds two characters per calendar day, the AM
session then the PM session, to 31 August: 730 characters, or 732 in a year with
29 February. Weekends and holidays are slots like any other, holding :data:`NO_MARK`, so
the slot of a date is plain arithmetic (:func:`slot`) and any date range is one slice.

Each statutory code is stored as one character. One-character codes stand for
themselves; the 2024 two-character codes (C1, C2, J1, Y1 to Y7) each have a private
character. :data:`ENCODING` is the only place that mapping is written down; everything
else calls :func:`encode` and :func:`decode`.
"""

import datetime as dt
from collections.abc import Iterator

from seip.attendance.codes import BY_CODE, CODES, Code

#: No mark: not a school day, or not yet recorded.
NO_MARK = "."

#: Statutory code -> stored character, for the codes longer than one character.
_PRIVATE = {
    "C1": "a",
    "C2": "b",
    "J1": "j",
    "Y1": "1",
    "Y2": "2",
    "Y3": "3",
    "Y4": "4",
    "Y5": "5",
    "Y6": "6",
    "Y7": "7",
}

ENCODING: dict[str, str] = {c.code: _PRIVATE.get(c.code, c.code) for c in CODES}
DECODING: dict[str, Code] = {char: BY_CODE[code] for code, char in ENCODING.items()}

if len(DECODING) != len(ENCODING) or NO_MARK in DECODING:  # pragma: no cover - import guard
    raise RuntimeError("Two attendance codes share a stored character")
if any(len(char) != 1 for char in ENCODING.values()):  # pragma: no cover - import guard
    raise RuntimeError("Every attendance code must be stored as one character")

AM, PM = 0, 1
SESSION_NAMES = ("AM", "PM")


def encode(code: Code | None) -> str:
    return NO_MARK if code is None else ENCODING[code.code]


def decode(char: str) -> Code | None:
    """The code stored as ``char``; None for no mark. KeyError for a character that is
    not in the encoding (a corrupt row, never valid input)."""
    return None if char == NO_MARK else DECODING[char]


def year_start(academic_year: int) -> dt.date:
    return dt.date(academic_year, 9, 1)


def year_length(academic_year: int) -> int:
    """Slots in the year string: two per calendar day from 1 September to 31 August."""
    return 2 * (year_start(academic_year + 1) - year_start(academic_year)).days


def empty_year(academic_year: int) -> str:
    return NO_MARK * year_length(academic_year)


def slot(academic_year: int, day: dt.date, session: int = AM) -> int:
    """The index of ``day``'s ``session`` in the year string. ValueError outside the year."""
    offset = (day - year_start(academic_year)).days
    if not 0 <= offset < year_length(academic_year) // 2:
        raise ValueError(f"{day} is not in the academic year {academic_year}/{academic_year + 1}")
    return 2 * offset + session


def day_of(academic_year: int, index: int) -> tuple[dt.date, int]:
    """The date and session of slot ``index``: the inverse of :func:`slot`."""
    return year_start(academic_year) + dt.timedelta(days=index // 2), index % 2


def slice_for(academic_year: int, start: dt.date | None, end: dt.date | None) -> slice:
    """The slots of the year that fall between ``start`` and ``end`` inclusive (either may
    be None for an open end); an empty slice when the range misses the year."""
    first = year_start(academic_year)
    days = year_length(academic_year) // 2
    lo = 0 if start is None else min(max((start - first).days, 0), days)
    hi = days if end is None else min(max((end - first).days + 1, 0), days)
    return slice(2 * lo, 2 * max(lo, hi))


def sessions(academic_year: int, marks: str) -> Iterator[tuple[dt.date, int, Code | None]]:
    """Every slot of a year string as (date, session, code or None)."""
    first = year_start(academic_year)
    for index, char in enumerate(marks):
        yield first + dt.timedelta(days=index // 2), index % 2, decode(char)
