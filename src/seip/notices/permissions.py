"""Who may change what a partnership tells families."""

from django.db.models import Q

from seip.accounts.models import Membership, Role, User
from seip.organisations.models import Partnership

#: Partnership roles that answer for the notice: the co-ordinator runs the partnership and
#: the data protection officer is accountable for what it says about information.
NOTICE_MANAGERS = frozenset({Role.COORDINATOR, Role.DPO})


def can_manage_notice(user: User, partnership: Partnership) -> bool:
    """Only the partnership's own co-ordinator or DPO, or a system administrator, may edit
    or publish its privacy notice (P26). Everyone else, however senior elsewhere, may only
    read the published notice, which is public."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        Membership.objects.filter(user=user)
        .filter(Q(role=Role.SYSTEM_ADMIN) | Q(role__in=NOTICE_MANAGERS, partnership=partnership))
        .exists()
    )
