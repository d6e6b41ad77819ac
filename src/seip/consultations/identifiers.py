"""Spotting what could identify a child in free text, before it is kept (P25).

Until a parent signs the Referral Form the partnership keeps nothing about the child, so
the one free-text field of a pre-referral consultation, its advice, is read by
:func:`find_identifiers` before it is saved. It looks for the identifiers most often typed
by mistake (a UPN, a date of birth, a full name) and errs towards refusing: every full
date counts as a possible date of birth. It is a guard against slips, not a guarantee.

A :class:`Finding` says what kind of identifier and where, never the text it matched, so
a refusal can be shown and logged without repeating the identifier. Pure Python: no
database and no Django, so it can be tested on its own.
"""

import enum
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


class Kind(enum.StrEnum):
    UPN = "upn"
    DATE_OF_BIRTH = "date_of_birth"
    NAME = "name"


_DESCRIPTIONS = {
    Kind.UPN: "a unique pupil number (UPN)",
    Kind.DATE_OF_BIRTH: "a date of birth",
    Kind.NAME: "a child's name",
}


@dataclass(frozen=True)
class Finding:
    """One likely identifier: its kind, and where it starts (counting from 0) and ends."""

    kind: Kind
    start: int
    end: int

    @property
    def position(self) -> int:
        """The character where it starts, counting from 1, as people count."""
        return self.start + 1

    def describe(self) -> str:
        return f"{_DESCRIPTIONS[self.kind]} (at character {self.position})"


def find_identifiers(text: str) -> list[Finding]:
    """Every likely UPN, date of birth and full name in ``text``, in order of position.

    Where two findings overlap only the first is kept, so one identifier is reported once.
    """
    found = sorted([*_upns(text), *_dates(text), *_names(text)], key=lambda f: (f.start, f.end))
    kept: list[Finding] = []
    for finding in found:
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


def refusal_message(findings: Sequence[Finding], *, subject: str = "The advice") -> str:
    """What to tell the person typing: the kinds and positions, never the text itself."""
    parts = [finding.describe() for finding in findings]
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    pronoun = "it" if len(parts) == 1 else "them"
    return (
        f"{subject} looks like it contains {listed}. Remove {pronoun}: nothing that identifies "
        "a child can be recorded before the referral form is signed."
    )


# UPNs ---------------------------------------------------------------------------------
# A permanent UPN is a check letter and 12 digits; a temporary one ends in a letter.
_UPN = re.compile(r"\b[ABCDEFGHJKLMNPQRTUVWXYZ](?:[0-9]{12}|[0-9]{11}[A-Z])\b", re.IGNORECASE)


def _upns(text: str) -> Iterator[Finding]:
    for match in _UPN.finditer(text):
        yield Finding(Kind.UPN, match.start(), match.end())


# Dates --------------------------------------------------------------------------------
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SEP = r"[\s,./\-]+"
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"([0-9]{4}|'[0-9]{2})"
# 12/03/2011, 12-3-11, 12.03.2011 (day or month first: either order counts).
_NUMERIC = re.compile(r"(?<![0-9])([0-9]{1,2})([/.\-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})(?![0-9])")
# 2011-03-12, 2011/3/12.
_ISO = re.compile(r"(?<![0-9])([0-9]{4})([/.\-])([0-9]{1,2})\2([0-9]{1,2})(?![0-9])")
# 12 March 2011, 12th Mar 2011, 12 Mar '11, 12-Mar-2011.
_DAY_MONTH = re.compile(
    rf"\b([0-9]{{1,2}}){_ORDINAL}(?:\s+of)?{_SEP}{_MONTH}{_SEP}{_YEAR}\b", re.IGNORECASE
)
# March 12, 2011, March 12th 2011.
_MONTH_DAY = re.compile(rf"\b{_MONTH}{_SEP}([0-9]{{1,2}}){_ORDINAL}{_SEP}{_YEAR}\b", re.IGNORECASE)


def _real(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]


def _four_digit_year_ok(year: str) -> bool:
    return len(year) != 4 or 1900 <= int(year) <= 2099


def _month_number(name: str) -> int:
    return _MONTHS.index(name[:3].lower()) + 1


def _dates(text: str) -> Iterator[Finding]:
    for match in _NUMERIC.finditer(text):
        first, second = int(match[1]), int(match[3])
        if (_real(first, second) or _real(second, first)) and _four_digit_year_ok(match[4]):
            yield Finding(Kind.DATE_OF_BIRTH, match.start(), match.end())
    for match in _ISO.finditer(text):
        if _real(int(match[4]), int(match[3])) and _four_digit_year_ok(match[1]):
            yield Finding(Kind.DATE_OF_BIRTH, match.start(), match.end())
    for match in _DAY_MONTH.finditer(text):
        if _real(int(match[1]), _month_number(match[2])) and _four_digit_year_ok(match[3]):
            yield Finding(Kind.DATE_OF_BIRTH, match.start(), match.end())
    for match in _MONTH_DAY.finditer(text):
        if _real(int(match[2]), _month_number(match[1])) and _four_digit_year_ok(match[3]):
            yield Finding(Kind.DATE_OF_BIRTH, match.start(), match.end())


# Names --------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
_GAP = re.compile(r"[ \t\u00a0]+")
_POSSESSIVE = re.compile(r"['\u2019]s$")


def _read_list(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def first_names() -> frozenset[str]:
    """The shipped list of common first names, capitalised as written."""
    return _read_list(DATA / "first_names.txt")


@cache
def not_surnames() -> frozenset[str]:
    """Words that often follow a first name without being a surname, in lower case."""
    return _read_list(DATA / "not_surnames.txt")


def _capitalised(word: str) -> bool:
    return word[0].isupper() and any(c.islower() for c in word)


def _is_first_name(word: str) -> bool:
    names = first_names()
    return _capitalised(word) and (word in names or word.split("-")[0] in names)


def _is_surname(word: str) -> bool:
    base = _POSSESSIVE.sub("", word)
    return len(base) > 1 and _capitalised(base) and base.lower() not in not_surnames()


def _names(text: str) -> Iterator[Finding]:
    words = list(_WORD.finditer(text))
    for first, second in itertools.pairwise(words):
        gap = text[first.end() : second.start()]
        if _GAP.fullmatch(gap) and _is_first_name(first.group()) and _is_surname(second.group()):
            yield Finding(Kind.NAME, first.start(), second.end())
