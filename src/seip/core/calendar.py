"""School calendar arithmetic shared by every progress measure.

English schools' years run September to August in six half terms. Exact holiday dates
differ by LA and year; these fixed boundaries are close enough to group measures by half
term and keep every chart and report on the same periods.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

_HALF_TERM_STARTS = [(9, 1), (11, 1), (1, 1), (2, 15), (4, 1), (6, 1)]
NAMES = ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]


@dataclass(frozen=True, order=True)
class HalfTerm:
    year: int  # the academic year's first calendar year: 2026 for 2026/27
    number: int  # 1 to 6

    @property
    def start(self) -> dt.date:
        month, day = _HALF_TERM_STARTS[self.number - 1]
        return dt.date(self.year if month >= 9 else self.year + 1, month, day)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> "HalfTerm":
        return (
            HalfTerm(self.year + 1, 1) if self.number == 6 else HalfTerm(self.year, self.number + 1)
        )

    def previous(self) -> "HalfTerm":
        return (
            HalfTerm(self.year - 1, 6) if self.number == 1 else HalfTerm(self.year, self.number - 1)
        )

    @property
    def label(self) -> str:
        return f"{NAMES[self.number - 1]} {self.year}/{(self.year + 1) % 100:02d}"


def academic_year(day: dt.date) -> int:
    """The academic year containing ``day``, by its first calendar year."""
    return day.year if day.month >= 9 else day.year - 1


def half_term_of(day: dt.date) -> HalfTerm:
    year = academic_year(day)
    number = 1
    for index in range(6):
        if HalfTerm(year, index + 1).start <= day:
            number = index + 1
    return HalfTerm(year, number)


def half_terms_between(start: dt.date, end: dt.date) -> list[HalfTerm]:
    terms = [half_term_of(start)]
    while terms[-1].end < end:
        terms.append(terms[-1].next())
    return terms


#: The three terms of the school year, each two half terms.
TERMS = ("autumn", "spring", "summer")


def term_of(day: dt.date) -> str:
    """The name of the term containing ``day``."""
    return TERMS[(half_term_of(day).number - 1) // 2]


@dataclass(frozen=True)
class Term:
    """One term of one academic year, from the first day of its first half term to the
    last day of its second: the periods the reports and the census return share."""

    year: int  # the academic year's first calendar year
    name: str  # autumn, spring or summer

    def _halves(self) -> tuple[HalfTerm, HalfTerm]:
        first = 2 * TERMS.index(self.name) + 1
        return HalfTerm(self.year, first), HalfTerm(self.year, first + 1)

    @property
    def start(self) -> dt.date:
        return self._halves()[0].start

    @property
    def end(self) -> dt.date:
        return self._halves()[1].end

    @property
    def label(self) -> str:
        return f"{self.name.capitalize()} {self.year}/{(self.year + 1) % 100:02d}"

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.name}"

    def next(self) -> "Term":
        index = TERMS.index(self.name)
        if index == len(TERMS) - 1:
            return Term(self.year + 1, TERMS[0])
        return Term(self.year, TERMS[index + 1])


def term_containing(day: dt.date) -> Term:
    return Term(academic_year(day), term_of(day))


def ensure_not_future(day: dt.date, *, field: str, what: str = "") -> None:
    """Refuse a date after today, for ``field`` ("The date [what] must be today or in the
    past"): things that happened cannot be recorded ahead of time."""
    if day > timezone.localdate():
        date = f"The date {what}" if what else "The date"
        raise ValidationError({field: f"{date} must be today or in the past"})
