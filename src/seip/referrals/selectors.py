"""Scoped reads of referrals.

A draft belongs to the school that wrote it: partnership staff cannot see a draft at all,
only an anonymous count (P25). Once signed it goes to the school's partnership. The school
keeps seeing the referral it wrote, whatever happens to consent later.
"""

from django.db.models import Q, QuerySet

from seip.accounts.models import PARTNERSHIP_ROLES, Membership, Role, User
from seip.organisations.models import OrganisationType, Partnership
from seip.referrals.models import ConsentGrant, Referral, ReferralStatus


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    if not user.is_authenticated or not user.is_active:
        return Referral.objects.none()
    memberships = Membership.objects.filter(user=user)
    schools = memberships.filter(role=Role.SCHOOL_CONTACT).values("organisation__school")
    staff = memberships.filter(role__in=PARTNERSHIP_ROLES).values("partnership")
    archive = memberships.filter(role__in=[Role.COORDINATOR, Role.DPO]).values("partnership")
    # Once the student has left, their referral is part of the archive (P17): only the
    # co-ordinator and the DPO still see it on the partnership's side.
    not_archived = Q(student__isnull=True) | Q(student__archived_at__isnull=True)
    return Referral.objects.filter(
        Q(school__in=schools)
        | (
            Q(partnership__in=staff)
            & ~Q(status=ReferralStatus.DRAFT)
            & (not_archived | Q(partnership__in=archive))
        )
    ).select_related("school")


def awaiting_decision(partnership: Partnership) -> QuerySet[Referral]:
    return Referral.objects.filter(partnership=partnership, status=ReferralStatus.SIGNED)


def draft_count(partnership: Partnership) -> int:
    """How many drafts the partnership's schools have open: a number, nothing more."""
    return Referral.objects.filter(partnership=partnership, status=ReferralStatus.DRAFT).count()


def live_categories(referral: Referral) -> set[str]:
    return set(
        ConsentGrant.objects.filter(referral=referral, withdrawn_at__isnull=True).values_list(
            "category", flat=True
        )
    )


def live_category_labels(referral: Referral) -> list[str]:
    """The categories sharing is agreed with now, as people read them, in a fixed order."""
    live = live_categories(referral)
    return [label for value, label in OrganisationType.choices if value in live]
