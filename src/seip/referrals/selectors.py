"""Scoped reads of referrals.

A draft belongs to the school that wrote it: partnership staff cannot see a draft at all,
only an anonymous count (P25). Once signed it goes to the school's partnership. The school
reads the referral it wrote only while it is its draft or waiting for the partnership's
decision, and then only while the family's consent for schools is live
(:func:`school_may_read`); after that the school reads the student, if at all, through
the student record and its rules (``students.selectors.students_visible_to``).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from seip.access.predicates import live_consent, live_grants, restrictions_in_force
from seip.accounts.models import PARTNERSHIP_ROLES, Membership, Role, User
from seip.accounts.selectors import has_role
from seip.organisations.models import OrganisationType, Partnership
from seip.referrals.models import Referral, ReferralStatus


def school_may_read() -> Q:
    """When the school that wrote a referral may still read it (UPN, date of birth,
    reasons, carers, the signed scan). Default deny: only

    - its own draft, which is the school's alone until a parent signs (P25); or
    - a signed referral waiting for the partnership's decision, while the family's consent
      for schools is live (P07), no objection restricts processing (P20) and the student
      is not archived (P17).

    An accepted, declined or withdrawn referral is closed to the school: once accepted,
    the school sees the student through the student record, which has the same rules.
    """
    # A signed referral may not have a student yet: the objection is looked up through it.
    restricted = Exists(restrictions_in_force().filter(student__referral=OuterRef("pk")))
    return Q(status=ReferralStatus.DRAFT) | (
        Q(status=ReferralStatus.SIGNED)
        & Q(live_consent(OuterRef("pk"), OrganisationType.SCHOOL))
        & ~Q(restricted)
        & (Q(student__isnull=True) | Q(student__archived_at__isnull=True))
    )


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
        (Q(school__in=schools) & school_may_read())
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
    return set(live_grants().filter(referral=referral).values_list("category", flat=True))


def live_category_labels(referral: Referral) -> list[str]:
    """The categories sharing is agreed with now, as people read them, in a fixed order."""
    live = live_categories(referral)
    return [label for value, label in OrganisationType.choices if value in live]


def may_open_scan(user: User, referral: Referral) -> bool:
    """Who may open the scan of a signed form: the school that wrote the referral, and the
    partnership's co-ordinator and DPO. One rule, used by the download and by every page
    that offers the link, so no page offers what the download would refuse."""
    return has_role(
        user, [Role.SCHOOL_CONTACT], organisation=referral.school.organisation
    ) or has_role(user, [Role.COORDINATOR, Role.DPO], partnership=referral.partnership)
