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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from seip.accounts.models import PARTNERSHIP_ROLES, Membership, Role, User
from seip.accounts.selectors import places_of
from seip.organisations.models import (
    DataSharingAgreement,
    OrganisationType,
    PartnerOrganisation,
    School,
)
from seip.referrals.models import ConsentGrant
from seip.rights.models import Restriction
from seip.sharing.models import Disclosure, DisclosureKind, Involvement
from seip.students.models import Student
from seip.students.permissions import can_write

#: Roles that reach individual students through their organisation's involvements.
EXTERNAL_ROLES = (
    Role.SCHOOL_CONTACT,
    Role.PROVIDER_CONTACT,
    Role.AGENCY_CONTACT,
    Role.LA_OFFICER,
)


def _running(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on})
    )


def _current_agreement(organisation: str, partnership: str, on: dt.date) -> Exists:
    return Exists(
        DataSharingAgreement.objects.filter(
            organisation=OuterRef(organisation),
            partnership=OuterRef(partnership),
            signed_on__lte=on,
            expires_on__gte=on,
        )
    )


def _live_consent(referral: str, category: str) -> Exists:
    return Exists(
        ConsentGrant.objects.filter(
            referral=OuterRef(referral), category=OuterRef(category), withdrawn_at__isnull=True
        )
    )


def _registered() -> Q:
    """The involvement's organisation works with the student's partnership: a listed
    partner, or one of the partnership's own schools (P13)."""
    listed = PartnerOrganisation.partnerships.through.objects.filter(
        partnerorganisation=OuterRef("organisation"), partnership=OuterRef("student__partnership")
    )
    return Q(Exists(listed)) | Q(organisation__school__partnership=F("student__partnership"))


def live_involvements(on: dt.date | None = None) -> QuerySet[Involvement]:
    """Involvements that open a record today (or ``on``). Not scoped to a user: callers
    narrow it to the asking user's organisations or to one student."""
    day = on or timezone.localdate()
    return Involvement.objects.filter(
        _running(day),
        _registered(),
        _live_consent("student__referral", "organisation__type"),
        _current_agreement("organisation", "student__partnership", day),
        # An objection restricts processing at once, until the DPO lifts it (P20).
        ~Exists(Restriction.objects.filter(student=OuterRef("student"), lifted_at__isnull=True)),
    )


def external_organisations(user: User) -> QuerySet[PartnerOrganisation]:
    """The organisations ``user`` acts for outside the partnership team."""
    return PartnerOrganisation.objects.filter(
        memberships__user=user, memberships__role__in=EXTERNAL_ROLES
    )


def reached_through_involvement(organisations: Iterable[int]) -> Exists:
    """For a ``Student`` queryset: a live involvement of one of these organisations (the
    ids of the organisations a user acts for, ``accounts.selectors.places_of``)."""
    return Exists(
        live_involvements().filter(student=OuterRef("pk"), organisation__in=list(organisations))
    )


def sharing_refusal(
    student: Student,
    organisation: PartnerOrganisation,
    *,
    on: dt.date | None = None,
    need_involvement: bool = True,
) -> str | None:
    """Why ``organisation`` may not receive ``student``'s information, or None if it may.

    The reasons are in the order a co-ordinator would fix them, and say what to do.
    """
    day = on or timezone.localdate()
    if Restriction.objects.filter(student=student, lifted_at__isnull=True).exists():
        return (
            "Processing of this student's information is restricted because of an objection: "
            "nothing may be shared until the data protection officer lifts it (P20)."
        )
    registered = (
        organisation.partnerships.filter(pk=student.partnership_id).exists()
        or School.objects.filter(
            organisation=organisation, partnership=student.partnership_id
        ).exists()
    )
    if not registered:
        return (
            f"{organisation.name} is not registered as a partner of "
            f"{student.partnership.name}, so it can receive nothing (P13)."
        )
    category = OrganisationType(organisation.type)
    consented = ConsentGrant.objects.filter(
        referral=student.referral_id, category=category, withdrawn_at__isnull=True
    ).exists()
    if not consented:
        return (
            f"The family has not agreed to share information with "
            f"{category.label.lower()} organisations, or has withdrawn that consent (P07)."
        )
    agreements = DataSharingAgreement.objects.filter(
        organisation=organisation, partnership=student.partnership_id
    )
    if not agreements.filter(signed_on__lte=day, expires_on__gte=day).exists():
        last = agreements.order_by("-expires_on").first()
        detail = (
            f"its agreement {last.reference} expired on {last.expires_on:%-d %B %Y}"
            if last is not None and last.expires_on < day
            else "it has no data-sharing agreement in force"
        )
        return (
            f"{organisation.name} has no current data-sharing agreement with "
            f"{student.partnership.name}: {detail} (P09)."
        )
    if (
        need_involvement
        and not Involvement.objects.filter(
            _running(day), student=student, organisation=organisation
        ).exists()
    ):
        return (
            f"{organisation.name} has no active involvement with this student: "
            f"record one first (P08)."
        )
    return None


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
