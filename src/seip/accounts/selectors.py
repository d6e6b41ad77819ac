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
    scoped separately, by each model's ``visible_to`` selector.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    memberships = user.memberships.filter(role__in=list(roles))
    if partnership is not None:
        memberships = memberships.filter(partnership=partnership)
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    return memberships.exists()


def partnership_staff(partnership: Partnership, roles: Iterable[str]) -> QuerySet[User]:
    return User.objects.filter(
        memberships__partnership=partnership, memberships__role__in=list(roles), is_active=True
    ).distinct()
