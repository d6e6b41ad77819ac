"""The census-ready AP return: one commissioning school's placements in one term, as a
CSV in the order of the DfE school census alternative provision module (ADR 0049).

The file is all or nothing: every placement must keep the census rule "exactly one of
the provider's URN, UKPRN or setting type"; if any breaks it, the return is refused with
a message naming each one, and no file is made (a partial return would be submitted as
if it were whole).
"""

import csv
import io
from dataclasses import dataclass

from django.db.models import Q

from seip.accounts.models import User
from seip.core.calendar import Term
from seip.core.spreadsheets import safe_row
from seip.keys.fields import open_all
from seip.organisations.models import School
from seip.placements.models import APPlacement, PlacementCheck
from seip.placements.selectors import (
    census_identifiers,
    identifier_problem,
    placements_visible_to,
)

#: The module's fields, in its order. The field list and order follow DfE's "School
#: census: alternative provision" guidance as far as it could be checked; the exact
#: header wording is unconfirmed (ADR 0049) and lives here only.
FIELDS = (
    "UPN",
    "Surname",
    "Forename",
    "DOB",
    "AP URN",
    "AP UKPRN",
    "AP setting type",
    "Primary reason for placement",
    "Entry date",
    "Leaving date",
    "Sessions per week",
    "Sessions attended",
    "Sessions possible",
)


class CensusRefused(Exception):
    """The return cannot be made: each message names a placement that breaks the rule."""

    def __init__(self, problems: list[str], placements: list[APPlacement]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.placements = placements


@dataclass(frozen=True)
class CensusReturn:
    school: School
    term: Term
    placements: list[APPlacement]
    content: str

    @property
    def filename(self) -> str:
        return f"ap-census-{self.school.urn or self.school.pk}-{self.term.slug}.csv"


def term_placements(user: User, school: School, term: Term) -> list[APPlacement]:
    """The school's placements running at any time in ``term``, as ``user`` may see them."""
    placements = list(
        placements_visible_to(user)
        .filter(commissioning_school=school, intervention__start_date__lte=term.end)
        .filter(Q(intervention__end_date__isnull=True) | Q(intervention__end_date__gte=term.start))
        .select_related("student", "intervention__provider__ap_provider")
        .order_by("intervention__start_date", "pk")
    )
    open_all([p.student for p in placements], [p.student.referral_id for p in placements])
    return placements


def _name(placement: APPlacement) -> str:
    student = placement.student
    provider = placement.intervention.provider
    at = f" at {provider.name}" if provider is not None else ""
    return f"Placement {placement.pk} ({student.first_name} {student.last_name}{at})"


def census_return(*, user: User, school: School, term: Term) -> CensusReturn:
    """Build the return, or raise ``CensusRefused`` naming every placement that fails.
    The caller records the read of the students it names (``record_list``)."""
    placements = term_placements(user, school, term)
    problems = []
    failing = []
    for placement in placements:
        problem = identifier_problem(*census_identifiers(placement))
        if problem is not None:
            problems.append(f"{_name(placement)} {problem}")
            failing.append(placement)
    if problems:
        raise CensusRefused(problems, failing)
    attendance: dict[int, tuple[int, int]] = {}
    for placement_id, attended, possible in PlacementCheck.objects.filter(
        placement__in=placements, reviewed_on__gte=term.start, reviewed_on__lte=term.end
    ).values_list("placement_id", "sessions_attended", "sessions_possible"):
        was = attendance.get(placement_id, (0, 0))
        attendance[placement_id] = (was[0] + attended, was[1] + possible)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for placement in placements:
        student = placement.student
        urn, ukprn, setting = census_identifiers(placement)
        end = placement.intervention.end_date
        attended, possible = attendance.get(placement.pk, (0, 0))
        writer.writerow(
            safe_row(
                [
                    student.upn,
                    student.last_name,
                    student.first_name,
                    student.date_of_birth.isoformat() if student.date_of_birth else "",
                    urn,
                    ukprn,
                    setting,
                    placement.primary_reason,
                    placement.intervention.start_date.isoformat(),
                    end.isoformat() if end and end <= term.end else "",
                    str(placement.sessions_per_week),
                    str(attended),
                    str(possible),
                ]
            )
        )
    return CensusReturn(school, term, placements, out.getvalue())
