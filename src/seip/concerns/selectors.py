"""Reads of concerns: only the DPO of the concern's partnership sees it (default deny)."""

from django.db.models import QuerySet
from django.utils import timezone

from seip.accounts.models import Membership, Role, User
from seip.concerns.models import Concern
from seip.organisations.models import Partnership


def dpo_partnerships(user: User) -> QuerySet[Partnership]:
    if not user.is_authenticated or not user.is_active:
        return Partnership.objects.none()
    ids = Membership.objects.filter(user=user, role=Role.DPO).values("partnership")
    return Partnership.objects.filter(pk__in=ids)


def concerns_visible_to(user: User) -> QuerySet[Concern]:
    """Concerns go to the DPO and no one else: a concern may be about the co-ordinator or
    any of the staff, so the register is the DPO's alone (P23)."""
    return Concern.objects.filter(partnership__in=dpo_partnerships(user)).select_related(
        "partnership"
    )


def open_concern_counts(user: User) -> tuple[int, int]:
    """Concerns not yet answered, and those past their acknowledgement date."""
    unanswered = concerns_visible_to(user).filter(responded_on__isnull=True)
    overdue = unanswered.filter(
        acknowledged_on__isnull=True, acknowledge_by__lt=timezone.localdate()
    )
    return unanswered.count(), overdue.count()
