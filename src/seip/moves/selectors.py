"""Reads for managed moves and Fair Access: one scoping function per model, default deny.

- ``moves_visible_to``: a move is read through its student, so the student's own rules
  decide (``students_visible_to``): partnership staff see their partnership's moves; a
  school sees a move only while it can see the student *and* it is the home or the host
  school. The host reaches the student only through the involvement ``move_agree`` opens
  on the day the family agreed, so before that day the host sees nothing (P07, P08).
- ``fair_access_cases_visible_to``, ``panels_visible_to``: the co-ordinator's, of their
  own partnership. A Fair Access case names no child (P25, ADR 0048).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from seip.accounts.models import PARTNERSHIP_ROLES, Role, User
from seip.accounts.selectors import places_of
from seip.core.calendar import academic_year
from seip.disclosure.control import Policy, ProtectedTable, protect
from seip.disclosure.tables import Table
from seip.moves.models import (
    Allocation,
    FairAccessCase,
    ManagedMove,
    Panel,
)
from seip.organisations.models import School
from seip.students.selectors import students_visible_to

FAIR_ACCESS_ROLES = (Role.COORDINATOR,)


def moves_visible_to(user: User) -> QuerySet[ManagedMove]:
    """Managed moves ``user`` may see (see the module docstring). Default deny."""
    if not user.is_authenticated or not user.is_active:
        return ManagedMove.objects.none()
    staff, _ = places_of(user, PARTNERSHIP_ROLES)
    _, schools = places_of(user, [Role.SCHOOL_CONTACT])
    doors = Q(pk__in=[])
    if staff:
        doors |= Q(student__partnership__in=staff)
    if schools:
        doors |= Q(home_school__organisation__in=schools) | Q(host_school__organisation__in=schools)
    if not staff and not schools:
        return ManagedMove.objects.none()
    return ManagedMove.objects.filter(doors, student__in=students_visible_to(user)).select_related(
        "student", "home_school", "host_school"
    )


def move_reviews_due(user: User, today: dt.date, *, within: dt.timedelta) -> list[ManagedMove]:
    """Moves in trial (agreed, undecided) whose review falls due within ``within`` or is
    overdue, for the co-ordinator of their partnership."""
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    if not coordinated:
        return []
    return list(
        moves_visible_to(user).filter(
            student__partnership__in=coordinated,
            agreed_on__isnull=False,
            decision="",
            review_on__lte=today + within,
        )
    )


def fair_access_cases_visible_to(user: User) -> QuerySet[FairAccessCase]:
    """The co-ordinator's own partnership's Fair Access cases. Default deny."""
    partnerships, _ = places_of(user, FAIR_ACCESS_ROLES)
    return FairAccessCase.objects.filter(partnership__in=partnerships).select_related(
        "excluding_school", "partnership"
    )


def panels_visible_to(user: User) -> QuerySet[Panel]:
    """The co-ordinator's own partnership's panels. Default deny."""
    partnerships, _ = places_of(user, FAIR_ACCESS_ROLES)
    return Panel.objects.filter(partnership__in=partnerships)


def allocations_visible_to(user: User) -> QuerySet[Allocation]:
    return Allocation.objects.filter(case__in=fair_access_cases_visible_to(user)).select_related(
        "case", "panel", "school"
    )


def uninvited_schools(panel: Panel) -> list[School]:
    """The partnership's schools not invited to ``panel``: while any is, the panel's
    decisions are not enforceable."""
    return list(
        School.objects.filter(partnership=panel.partnership_id)
        .exclude(pk__in=panel.invited.values("pk"))
        .order_by("name")
    )


def on_roll_checks_due(user: User) -> list[Allocation]:
    """Allocations whose child is not yet confirmed on roll: the co-ordinator's check,
    due a week after the panel."""
    return list(allocations_visible_to(user).filter(on_roll_on__isnull=True))


@dataclass(frozen=True)
class Fairness:
    year: int
    schools: list[School]
    year_groups: tuple[str, ...]
    protected: ProtectedTable


FAIRNESS_YEARS = (*(f"Year {n}" for n in range(7, 12)), "Other")


def _year_label(nc_year: int) -> str:
    return f"Year {nc_year}" if 7 <= nc_year <= 11 else "Other"


def fairness_table(user: User, partnership_id: int, on: dt.date) -> Fairness:
    """Fair Access admissions per school and year group over the academic year of ``on``,
    through the disclosure control every aggregate passes (P10): the counts are about
    schools, but a small one in a year group can point at a child."""
    year = academic_year(on)
    start, end = dt.date(year, 9, 1), dt.date(year + 1, 8, 31)
    schools = list(School.objects.filter(partnership=partnership_id).order_by("name"))
    counts: dict[str, dict[str, int]] = {s.name: dict.fromkeys(FAIRNESS_YEARS, 0) for s in schools}
    rows = allocations_visible_to(user).filter(
        case__partnership=partnership_id, panel__held_on__range=(start, end)
    )
    tally: dict[tuple[str, str], int] = defaultdict(int)
    for name, nc_year in rows.values_list("school__name", "case__nc_year"):
        tally[(name, _year_label(nc_year))] += 1
    for (name, label), n in tally.items():
        if name in counts:
            counts[name][label] = n
    table = (
        Table.of_counts("fair_access_admissions", counts, breakdowns=("school", "year_group"))
        if counts
        else None
    )
    protected = protect(table, Policy()) if table is not None else None
    return Fairness(year, schools, FAIRNESS_YEARS, protected)  # type: ignore[arg-type]
