"""Reads for sharing: live involvements, the reason an organisation may not receive a
student's information, and the disclosure log.

"Live" is decided in SQL, with today's date, every time it is asked: an involvement is
live while it runs, the family's consent covers its organisation's category (P07), the
organisation has a current data-sharing agreement with the student's partnership (P09),
the organisation is registered with that partnership (P13), and no objection restricts
the student's processing (P20). Nothing is cached or copied, so a withdrawal, an expiry
or an objection closes access at the moment it happens.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from seip.access import predicates
from seip.access.sharing import refusal
from seip.accounts.models import EXTERNAL_ROLES, PARTNERSHIP_ROLES, Membership, Role, User
from seip.accounts.selectors import places_of
from seip.organisations.models import PartnerOrganisation, School
from seip.sharing.models import Disclosure, DisclosureKind, Involvement
from seip.students.models import Student
from seip.students.permissions import can_write


def live_involvements(on: dt.date | None = None) -> QuerySet[Involvement]:
    """Involvements that open a record today (or ``on``). Not scoped to a user: callers
    narrow it to the asking user's organisations or to one student. The predicates are
    the access layer's (``seip.access.predicates.opens_record``)."""
    return Involvement.objects.filter(predicates.opens_record(on or timezone.localdate()))


def external_organisations(user: User) -> QuerySet[PartnerOrganisation]:
    """The organisations ``user`` acts for outside the partnership team."""
    return PartnerOrganisation.objects.filter(
        memberships__user=user, memberships__role__in=EXTERNAL_ROLES
    )


def sharing_refusal(
    student: Student,
    organisation: PartnerOrganisation,
    *,
    on: dt.date | None = None,
    need_involvement: bool = True,
) -> str | None:
    """Why ``organisation`` may not receive ``student``'s information, or None if it may.

    The reasons are in the order a co-ordinator would fix them, and say what to do. They
    come from the same predicates as ``live_involvements`` (``seip.access.sharing``)."""
    return refusal(student, organisation, on=on, need_involvement=need_involvement)


def involvements_of(student: Student) -> QuerySet[Involvement]:
    """A student's involvements, for pages that already scoped the student."""
    return student.involvements.select_related("organisation", "created_by").order_by(
        "-starts_on", "pk"
    )


@dataclass(frozen=True)
class InvolvementRow:
    involvement: Involvement
    status: str
    live: bool


def involvement_rows(student: Student) -> list[InvolvementRow]:
    """Each involvement with its status in words: two queries."""
    live = set(live_involvements().filter(student=student).values_list("pk", flat=True))
    today = timezone.localdate()
    rows = []
    for involvement in involvements_of(student):
        if involvement.pk in live:
            status = "Active"
        elif involvement.starts_on > today:
            status = "Not started"
        elif involvement.ends_on is not None and involvement.ends_on < today:
            status = "Ended"
        else:
            status = "Suspended"
        rows.append(InvolvementRow(involvement, status, involvement.pk in live))
    return rows


@dataclass(frozen=True)
class Disclosing:
    """The organisation through which ``user`` is reading, and why."""

    organisation: PartnerOrganisation
    purpose: str


def disclosing_to(user: User, student: Student) -> Disclosing | None:
    """If ``user`` reads ``student``'s record from outside the partnership team, the
    organisation they read for and the purpose: each such read is a disclosure."""
    # The memberships cached for the request: no query for the team or a school.
    staff, _ = places_of(user, PARTNERSHIP_ROLES)
    if student.partnership_id in staff:
        return None
    involvement = (
        live_involvements()
        .filter(student=student, organisation__in=external_organisations(user))
        .select_related("organisation")
        .first()
    )
    if involvement is not None:
        return Disclosing(involvement.organisation, involvement.purpose)
    _, schools = places_of(user, [Role.SCHOOL_CONTACT])
    if student.school.organisation_id in schools:
        return Disclosing(student.school.organisation, "School on roll")
    return None


def disclosing_to_each(user: User, students: Sequence[Student]) -> dict[int, Disclosing]:
    """:func:`disclosing_to` for a page of students at once, by student id: three queries
    whatever the page's length. The students must have been fetched through the user's
    scope, so each outside reader reaches them by an involvement or as the school on roll."""
    staff, _ = places_of(user, PARTNERSHIP_ROLES)
    outside = [s for s in students if s.partnership_id not in staff]
    if not outside:
        return {}
    found: dict[int, Disclosing] = {}
    involvements = (
        live_involvements()
        .filter(student__in=[s.pk for s in outside], organisation__in=external_organisations(user))
        .select_related("organisation")
        .order_by("pk")
    )
    for involvement in involvements:
        found.setdefault(
            involvement.student_id, Disclosing(involvement.organisation, involvement.purpose)
        )
    _, schools = places_of(user, [Role.SCHOOL_CONTACT])
    school_of = dict(
        School.objects.filter(pk__in={s.school_id for s in outside}).values_list(
            "pk", "organisation_id"
        )
    )
    on_roll = {s.pk: school_of[s.school_id] for s in outside if s.pk not in found}
    organisations = PartnerOrganisation.objects.in_bulk(
        {org for org in on_roll.values() if org in schools}
    )
    for pk, org in on_roll.items():
        if org in organisations:
            found[pk] = Disclosing(organisations[org], "School on roll")
    return found


def disclosures_of(student: Student) -> QuerySet[Disclosure]:
    """The disclosure log of a student whose record the caller already scoped."""
    return student.disclosures.select_related("organisation")


@dataclass(frozen=True)
class DisclosureDay:
    """The disclosures of one day to one organisation, of one kind, for one purpose."""

    day: dt.date
    organisation: str
    kind: str
    purpose: str
    times: int


def disclosure_days(student: Student, limit: int = 500) -> list[DisclosureDay]:
    """The log as a family reads it: one line per organisation, kind and day, newest
    first, so twenty page views on a Tuesday are one line saying "20 times". One query."""
    rows = (
        student.disclosures.annotate(day=TruncDate("at"))
        .values("day", "organisation__name", "kind", "purpose")
        .annotate(times=Count("pk"))
        .order_by("-day", "organisation__name", "kind")[:limit]
    )
    labels = dict(DisclosureKind.choices)
    return [
        DisclosureDay(
            day=row["day"],
            organisation=row["organisation__name"] or "Not recorded",
            kind=labels.get(row["kind"], row["kind"]),
            purpose=row["purpose"],
            times=row["times"],
        )
        for row in rows
    ]


def panel_context(student: Student, user: User) -> dict[str, Any]:
    """The student page's sharing panel: who works with the student and whether that
    opens the record today. The partnership team only; three queries."""
    if not Membership.objects.filter(
        user=user, partnership=student.partnership_id, role__in=PARTNERSHIP_ROLES
    ).exists():
        return {"sharing": None}
    return {
        "sharing": {
            "rows": involvement_rows(student),
            "can_write": can_write(user, student),
        }
    }
