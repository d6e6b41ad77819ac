"""The statutory attendance codes of England, as data (P03).

One table, :data:`CODES`, holds every code a register may carry: the codes in force from
19 August 2024 (the School Attendance (Pupil Registration) (England) Regulations 2024)
and the pre-2024 codes that historic data still carries. Each row says what the code
means, which category it falls in, whether the session counts as a possible session, and
the dates it was valid. Everything else (the storage encoding, the calculator, the forms)
reads this table, so a change to a code is made here once.

Two choices are made here, and only here:

- **Q** (unable to attend because the local authority has not made access arrangements)
  is *not* a possible session. The reference marks this as unconfirmed; the legislation
  groups Q with Y1 to Y7 as sessions the pupil could not attend, and those are excluded
  from possible sessions. The choice is :data:`Q_IS_POSSIBLE`.
- **D** (dual registration: at the other school) is *not* a possible session at this
  school, and it is valid on both sides of 19 August 2024: the 2024 regulations keep D
  (the historic codes the 2024 regulations retired are J, H, Y and, long before, F).

Validity is a warning, never a rejection: a pre-2024 code after 18 August 2024 (or a 2024
code before 19 August 2024) is accepted, with :func:`validity_warning` explaining why it
looks wrong, so that historic imports never lose data.
"""

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

#: The first day of the 2024 codes.
NEW_CODES_FROM = dt.date(2024, 8, 19)
_OLD_CODES_TO = NEW_CODES_FROM - dt.timedelta(days=1)

#: Whether a Q session counts as possible. Unconfirmed in the reference; see the docstring.
Q_IS_POSSIBLE = False


class Category(StrEnum):
    PRESENT = "present"
    APPROVED = "approved"
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_POSSIBLE = "not_possible"
    ADMINISTRATIVE = "administrative"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.PRESENT: "Present",
    Category.APPROVED: "Approved educational activity",
    Category.AUTHORISED: "Authorised absence",
    Category.UNAUTHORISED: "Unauthorised absence",
    Category.NOT_POSSIBLE: "Not a possible session",
    Category.ADMINISTRATIVE: "Administrative",
}

#: The categories whose sessions are possible sessions, and so count in every rate.
POSSIBLE_CATEGORIES = frozenset(
    {Category.PRESENT, Category.APPROVED, Category.AUTHORISED, Category.UNAUTHORISED}
)


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    category: Category
    possible: bool
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @property
    def historic(self) -> bool:
        return self.valid_to is not None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def label(self) -> str:
        return f"{self.code}: {self.meaning}"


def _code(
    code: str, meaning: str, category: Category, *, era: str = "", possible: bool | None = None
) -> Code:
    """A row of the table. ``era`` is "new" (from 19 August 2024), "old" (before), or ""
    for a code valid throughout."""
    return Code(
        code=code,
        meaning=meaning,
        category=category,
        possible=category in POSSIBLE_CATEGORIES if possible is None else possible,
        valid_from=NEW_CODES_FROM if era == "new" else None,
        valid_to=_OLD_CODES_TO if era == "old" else None,
    )


_P, _A = Category.PRESENT, Category.APPROVED
_AUTH, _UNAUTH = Category.AUTHORISED, Category.UNAUTHORISED
_NP, _ADMIN = Category.NOT_POSSIBLE, Category.ADMINISTRATIVE

#: Every statutory code, current and historic.
CODES: tuple[Code, ...] = (
    # Present
    _code("/", "Present (AM)", _P),
    _code("\\", "Present (PM)", _P),
    _code("L", "Late arrival before the register closed", _P),
    # Attending a place other than the school: approved educational activity
    _code("K", "Attending education provision arranged by the local authority", _A, era="new"),
    _code("V", "Attending an educational visit or trip", _A),
    _code("P", "Participating in an approved sporting activity", _A),
    _code("W", "Attending work experience", _A),
    _code("B", "Attending any other approved educational activity", _A),
    _code("J", "At an interview (before 19 August 2024)", _A, era="old"),
    # Authorised absence
    _code("C", "Leave of absence for exceptional circumstances", _AUTH),
    _code("C1", "Leave of absence: regulated performance or employment abroad", _AUTH, era="new"),
    _code("C2", "Leave of absence: part-time timetable", _AUTH, era="new"),
    _code("E", "Suspended or permanently excluded, no alternative provision", _AUTH),
    _code("I", "Illness (not medical or dental appointment)", _AUTH),
    _code(
        "J1", "Leave of absence: interview for employment or a place of education", _AUTH, era="new"
    ),
    _code("M", "Medical or dental appointment", _AUTH),
    _code("R", "Religious observance", _AUTH),
    _code("S", "Study leave", _AUTH),
    _code("T", "Mobile child: parent travelling for occupational purposes", _AUTH),
    _code("H", "Holiday agreed by the school (before 19 August 2024)", _AUTH, era="old"),
    _code(
        "F",
        "Extended family holiday agreed (before 19 August 2024; withdrawn in 2013)",
        _AUTH,
        era="old",
    ),
    # Unauthorised absence
    _code("G", "Holiday not agreed by the school", _UNAUTH),
    _code("N", "Reason not yet established", _UNAUTH),
    _code("O", "Absent in other or unknown circumstances", _UNAUTH),
    _code("U", "Arrived in school after the register closed", _UNAUTH),
    # Not a possible session
    _code("D", "Dual registered: attending the other school", _NP),
    _code("X", "Not of compulsory school age and not required to attend", _NP),
    _code(
        "Q",
        "Unable to attend: local authority access arrangements not made",
        _NP,
        era="new",
        possible=Q_IS_POSSIBLE,
    ),
    _code("Y1", "Unable to attend: transport normally provided not available", _NP, era="new"),
    _code("Y2", "Unable to attend: widespread disruption to travel", _NP, era="new"),
    _code("Y3", "Unable to attend: part of the school premises closed", _NP, era="new"),
    _code("Y4", "Unable to attend: whole school site unexpectedly closed", _NP, era="new"),
    _code("Y5", "Unable to attend: in criminal justice detention", _NP, era="new"),
    _code("Y6", "Unable to attend: public health guidance or law", _NP, era="new"),
    _code("Y7", "Unable to attend: any other unavoidable cause", _NP, era="new"),
    _code(
        "Y",
        "Unable to attend due to exceptional circumstances (before 19 August 2024)",
        _NP,
        era="old",
    ),
    # Administrative
    _code("Z", "Prospective pupil not yet on the admission register", _ADMIN),
    _code("#", "Planned whole or partial school closure", _ADMIN),
)

BY_CODE: dict[str, Code] = {c.code: c for c in CODES}

_SUB_CODE = re.compile(r"^([A-Z])\d\d$")


class UnknownCode(ValueError):
    """A mark that is not one of the statutory codes."""


def lookup(raw: str) -> Code:
    """The statutory code for ``raw``: trimmed, upper-cased, and an MIS sub-code such as
    SIMS's ``I01`` mapped to its statutory parent (``I``). Raises :class:`UnknownCode`."""
    text = raw.strip().upper()
    code = BY_CODE.get(text)
    if code is None and (match := _SUB_CODE.match(text)):
        code = BY_CODE.get(match.group(1))
    if code is None:
        raise UnknownCode(raw)
    return code


def validity_warning(code: Code, day: dt.date) -> str | None:
    """Why ``code`` looks wrong on ``day``, or None. Historic data keeps its codes, so this
    is a warning for the person importing or entering marks, never a refusal."""
    if code.valid_on(day):
        return None
    if code.historic:
        return (
            f"{code.code} is a pre-2024 code, replaced on {NEW_CODES_FROM:%-d %B %Y}; "
            "check the code"
        )
    return f"{code.code} is a 2024 code, in use from {NEW_CODES_FROM:%-d %B %Y}; check the code"
