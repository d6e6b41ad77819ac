"""Reads of pre-referral consultations, scoped to the person asking (P25).

``consultations_visible_to`` is the one scoping function for consultations: every view
that shows one fetches it through this queryset, so a consultation you may not see is a
404, never a 403 that confirms it exists. ``schools_recordable_by`` is the matching rule
for writes, used by both the form and the service.
"""

import datetime as dt
from collections.abc import Iterable
from typing import TypedDict

from django.db.models import Count, Q, QuerySet

from seip.accounts.models import PARTNERSHIP_ROLES, Membership, Role, User
from seip.consultations.models import Concern, Consultation, Forum, YearGroup
from seip.organisations.models import Partnership, School

#: Roles that may open the list of consultations at all; anyone else is refused (403).
CONSULTATION_ROLES = PARTNERSHIP_ROLES | {Role.SCHOOL_CONTACT, Role.SYSTEM_ADMIN}


def consultations_visible_to(user: User) -> QuerySet[Consultation]:
    """The consultations ``user`` may open. Default deny (P25).

    - partnership staff: their partnership's consultations;
    - school contacts: their own school's;
    - system administrators: all;
    - everyone else, including families, partners and LA officers: none.
    """
    if not user.is_authenticated or not user.is_active:
        return Consultation.objects.none()
    memberships = Membership.objects.filter(user=user)
    if memberships.filter(role=Role.SYSTEM_ADMIN).exists():
        return Consultation.objects.all()
    staff_of = memberships.filter(role__in=PARTNERSHIP_ROLES).values("partnership")
    contact_for = memberships.filter(role=Role.SCHOOL_CONTACT).values("organisation")
    return Consultation.objects.filter(
        Q(partnership__in=staff_of) | Q(school__organisation__in=contact_for)
    )


def schools_recordable_by(user: User) -> QuerySet[School]:
    """The schools ``user`` may record a consultation for. Default deny (P25).

    Partnership staff record for every school of their partnership; a school contact
    records only for their own school. System administrators see consultations but do
    not record them: they were not in the room.
    """
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    memberships = Membership.objects.filter(user=user)
    staff_of = memberships.filter(role__in=PARTNERSHIP_ROLES).values("partnership")
    contact_for = memberships.filter(role=Role.SCHOOL_CONTACT).values("organisation")
    return (
        School.objects.filter(Q(partnership__in=staff_of) | Q(organisation__in=contact_for))
        .select_related("partnership")
        .order_by("name")
    )


def partnership_staff(
    partnerships: Iterable[Partnership] | QuerySet[Partnership],
) -> QuerySet[User]:
    """Active people with a team role (co-ordinator, key worker, safeguarding lead, DPO) in
    any of ``partnerships``: the people who may be named as involved in a consultation."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role__in=PARTNERSHIP_ROLES,
            memberships__partnership__in=partnerships,
        )
        .distinct()
        .order_by("full_name")
    )


def academic_year(day: dt.date) -> tuple[dt.date, dt.date]:
    """The school year containing ``day``: 1 September to 31 August."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)


class Activity(TypedDict):
    total: int
    by_forum: dict[str, int]
    by_concern: dict[str, int]
    by_year_group: dict[str, int]


def consultation_activity(
    partnership: Partnership,
    start: dt.date,
    end: dt.date,
    *,
    among: QuerySet[Consultation] | None = None,
) -> Activity:
    """Anonymous counts of a partnership's consultations held from ``start`` to ``end``
    inclusive, by forum, concern and year group, in one query (P25).

    Consultations are counted only as anonymous activity, never in outcome reports: the
    result holds totals keyed by category label and nothing that could be joined back to
    a consultation or a child. ``among`` narrows the count to a scoped queryset, so a
    page never counts consultations its reader could not open.
    """
    rows = (Consultation.objects.all() if among is None else among).filter(
        partnership=partnership, held_on__gte=start, held_on__lte=end
    )
    counts = rows.aggregate(
        total=Count("pk"),
        **{f"forum_{value}": Count("pk", filter=Q(forum=value)) for value in Forum.values},
        **{f"concern_{value}": Count("pk", filter=Q(concern=value)) for value in Concern.values},
        **{f"year_{value}": Count("pk", filter=Q(year_group=value)) for value in YearGroup.values},
    )
    return Activity(
        total=counts["total"],
        by_forum={label: counts[f"forum_{value}"] for value, label in Forum.choices},
        by_concern={label: counts[f"concern_{value}"] for value, label in Concern.choices},
        by_year_group={label: counts[f"year_{value}"] for value, label in YearGroup.choices},
    )
