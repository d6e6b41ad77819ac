"""Writes to accounts, memberships and second-factor devices, each audited."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from seip.accounts.models import (
    FAMILY_ROLES,
    ORGANISATION_ROLES,
    PARTNERSHIP_ROLES,
    Membership,
    Role,
    User,
)
from seip.accounts.selectors import forget_memberships
from seip.audit.services import audit_record
from seip.organisations.models import PartnerOrganisation, Partnership

BACKUP_DEVICE_NAME = "Backup codes"


@transaction.atomic
def user_create(*, email: str, full_name: str, password: str | None, actor: User | None) -> User:
    user = User(email=User.objects.normalize_email(email).lower(), full_name=full_name)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=actor, action="user.create", obj=user)
    return user


@transaction.atomic
def membership_grant(
    *,
    user: User,
    role: Role,
    partnership: Partnership | None = None,
    organisation: PartnerOrganisation | None = None,
    actor: User | None,
) -> Membership:
    """Give ``user`` a role, scoped to the right kind of place for that role.

    Refuses a role in the wrong kind of place (for example a school contact attached to a
    health trust), because scoping later trusts this shape.
    """
    if role in PARTNERSHIP_ROLES | FAMILY_ROLES:
        if partnership is None or organisation is not None:
            raise ValidationError(f"A {role.label} belongs to a partnership.")
    elif role in ORGANISATION_ROLES:
        if organisation is None or partnership is not None:
            raise ValidationError(f"A {role.label} belongs to a partner organisation.")
        if organisation.type not in ORGANISATION_ROLES[role]:
            raise ValidationError(
                f"A {role.label} cannot belong to a {organisation.get_type_display().lower()}."
            )
    elif partnership is not None or organisation is not None:
        raise ValidationError("A system administrator belongs to no partnership or organisation.")
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, partnership=partnership, organisation=organisation
    )
    if created:
        forget_memberships(user)
        audit_record(
            actor=actor, action="membership.grant", obj=membership, detail={"role": str(role)}
        )
    return membership


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """Begin TOTP set-up: an unconfirmed device whose secret the user scans."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a TOTP device once the user proves they can read its codes."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=device.user, action="second_factor.confirm", obj=device.user)
    return True


@transaction.atomic
def backup_codes_issue(*, user: User, count: int = 5, actor: User | None) -> list[str]:
    """Replace ``user``'s one-time backup codes with ``count`` fresh ones.

    The codes are django-otp static tokens: signing in with one goes through the real
    second-factor check, and each works once.
    """
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(
        actor=actor, action="second_factor.backup_codes", obj=user, detail={"count": count}
    )
    return codes


@transaction.atomic
def sign_in_record(*, user: User, second_factor: bool) -> None:
    audit_record(
        actor=user,
        action="auth.second_factor" if second_factor else "auth.login",
        obj=user,
    )


@transaction.atomic
def second_factor_failed_record(*, user: User) -> None:
    """A wrong security code from a user who passed the password step (P14). Unlike a
    failed password, the account is known here, so the event names it; never the code."""
    audit_record(actor=user, action="auth.second_factor_failed", obj=user)
