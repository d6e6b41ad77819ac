"""Reads for notifications: each person's choices, and the counts a digest carries.

The counts come from the same selectors as the pages that list the work (reviews due,
the rights register, the concerns log, agreements), so a digest can never promise work
the person cannot then find, nor count records they may not see. Only numbers leave
here: nothing about any child (P14).
"""

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import QuerySet
from django.utils import timezone

from seip.accounts.models import PARTNERSHIP_ROLES, Membership, Role, User
from seip.concerns.selectors import concerns_visible_to
from seip.notifications.models import Kind, Preferences, SentMessage
from seip.organisations.selectors import expiring_agreements
from seip.progress.schedule import DueState
from seip.progress.selectors import reviews_due
from seip.referrals.models import Referral, ReferralStatus
from seip.rights.models import OPEN_STATUSES
from seip.rights.selectors import Urgency, register_rows, rights_requests_visible_to

#: Who may receive each kind: the roles whose work it is about.
KIND_ROLES: dict[str, frozenset[str]] = {
    Kind.DIGEST: frozenset({*PARTNERSHIP_ROLES, Role.SYSTEM_ADMIN}),
    Kind.BREAK_GLASS: frozenset({Role.SAFEGUARDING_LEAD}),
    Kind.REFERRAL_SIGNED: frozenset({Role.COORDINATOR}),
    # Those who may import a school's file (imports.permissions.can_import).
    Kind.IMPORT_FINISHED: frozenset(
        {Role.COORDINATOR, Role.SAFEGUARDING_LEAD, Role.SCHOOL_CONTACT}
    ),
    # A co-ordinator may hold cases too (students.services.case_assign_key_worker).
    Kind.EXCLUSION_IMPORTED: frozenset({Role.KEY_WORKER, Role.COORDINATOR}),
}


def preferences_of(user: User) -> Preferences:
    """The person's choices; everything on (unsaved) until they change one."""
    found = Preferences.objects.filter(user=user).first()
    return found if found is not None else Preferences(user=user)


def kinds_for(user: User) -> list[Kind]:
    """The kinds of email that fit the person's roles, in the order the page lists them."""
    roles = user.roles
    return [kind for kind in Kind if roles & KIND_ROLES[kind]]


def messages_of(user: User) -> QuerySet[SentMessage]:
    """The messages sent to ``user``: their own, nobody else's."""
    return SentMessage.objects.filter(recipient=user)


def digest_recipients() -> QuerySet[User]:
    """Active staff who have not switched the digest off."""
    staff = Membership.objects.filter(role__in=KIND_ROLES[Kind.DIGEST]).values("user")
    return (
        User.objects.filter(is_active=True, pk__in=staff)
        .exclude(notification_preferences__digest=False)
        .order_by("pk")
    )


@dataclass(frozen=True)
class DigestCounts:
    """What is due for one person today, as numbers."""

    reviews_overdue: int = 0
    reviews_due_soon: int = 0
    referrals_awaiting: int = 0
    rights_overdue: int = 0
    rights_due_soon: int = 0
    rights_soonest_days: int | None = None
    concerns_unacknowledged: int = 0
    concerns_overdue: int = 0
    agreements_expiring: int = 0

    @property
    def anything(self) -> bool:
        return any(n for name, n in asdict(self).items() if name != "rights_soonest_days" and n)

    def as_dict(self) -> dict[str, int]:
        return {name: n for name, n in asdict(self).items() if n is not None}

    def lines(self) -> list[str]:
        """One plain sentence per kind of work, as the email lists them."""
        lines = []
        if self.reviews_overdue:
            lines.append(_n(self.reviews_overdue, "review") + " overdue")
        if self.reviews_due_soon:
            lines.append(_n(self.reviews_due_soon, "review") + " due in the next 14 days")
        if self.referrals_awaiting:
            lines.append(_n(self.referrals_awaiting, "referral") + " waiting for a decision")
        if self.rights_overdue:
            lines.append(_n(self.rights_overdue, "rights request") + " past its legal deadline")
        if self.rights_due_soon:
            days = self.rights_soonest_days or 0
            when = "today" if days == 0 else f"in {_n(days, 'day')}"
            if self.rights_due_soon == 1:
                lines.append(f"1 rights request due {when}")
            else:
                lines.append(
                    f"{self.rights_due_soon} rights requests due within 7 days, the first {when}"
                )
        if self.concerns_unacknowledged:
            overdue = f", {self.concerns_overdue} past the 30 days" if self.concerns_overdue else ""
            lines.append(
                _n(self.concerns_unacknowledged, "data-protection concern")
                + f" to acknowledge{overdue}"
            )
        if self.agreements_expiring:
            lines.append(
                _n(self.agreements_expiring, "data-sharing agreement") + " expiring within 60 days"
            )
        return lines


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def digest_counts(user: User, *, today: dt.date | None = None) -> DigestCounts:
    """What is due for ``user``: reviews on their caseload (or partnership, for the
    co-ordinator), referrals waiting for the co-ordinator, rights requests for their
    handlers, concerns for the DPO and agreements for whoever manages them."""
    day = today or timezone.localdate()
    roles = user.roles
    reviews = [item.next.state for item in reviews_due(user, today=day)]
    coordinated = Membership.objects.filter(user=user, role=Role.COORDINATOR).values("partnership")
    awaiting = Referral.objects.filter(
        partnership__in=coordinated, status=ReferralStatus.SIGNED
    ).count()
    rows = register_rows(
        rights_requests_visible_to(user).filter(status__in=OPEN_STATUSES), today=day
    )
    soon = [r.clock.due_on for r in rows if r.urgency == Urgency.DUE_SOON and r.clock.due_on]
    concerns = concerns_visible_to(user).filter(acknowledged_on__isnull=True)
    return DigestCounts(
        reviews_overdue=reviews.count(DueState.OVERDUE),
        reviews_due_soon=reviews.count(DueState.DUE_SOON),
        referrals_awaiting=awaiting,
        rights_overdue=sum(r.urgency == Urgency.OVERDUE for r in rows),
        rights_due_soon=len(soon),
        rights_soonest_days=(min(soon) - day).days if soon else None,
        concerns_unacknowledged=concerns.count() if Role.DPO in roles else 0,
        concerns_overdue=(
            concerns.filter(acknowledge_by__lt=day).count() if Role.DPO in roles else 0
        ),
        agreements_expiring=expiring_agreements(user, today=day),
    )
