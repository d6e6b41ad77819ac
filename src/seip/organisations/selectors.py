"""Reads of organisations, scoped to the person asking.

``partnerships_visible_to`` is the one scoping function for partnerships: every view that
shows a partnership fetches it through this queryset, so a partnership you may not see is
a 404, never a 403 that confirms it exists.
"""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from seip.accounts.models import FAMILY_ROLES, PARTNERSHIP_ROLES, Membership, Role, User
from seip.organisations.models import (
    EXPIRY_WARNING,
    DataSharingAgreement,
    PartnerOrganisation,
    Partnership,
    School,
)


def partnerships_visible_to(user: User) -> QuerySet[Partnership]:
    """The partnerships whose pages ``user`` may open. Default deny.

    - partnership staff and families: the partnership named in their membership;
    - school contacts: the partnership their school belongs to;
    - provider and agency contacts: the partnerships their organisation works with;
    - LA officers: the partnerships of their local authority;
    - system administrators: all.
    """
    if not user.is_authenticated or not user.is_active:
        return Partnership.objects.none()
    if Role.SYSTEM_ADMIN in user.roles:
        return Partnership.objects.all()
    memberships = Membership.objects.filter(user=user)
    direct = memberships.filter(role__in=PARTNERSHIP_ROLES | FAMILY_ROLES).values("partnership")
    schools = School.objects.filter(
        organisation__memberships__in=memberships.filter(role=Role.SCHOOL_CONTACT)
    ).values("partnership")
    partners = PartnerOrganisation.partnerships.through.objects.filter(
        partnerorganisation__memberships__in=memberships.filter(
            role__in=[Role.PROVIDER_CONTACT, Role.AGENCY_CONTACT]
        )
    ).values("partnership")
    authority = PartnerOrganisation.objects.filter(
        memberships__in=memberships.filter(role=Role.LA_OFFICER)
    ).values("local_authority")
    return Partnership.objects.filter(
        Q(pk__in=direct) | Q(pk__in=schools) | Q(pk__in=partners) | Q(local_authority__in=authority)
    )


def home_and_brand(user: User) -> tuple[Partnership | None, Partnership | None]:
    """The user's home partnership and the partnership that brands their pages, in one
    query: see :func:`home_partnership` and :func:`brand_partnership`."""
    found = list(
        partnerships_visible_to(user).select_related("local_authority").order_by("name")[:2]
    )
    home = found[0] if found else None
    return home, home if len(found) == 1 else None


def home_partnership(user: User) -> Partnership | None:
    """The partnership the user's home page works with: the first by name of those they
    may see."""
    return home_and_brand(user)[0]


def brand_partnership(user: User) -> Partnership | None:
    """The partnership whose name and logo brand this user's pages (P26), or None for the
    neutral SEIP header.

    Only a user whose work lies within one partnership carries its branding. An LA officer,
    an administrator, or a provider working with several partnerships would otherwise wear
    whichever partnership sorts first, as if they belonged to it (issue 19).
    """
    return home_and_brand(user)[1]


def schools_of(partnership: Partnership) -> QuerySet[School]:
    return partnership.schools.select_related("local_authority").order_by("name")


def agreement_summary(partnership: Partnership, *, today: dt.date | None = None) -> dict[str, int]:
    """Counts of the partnership's data-sharing agreements by state, in one query."""
    day = today or timezone.localdate()
    soon = day + dt.timedelta(days=60)
    return DataSharingAgreement.objects.filter(partnership=partnership).aggregate(
        current=Count("pk", filter=DataSharingAgreement.in_force(day)),
        expiring=Count("pk", filter=DataSharingAgreement.in_force(day) & Q(expires_on__lte=soon)),
        expired=Count("pk", filter=Q(expires_on__lt=day)),
    )


def partner_organisations_of(partnership: Partnership) -> QuerySet[PartnerOrganisation]:
    """The non-school organisations a partnership works with."""
    return partnership.partner_organisations.exclude(type="school").order_by("type", "name")


def agreements_of(partnership: Partnership) -> QuerySet[DataSharingAgreement]:
    return partnership.agreements.select_related("organisation").order_by(
        "organisation__name", "-expires_on"
    )


def organisations_manageable_by(user: User) -> QuerySet[PartnerOrganisation]:
    """The organisations whose administration pages ``user`` may open. Default deny:
    the administrator sees the county, a co-ordinator the organisations registered with
    their partnership, and everyone else none (a 404, never a 403)."""
    if not user.is_authenticated or not user.is_active:
        return PartnerOrganisation.objects.none()
    if Role.SYSTEM_ADMIN in user.roles:
        return PartnerOrganisation.objects.all()
    coordinated = Membership.objects.filter(user=user, role=Role.COORDINATOR).values("partnership")
    return PartnerOrganisation.objects.filter(partnerships__in=coordinated).distinct()


def agreements_manageable_by(user: User) -> QuerySet[DataSharingAgreement]:
    """The agreements ``user`` may open and change: all for the administrator, their own
    partnership's for a co-ordinator, none for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return DataSharingAgreement.objects.none()
    if Role.SYSTEM_ADMIN in user.roles:
        return DataSharingAgreement.objects.all()
    coordinated = Membership.objects.filter(user=user, role=Role.COORDINATOR).values("partnership")
    return DataSharingAgreement.objects.filter(partnership__in=coordinated)


def expiring_agreements(user: User, *, today: dt.date | None = None) -> int:
    """How many of the agreements ``user`` manages expire within the warning period (60
    days), for the home page."""
    day = today or timezone.localdate()
    return (
        agreements_manageable_by(user)
        .filter(DataSharingAgreement.in_force(day), expires_on__lte=day + EXPIRY_WARNING)
        .count()
    )


def partnership_table(user: User) -> list[Partnership]:
    """Partnerships with their school counts, in one query."""
    return list(
        partnerships_visible_to(user).annotate(school_count=Count("schools")).order_by("name")
    )
