"""Reads about the signed-in user's own account."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from seip.accounts.devices import code_digest
from seip.accounts.models import (
    FAMILY_ROLES,
    PARTNERSHIP_ROLES,
    AuthenticatorDevice,
    BackupCode,
    Role,
    User,
)
from seip.organisations.models import PartnerOrganisation, Partnership


@dataclass(frozen=True)
class Devices:
    authenticator: bool
    backup_codes_left: int


def has_confirmed_device(user: User) -> bool:
    """Whether ``user`` has a second factor they can still pass: a confirmed authenticator
    app or an unused backup code. Without one they need an enrolment link (P14)."""
    return bool(
        AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()
        or _unused_codes(user).exists()
    )


def _unused_codes(user: User) -> QuerySet[BackupCode]:
    return BackupCode.objects.filter(
        device__user=user, device__confirmed=True, used_at__isnull=True
    )


def account_devices(user: User) -> Devices:
    return Devices(
        authenticator=AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists(),
        backup_codes_left=_unused_codes(user).count(),
    )


def backup_code_was_used(user: User, code: str) -> bool:
    """Whether ``code`` is one of ``user``'s backup codes that has already been used, so
    the sign-in page can say so rather than call it wrong."""
    return BackupCode.objects.filter(
        device__user=user, digest=code_digest(code), used_at__isnull=False
    ).exists()


def has_role(
    user: User,
    roles: Iterable[str],
    *,
    partnership: Partnership | None = None,
    organisation: PartnerOrganisation | None = None,
) -> bool:
    """Whether ``user`` holds one of ``roles`` in that partnership or organisation.

    The write-permission check every service makes before it changes anything. Reads are
    scoped separately, by each model's ``visible_to`` selector. The user's memberships are
    read once and kept on the user object for the request, so a page that checks many
    times still makes one query.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    wanted = set(roles)
    return any(
        role in wanted
        and (partnership is None or partnership_id == partnership.pk)
        and (organisation is None or organisation_id == organisation.pk)
        for role, partnership_id, organisation_id in _memberships(user)
    )


_CACHE = "_seip_memberships"


def places_of(user: User, roles: Iterable[str]) -> tuple[set[int], set[int]]:
    """The partnership ids and organisation ids where ``user`` holds one of ``roles``,
    from the same per-request cache as :func:`has_role`: scoping queries can then name
    literal ids instead of joining memberships again."""
    wanted = set(roles)
    partnerships: set[int] = set()
    organisations: set[int] = set()
    if not user.is_authenticated or not user.is_active:
        return partnerships, organisations
    for role, partnership_id, organisation_id in _memberships(user):
        if role in wanted and partnership_id is not None:
            partnerships.add(partnership_id)
        if role in wanted and organisation_id is not None:
            organisations.add(organisation_id)
    return partnerships, organisations


def _memberships(user: User) -> list[tuple[str, int | None, int | None]]:
    cached: list[tuple[str, int | None, int | None]] | None = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(user.memberships.values_list("role", "partnership_id", "organisation_id"))
        setattr(user, _CACHE, cached)
    return cached


def forget_memberships(user: User) -> None:
    """Drop the cached memberships after they change (called by ``membership_grant``)."""
    for name in (_CACHE, "_roles_cache"):
        if hasattr(user, name):
            delattr(user, name)


def partnership_staff(partnership: Partnership, roles: Iterable[str]) -> QuerySet[User]:
    return User.objects.filter(
        memberships__partnership=partnership, memberships__role__in=list(roles), is_active=True
    ).distinct()


def partnership_team_for(actor: User) -> QuerySet[User]:
    """The people an actor may issue set-up links to, for the "People" page: the whole
    staff for a system administrator, the team of each partnership they co-ordinate for a
    co-ordinator, nobody otherwise."""
    if has_role(actor, [Role.SYSTEM_ADMIN]):
        return (
            User.objects.filter(is_active=True)
            .exclude(memberships__role__in=list(FAMILY_ROLES))
            .exclude(pk=actor.pk)
        )
    coordinated, _ = places_of(actor, [Role.COORDINATOR])
    return (
        User.objects.filter(
            is_active=True,
            memberships__partnership__in=coordinated,
            memberships__role__in=list(PARTNERSHIP_ROLES),
        )
        .exclude(pk=actor.pk)
        .distinct()
    )
