"""Attendance measures exactly as the DfE calculates them (P03). Pure: no database.

- Possible sessions: every session whose code counts as possible (present, approved
  educational activity, authorised and unauthorised absence). Not-possible codes (X, Q,
  Y1 to Y7, historic Y, and D, the sessions a dual-registered pupil spends at the other
  school) and the administrative codes (Z, #) are left out, and so are slots with no mark.
- Attendance rate = (present + approved educational activity) / possible sessions.
- Absence rate = (authorised + unauthorised absence) / possible sessions.
- Persistent absence: 10% or more of possible sessions missed; severe absence: 50% or
  more. Both are measured per enrolment (one :class:`~seip.attendance.models.AttendanceYear`
  row: one student at one school in one year) or over any date range the caller chooses.

Thresholds are compared in whole numbers (``absent * 10 >= possible``), so exactly 10% is
persistent absence whatever floating point would have said.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from seip.attendance.codes import CODES, Category
from seip.attendance.marks import ENCODING, slice_for

PERSISTENT_ABSENCE = Fraction(1, 10)
SEVERE_ABSENCE = Fraction(1, 2)

# Counting translates the year string so that each category becomes one marker character,
# then counts markers: a few C-speed passes, however many codes there are. A marker that
# was already in the input is blanked in the same pass, so only codes are ever counted.
_MARKER = {
    Category.PRESENT: "\x01",
    Category.APPROVED: "\x02",
    Category.AUTHORISED: "\x03",
    Category.UNAUTHORISED: "\x04",
}
_POSSIBLE = "\x05"
_BLANK = {ord(m): "\x00" for m in [*_MARKER.values(), _POSSIBLE]}
_BY_CATEGORY = _BLANK | str.maketrans(
    {ENCODING[c.code]: _MARKER.get(c.category, "\x00") for c in CODES}
)
# "Possible" is read from each code's own flag, not derived from the categories, so the
# property "present + approved + authorised + unauthorised == possible" checks the table.
_BY_POSSIBLE = _BLANK | str.maketrans(
    {ENCODING[c.code]: _POSSIBLE if c.possible else "\x00" for c in CODES}
)


@dataclass(frozen=True, slots=True)
class Counts:
    possible: int = 0
    present: int = 0
    approved: int = 0
    authorised: int = 0
    unauthorised: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            self.possible + other.possible,
            self.present + other.present,
            self.approved + other.approved,
            self.authorised + other.authorised,
            self.unauthorised + other.unauthorised,
        )

    @property
    def attended(self) -> int:
        return self.present + self.approved

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance_rate(self) -> Fraction | None:
        return Fraction(self.attended, self.possible) if self.possible else None

    @property
    def absence_rate(self) -> Fraction | None:
        return Fraction(self.absent, self.possible) if self.possible else None

    @property
    def attendance_percent(self) -> float | None:
        rate = self.attendance_rate
        return None if rate is None else float(rate * 100)

    @property
    def absence_percent(self) -> float | None:
        rate = self.absence_rate
        return None if rate is None else float(rate * 100)

    @property
    def persistent(self) -> bool:
        """Persistent absence: missed 10% or more of the possible sessions."""
        return _at_least(self.absent, self.possible, PERSISTENT_ABSENCE)

    @property
    def severe(self) -> bool:
        """Severe absence: missed 50% or more of the possible sessions."""
        return _at_least(self.absent, self.possible, SEVERE_ABSENCE)


def _at_least(part: int, whole: int, threshold: Fraction) -> bool:
    return whole > 0 and part * threshold.denominator >= threshold.numerator * whole


def tally(marks: str) -> Counts:
    """Count the sessions of a stored marks string (see :mod:`seip.attendance.marks`)."""
    by_category = marks.translate(_BY_CATEGORY)
    return Counts(
        possible=marks.translate(_BY_POSSIBLE).count(_POSSIBLE),
        present=by_category.count(_MARKER[Category.PRESENT]),
        approved=by_category.count(_MARKER[Category.APPROVED]),
        authorised=by_category.count(_MARKER[Category.AUTHORISED]),
        unauthorised=by_category.count(_MARKER[Category.UNAUTHORISED]),
    )


_ATTENDED = "\x06"
# Present and approved educational activity, the categories ``Counts.attended`` adds, as
# one marker (a marker already in the input is blanked, as for the others).
_BY_ATTENDED = (_BLANK | {ord(_ATTENDED): "\x00"}) | str.maketrans(
    {
        ENCODING[c.code]: _ATTENDED
        if c.category in (Category.PRESENT, Category.APPROVED)
        else "\x00"
        for c in CODES
    }
)


def possible_and_attended(marks: str) -> tuple[int, int]:
    """``tally(marks)``'s possible and attended sessions, and nothing else: for a caller
    that counts tens of thousands of windows and reads only the attendance rate (the
    impact engine). Two passes instead of ``tally``'s six, and no ``Counts`` made."""
    return (
        marks.translate(_BY_POSSIBLE).count(_POSSIBLE),
        marks.translate(_BY_ATTENDED).count(_ATTENDED),
    )


def possible_and_attended_flags(marks: str) -> tuple[bytes, bytes]:
    """One byte per session of ``marks``: 1 where ``possible_and_attended`` counts the
    session as possible (the first) or attended (the second), else 0.

    For a caller that keeps running totals over many windows of the same strings (the
    impact engine joins every year string it read and calls this once): the same
    translation tables, so the same sessions are counted."""
    return (
        _flags(marks.translate(_BY_POSSIBLE), _POSSIBLE),
        _flags(marks.translate(_BY_ATTENDED), _ATTENDED),
    )


def _flags(translated: str, marker: str) -> bytes:
    # After a ``_BY_*`` table a string holds its marker, NUL, or a character no table maps
    # (never a valid mark; "?" once encoded): only the marker becomes 1.
    return translated.encode("latin-1", "replace").translate(_ONE[marker])


_ONE = {
    marker: bytes(int(i == ord(marker)) for i in range(256)) for marker in (_POSSIBLE, _ATTENDED)
}


def tally_between(
    academic_year: int, marks: str, start: dt.date | None, end: dt.date | None
) -> Counts:
    """Count one year string's sessions from ``start`` to ``end`` inclusive."""
    return tally(marks[slice_for(academic_year, start, end)])


def tally_years(
    years: Iterable[tuple[int, str]], start: dt.date | None = None, end: dt.date | None = None
) -> Counts:
    """Count sessions over a date range across several year strings (academic year,
    marks): several years, or several schools in the same year."""
    total = Counts()
    for academic_year, marks in years:
        total += tally_between(academic_year, marks, start, end)
    return total


@dataclass(frozen=True, slots=True)
class Rate:
    """The measures over one period, from ``start`` to ``end`` inclusive."""

    start: dt.date
    end: dt.date
    counts: Counts

    @property
    def possible(self) -> int:
        return self.counts.possible

    @property
    def attended(self) -> int:
        return self.counts.attended

    @property
    def absent(self) -> int:
        return self.counts.absent

    @property
    def percent(self) -> float | None:
        return self.counts.attendance_percent

    @property
    def persistent(self) -> bool:
        return self.counts.persistent

    @property
    def severe(self) -> bool:
        return self.counts.severe
