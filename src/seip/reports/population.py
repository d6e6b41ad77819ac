"""Who a report may count (P25, P20, P10).

- A **Student** exists only once a co-ordinator accepts a signed referral, so drafts,
  declined referrals and pre-referral consultations (which name no one) are never counted
  (P25).
- Erased students are gone: erasure deletes their rows (P22), so nothing to filter.
- Students whose processing is restricted by an objection are left out of every new
  report (P20), through ``rights.selectors.restricted_student_ids``.
- Archived students count in the periods when they were with the partnership: a report
  on a past year must not change because the students in it have since left.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from seip.core.calendar import Term
from seip.moves.history import school_at_referral
from seip.organisations.models import LocalAuthority, Partnership, School
from seip.reports.ledger import Population
from seip.rights.selectors import restricted_student_ids
from seip.students.models import Student

#: Terms of the school year, as half-term numbers (``core.calendar``).
TERMS: dict[str, tuple[int, int]] = {"autumn": (1, 2), "spring": (3, 4), "summer": (5, 6)}


@dataclass(frozen=True)
class Scope:
    """Exactly one of a school, a partnership or a county (local authority)."""

    school: School | None = None
    partnership: Partnership | None = None
    local_authority: LocalAuthority | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.school, self.partnership, self.local_authority)) != 1:
            raise ValueError("a scope is one school, one partnership or one county")

    def schools(self) -> QuerySet[School]:
        if self.school is not None:
            return School.objects.filter(pk=self.school.pk)
        if self.partnership is not None:
            return School.objects.filter(partnership=self.partnership)
        return School.objects.filter(partnership__local_authority=self.local_authority)


@dataclass(frozen=True)
class Period:
    """An academic year (by its first calendar year) and the terms covered: one term, or
    the year to date (``("autumn", "spring")``), or the whole year (the default)."""

    year: int
    terms: tuple[str, ...] = ("autumn", "spring", "summer")

    def __post_init__(self) -> None:
        if not self.terms or set(self.terms) - set(TERMS):
            raise ValueError(f"terms are some of {sorted(TERMS)}")

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    # Cached: the impact frames compare every event's date with these.
    @functools.cached_property
    def start(self) -> dt.date:
        return min(Term(self.year, t).start for t in self.terms)

    @functools.cached_property
    def end(self) -> dt.date:
        return max(Term(self.year, t).end for t in self.terms)


def countable_students(*, scope: Scope, period: Period) -> QuerySet[Student]:
    """The students a report on ``scope`` over ``period`` may count (P25, P20).

    Accepted by the end of the period, not archived before it began (so archived students
    count in historic periods), not restricted by an objection. Erased students have no
    rows left to count.
    """
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return (
        # The school the student was referred from, not today's: a managed move's
        # transfer does not carry a student's history to the new school (ADR 0048).
        Student.objects.annotate(report_school=school_at_referral())
        .filter(report_school__in=scope.schools(), created_at__lt=end)
        .filter(Q(archived_at__isnull=True) | Q(archived_at__gte=start))
        .exclude(pk__in=restricted_student_ids())
    )


def population_of(
    *, scope: Scope, period: Period, filters: Mapping[str, str] | None = None
) -> Population:
    """The ledger's description of the same population (for the differencing audit)."""
    return Population(
        schools=frozenset(str(pk) for pk in scope.schools().values_list("pk", flat=True)),
        year=period.label,
        terms=frozenset(period.terms),
        filters=dict(filters or {}),
    )
