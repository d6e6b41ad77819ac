"""Writes to accounts, memberships and second-factor devices, each audited."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from seip.accounts.devices import EMAIL_CODE_VALIDITY, code_digest
from seip.accounts.models import (
    FAMILY_ROLES,
    ORGANISATION_ROLES,
    PARTNERSHIP_ROLES,
    AuthenticatorDevice,
    BackupCode,
    BackupCodeDevice,
    EmailCodeDevice,
    EnrolmentPurpose,
    EnrolmentToken,
    Membership,
    Role,
    User,
)
from seip.accounts.selectors import forget_memberships, has_role, places_of
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
def authenticator_start(*, user: User) -> AuthenticatorDevice:
    """Begin adding an authenticator app: an unconfirmed device whose secret the user scans.

    Callers must already have checked that the user may add one (an enrolment link, or a
    full sign-in): the device counts for nothing until :func:`authenticator_confirm`."""
    AuthenticatorDevice.objects.filter(user=user, confirmed=False).delete()
    device: AuthenticatorDevice = AuthenticatorDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )
    return device


@transaction.atomic
def authenticator_confirm(
    *, device: AuthenticatorDevice, token: str, enrolment: EnrolmentToken | None = None
) -> bool:
    """Confirm an authenticator app once the user proves they can read its codes, and use
    up the enrolment link that allowed it, if any, in the same transaction (P14)."""
    if enrolment is not None:
        enrolment = EnrolmentToken.objects.select_for_update().get(pk=enrolment.pk)
        if not enrolment.is_live or enrolment.user_id != device.user_id:
            return False
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    if enrolment is not None:
        enrolment.used_at = timezone.now()
        enrolment.save(update_fields=["used_at"])
        # A set-up link is how a lost phone is replaced: the lost one stops working.
        AuthenticatorDevice.objects.filter(user=device.user, confirmed=True).exclude(
            pk=device.pk
        ).delete()
        audit_record(actor=device.user, action="enrolment.redeem", obj=device.user)
    audit_record(actor=device.user, action="second_factor.confirm", obj=device.user)
    return True


@transaction.atomic
def backup_codes_issue(*, user: User, count: int = 5, actor: User | None) -> list[str]:
    """Replace ``user``'s one-time backup codes with ``count`` fresh ones.

    Only keyed digests are stored (``seip.accounts.devices``); the codes are returned
    once, to be shown once. Signing in with one goes through django-otp's own check."""
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.codes.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(count)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, digest=code_digest(code)) for code in codes
    )
    audit_record(
        actor=actor, action="second_factor.backup_codes", obj=user, detail={"count": count}
    )
    return codes


def may_issue_enrolment_link(actor: User, user: User) -> bool:
    """A system administrator for anyone else; a co-ordinator for a member of their own
    partnership's team. Nobody for themselves: their own account page does that once they
    are fully signed in, so a link is never the way round a lost second factor."""
    if actor.pk == user.pk or not actor.is_active or not user.needs_second_factor:
        return False
    if has_role(actor, [Role.SYSTEM_ADMIN]):
        return True
    coordinated, _ = places_of(actor, [Role.COORDINATOR])
    team, _ = places_of(user, PARTNERSHIP_ROLES)
    return bool(coordinated & team)


@transaction.atomic
def enrolment_link_issue(
    *,
    user: User,
    actor: User,
    purpose: EnrolmentPurpose = EnrolmentPurpose.SECOND_FACTOR,
) -> str:
    """Issue a one-time enrolment link for ``user`` and return its token, to be shown once.

    Only the token's hash is stored. Earlier live links of the same purpose are revoked,
    so there is only ever one. The link expires after ``SEIP_ENROLMENT_LINK_HOURS``."""
    if not may_issue_enrolment_link(actor, user):
        raise PermissionDenied(
            "Only a system administrator, or a co-ordinator of this person's partnership, "
            "can issue them a set-up link."
        )
    token, enrolment = enrolment_token_create(user=user, purpose=purpose, issued_by=actor)
    audit_record(
        actor=actor,
        action="enrolment.issue",
        obj=user,
        detail={"enrolment": enrolment.pk, "purpose": str(purpose)},
    )
    return token


@transaction.atomic
def enrolment_link_revoke(*, enrolment: EnrolmentToken, actor: User) -> None:
    if not may_issue_enrolment_link(actor, enrolment.user):
        raise PermissionDenied("You cannot withdraw this person's set-up link.")
    if enrolment.is_live:
        enrolment.revoked_at = timezone.now()
        enrolment.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="enrolment.revoke",
            obj=enrolment.user,
            detail={"enrolment": enrolment.pk},
        )


def enrolment_token_create(
    *, user: User, purpose: EnrolmentPurpose, issued_by: User | None
) -> tuple[str, EnrolmentToken]:
    """A fresh one-time token of ``purpose`` for ``user``, revoking their earlier live ones
    of that purpose; only its hash is stored. Callers check permission and audit."""
    now = timezone.now()
    EnrolmentToken.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    enrolment = EnrolmentToken(
        user=user,
        purpose=purpose,
        token_hash=enrolment_token_hash(token),
        issued_by=issued_by,
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.ENROLMENT_LINK_HOURS),
    )
    enrolment.full_clean()
    enrolment.save()
    return token, enrolment


def enrolment_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enrolment_link_find(token: str) -> EnrolmentToken | None:
    """The live enrolment link with this token, or None (unknown, used, revoked, expired
    all look the same)."""
    enrolment = (
        EnrolmentToken.objects.select_related("user")
        .filter(token_hash=enrolment_token_hash(token))
        .first()
    )
    if (
        enrolment is None
        or enrolment.purpose != EnrolmentPurpose.SECOND_FACTOR
        or not enrolment.is_live
        or not enrolment.user.is_active
    ):
        return None
    return enrolment


@transaction.atomic
def email_code_send(*, user: User) -> None:
    """Email a fresh six-digit sign-in code to ``user`` (the families' second factor).

    The email names no child and no partnership; only the code's digest is kept."""
    device, _ = EmailCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Email", "confirmed": True}
    )
    code = device.generate_code()
    send_mail(
        subject="Your SEIP sign-in code",
        message=(
            f"Your SEIP sign-in code is {code}. It works once, for "
            f"{int(EMAIL_CODE_VALIDITY.total_seconds() // 60)} minutes.\n\n"
            "If you did not just try to sign in, someone may know your password: "
            "change it, or tell your partnership."
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    audit_record(actor=user, action="second_factor.email_sent", obj=user)


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


@transaction.atomic
def password_reset_record(*, user: User) -> None:
    """A password set through an emailed reset link. The password change already ends
    every other session (Django's session hash covers the password)."""
    audit_record(actor=user, action="auth.password_reset", obj=user)
