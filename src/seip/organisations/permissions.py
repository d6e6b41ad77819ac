"""Who may manage which part of a county's organisations: one rule, default deny.

See docs/decisions/0032-administration-of-organisations-and-agreements.md. In short:

- the system administrator manages the county: partnerships, schools, organisations,
  registrations and agreements;
- a co-ordinator manages their own partnership: its details and logo, which existing
  organisations are registered with it, the partner organisations it adds (and edits
  while it is the only partnership working with them), and its data-sharing agreements;
- nobody else manages anything. Schools belong to one partnership by the county's
  "belonging rule", so only the administrator creates, edits or moves them.

Views check :func:`may_manage` before calling a service, and answer 403 when it is
false for something the user can see (a 404 when they cannot see it at all).
"""

from enum import StrEnum

from seip.accounts.models import Membership, Role, User
from seip.organisations.models import OrganisationType, PartnerOrganisation, Partnership


class Action(StrEnum):
    PARTNERSHIP_CREATE = "partnership.create"
    PARTNERSHIP_EDIT = "partnership.edit"
    SCHOOL_MANAGE = "school.manage"
    ORGANISATION_CREATE = "organisation.create"
    ORGANISATION_EDIT = "organisation.edit"
    ORGANISATION_REGISTER = "organisation.register"
    AGREEMENT_MANAGE = "agreement.manage"


#: What a co-ordinator may do for their own partnership.
COORDINATOR_ACTIONS = frozenset(
    {
        Action.PARTNERSHIP_EDIT,
        Action.ORGANISATION_CREATE,
        Action.ORGANISATION_EDIT,
        Action.ORGANISATION_REGISTER,
        Action.AGREEMENT_MANAGE,
    }
)

#: Organisation types a co-ordinator may never create, edit or register: schools belong
#: to one partnership (the administrator moves them) and the local authority's own
#: record works with every partnership of the county.
COUNTY_TYPES = frozenset({OrganisationType.SCHOOL, OrganisationType.LOCAL_AUTHORITY})


def coordinated_partnership_ids(user: User) -> set[int]:
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.filter(user=user, role=Role.COORDINATOR).values_list(
            "partnership_id", flat=True
        )
    ) - {None}


def may_manage(
    user: User,
    action: Action,
    *,
    partnership: Partnership | None = None,
    organisation: PartnerOrganisation | None = None,
) -> bool:
    """Whether ``user`` may take ``action`` (on ``partnership``, for ``organisation``).
    Default deny: anything not granted below is refused (P08)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if Role.SYSTEM_ADMIN in user.roles:
        return True
    if action not in COORDINATOR_ACTIONS or partnership is None:
        return False
    if partnership.pk not in coordinated_partnership_ids(user):
        return False
    if organisation is None:
        return action in {
            Action.PARTNERSHIP_EDIT,
            Action.ORGANISATION_CREATE,
            Action.ORGANISATION_REGISTER,
            Action.AGREEMENT_MANAGE,
        }
    if organisation.type in COUNTY_TYPES and action != Action.AGREEMENT_MANAGE:
        return False
    if action == Action.ORGANISATION_REGISTER:
        return True
    registered = set(organisation.partnerships.values_list("pk", flat=True))
    if action == Action.AGREEMENT_MANAGE:
        # An agreement is between the partnership and an organisation it works with.
        return partnership.pk in registered
    if action == Action.ORGANISATION_EDIT:
        # Another partnership's contacts and keys are not this co-ordinator's to change.
        return registered == {partnership.pk}
    return False


def may_edit_organisation(user: User, organisation: PartnerOrganisation) -> bool:
    """Whether ``user`` may edit ``organisation`` for any partnership they manage."""
    if Role.SYSTEM_ADMIN in user.roles:
        return may_manage(user, Action.ORGANISATION_EDIT, organisation=organisation)
    return any(
        may_manage(user, Action.ORGANISATION_EDIT, partnership=p, organisation=organisation)
        for p in Partnership.objects.filter(pk__in=coordinated_partnership_ids(user))
    )
