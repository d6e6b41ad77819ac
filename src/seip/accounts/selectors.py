"""Reads about the signed-in user's own account."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from seip.accounts.models import User
from seip.organisations.models import PartnerOrganisation, Partnership


@dataclass(frozen=True)
class Devices:
    authenticator: bool
    backup_codes_left: int


def has_confirmed_device(user: User) -> bool:
    return bool(
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True, token_set__isnull=False).exists()
    )


def account_devices(user: User) -> Devices:
    return Devices(
        authenticator=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        backup_codes_left=StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    )


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
