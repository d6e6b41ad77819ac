"""Bringing people in: who may invite whom, and invitations as one-time links (ADR 0031).

An invitation creates the account (inactive, no usable password) and its membership at
once, and emails a one-time ``EnrolmentToken`` of purpose ``invitation``. Accepting it
sets the password and activates the account; staff then go straight on to set up their
authenticator through a second-factor link issued in the same transaction (ADR 0024).
A pending invitee is inactive, so they appear in no picker and cannot sign in.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import (
    FAMILY_ROLES,
    ORGANISATION_ROLES,
    EnrolmentPurpose,
    EnrolmentToken,
    Membership,
    Role,
    User,
)
from seip.accounts.selectors import forget_memberships, has_role, places_of
from seip.accounts.services import (
    enrolment_token_create,
    enrolment_token_hash,
    membership_grant,
    user_create,
)
from seip.audit.services import audit_record
from seip.organisations.models import OrganisationType, PartnerOrganisation, Partnership

#: Who may give which role, and where. Anything not named here is refused (default
#: deny): nobody invites a system administrator (``seip createadmin`` makes the first
#: one), and families are invited only from a child's record, by the key worker holding
#: the case or the co-ordinator (``seip.progress.services.family_invite``).
ADMIN_GIVES = frozenset({Role.COORDINATOR, Role.DPO, Role.LA_OFFICER})
COORDINATOR_GIVES_IN_PARTNERSHIP = frozenset({Role.KEY_WORKER, Role.SAFEGUARDING_LEAD})
COORDINATOR_GIVES_IN_ORGANISATION = frozenset(
    {Role.SCHOOL_CONTACT, Role.PROVIDER_CONTACT, Role.AGENCY_CONTACT}
)


def may_invite(
    actor: User,
    role: str,
    *,
    partnership: Partnership | None = None,
    organisation: PartnerOrganisation | None = None,
) -> bool:
    """Whether ``actor`` may give ``role`` in that partnership or organisation: the one
    rule for inviting, resending, revoking and ending a membership."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if (partnership is None) == (organisation is None):
        return False
    if role in ADMIN_GIVES and has_role(actor, [Role.SYSTEM_ADMIN]):
        if role == Role.LA_OFFICER:
            return (
                organisation is not None and organisation.type == OrganisationType.LOCAL_AUTHORITY
            )
        return partnership is not None
    if role in COORDINATOR_GIVES_IN_PARTNERSHIP:
        return partnership is not None and has_role(
            actor, [Role.COORDINATOR], partnership=partnership
        )
    if role in COORDINATOR_GIVES_IN_ORGANISATION and organisation is not None:
        if organisation.type not in ORGANISATION_ROLES[role]:
            return False
        coordinated, _ = places_of(actor, [Role.COORDINATOR])
        return organisation.partnerships.filter(pk__in=coordinated).exists()
    return False


def may_manage(actor: User, user: User) -> bool:
    """Whether ``actor`` may resend, revoke or end the memberships of ``user``: they could
    have given every role ``user`` holds (a family role: a co-ordinator of its
    partnership). Nobody manages themselves."""
    if actor.pk == user.pk:
        return False
    memberships = list(user.memberships.select_related("partnership", "organisation"))
    return bool(memberships) and all(may_manage_membership(actor, m) for m in memberships)


def may_manage_membership(actor: User, membership: Membership) -> bool:
    if membership.user_id == actor.pk:
        return False
    if membership.role in FAMILY_ROLES:
        return membership.partnership is not None and has_role(
            actor, [Role.COORDINATOR], partnership=membership.partnership
        )
    return may_invite(
        actor,
        membership.role,
        partnership=membership.partnership,
        organisation=membership.organisation,
    )


REFUSAL = "You cannot give that role there."


@transaction.atomic
def invitation_send(
    *,
    email: str,
    full_name: str,
    role: Role,
    partnership: Partnership | None = None,
    organisation: PartnerOrganisation | None = None,
    site: str,
    actor: User,
) -> EnrolmentToken | None:
    """Invite someone to a role, by email: a one-time link for a new person, or a notice
    for someone who already signs in (their new role is theirs at once).

    Returns the invitation, or None when the role went to an existing account."""
    if not may_invite(actor, role, partnership=partnership, organisation=organisation):
        raise PermissionDenied(REFUSAL)
    return _invite(
        email=email,
        full_name=full_name,
        role=role,
        partnership=partnership,
        organisation=organisation,
        site=site,
        actor=actor,
    )


def _invite(
    *,
    email: str,
    full_name: str,
    role: Role,
    partnership: Partnership | None,
    organisation: PartnerOrganisation | None,
    site: str,
    actor: User | None,
) -> EnrolmentToken | None:
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        if not full_name.strip():
            raise ValidationError({"full_name": "Enter the person's full name"})
        user = user_create(email=email, full_name=full_name.strip(), password=None, actor=actor)
        user.is_active = False
        user.save(update_fields=["is_active"])
    elif not user.is_active and user.last_login is not None:
        raise ValidationError(
            {"email": "This person's account was closed. A system administrator can reopen it."}
        )
    if user.roles and bool(user.roles & FAMILY_ROLES) != (role in FAMILY_ROLES):
        # A family account never holds a staff role, nor a staff account a family one
        # (ADR 0024: portal access only for accounts with no staff role).
        raise ValidationError({"email": "This email address cannot be given that role."})
    membership_grant(
        user=user, role=role, partnership=partnership, organisation=organisation, actor=actor
    )
    if user.is_active:
        _email(
            user,
            "You have a new role in SEIP",
            f"You have been given the role {role.label} in SEIP. Sign in as usual to use it.",
        )
        audit_record(actor=actor, action="invitation.role_added", obj=user)
        return None
    return invitation_issue(user=user, site=site, actor=actor)


def invitation_issue(*, user: User, site: str, actor: User | None) -> EnrolmentToken:
    """Email ``user`` a fresh invitation link (earlier ones stop working). Callers have
    checked that ``actor`` may invite them; must run inside the caller's transaction."""
    return _invitation_issue(user=user, site=site, actor=actor)[1]


def _invitation_issue(*, user: User, site: str, actor: User | None) -> tuple[str, EnrolmentToken]:
    token, invitation = enrolment_token_create(
        user=user, purpose=EnrolmentPurpose.INVITATION, issued_by=actor
    )
    link = f"{site.rstrip('/')}{reverse('accounts:invitation', args=[token])}"
    # Names no child and no other person: only the link and how long it lasts.
    _email(
        user,
        "You are invited to SEIP",
        f"You have been invited to SEIP. Open this link to choose your password"
        f"{' and set up your authenticator app' if user.needs_second_factor else ''}:\n\n"
        f"{link}\n\nIt works once and expires in {settings.ENROLMENT_LINK_HOURS} hours. "
        "If you were not expecting it, ignore this email.",
    )
    audit_record(
        actor=actor,
        action="invitation.send",
        obj=user,
        detail={"enrolment": invitation.pk},
    )
    return token, invitation


def _email(user: User, subject: str, message: str) -> None:
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[user.email])


@transaction.atomic
def invitation_resend(*, invitation: EnrolmentToken, site: str, actor: User) -> EnrolmentToken:
    """A new link for a pending invitation; the old one stops working."""
    _check(invitation, actor)
    return invitation_issue(user=invitation.user, site=site, actor=actor)


@transaction.atomic
def invitation_revoke(*, invitation: EnrolmentToken, actor: User) -> None:
    _check(invitation, actor)
    if invitation.is_live:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="invitation.revoke",
            obj=invitation.user,
            detail={"enrolment": invitation.pk},
        )


def _check(invitation: EnrolmentToken, actor: User) -> None:
    if (
        invitation.purpose != EnrolmentPurpose.INVITATION
        or invitation.user.is_active
        or not may_manage(actor, invitation.user)
    ):
        raise PermissionDenied("You cannot change this invitation.")


def invitation_find(token: str) -> EnrolmentToken | None:
    """The live invitation with this token, or None: unknown, used, revoked and expired
    all look the same."""
    invitation = (
        EnrolmentToken.objects.select_related("user")
        .filter(token_hash=enrolment_token_hash(token), purpose=EnrolmentPurpose.INVITATION)
        .first()
    )
    if invitation is None or not invitation.is_live or invitation.user.is_active:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: EnrolmentToken, password: str) -> EnrolmentToken | None:
    """Set the invitee's first password and open their account, using the link up.

    The password must pass Django's validators (length, similarity, numeric, and the
    bundled list of 20,000 common and breached passwords). Staff get a second-factor
    set-up link in the same transaction, so they go straight on to their authenticator;
    families return None (they get emailed codes)."""
    invitation = (
        EnrolmentToken.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    )
    user = invitation.user
    if not invitation.is_live or invitation.purpose != EnrolmentPurpose.INVITATION:
        raise ValidationError("This invitation cannot be used.")
    validate_password(password, user)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit_record(
        actor=user, action="invitation.accept", obj=user, detail={"enrolment": invitation.pk}
    )
    if not user.needs_second_factor:
        return None
    _, setup = enrolment_token_create(
        user=user, purpose=EnrolmentPurpose.SECOND_FACTOR, issued_by=invitation.issued_by
    )
    return setup


def invitations_for(actor: User) -> QuerySet[EnrolmentToken]:
    """Pending invitations (never accepted) the actor may resend or revoke, newest first.
    ``may_manage`` is checked again on each change."""
    pending = EnrolmentToken.objects.filter(
        purpose=EnrolmentPurpose.INVITATION,
        used_at__isnull=True,
        user__is_active=False,
        user__last_login__isnull=True,
    ).select_related("user")
    # Only each person's newest invitation: a resent one replaces the old row.
    pending = pending.exclude(
        Exists(
            EnrolmentToken.objects.filter(
                user=OuterRef("user"),
                purpose=EnrolmentPurpose.INVITATION,
                created_at__gt=OuterRef("created_at"),
            )
        )
    )
    if has_role(actor, [Role.SYSTEM_ADMIN]):
        candidates = pending
    else:
        coordinated, _ = places_of(actor, [Role.COORDINATOR])
        if not coordinated:
            return pending.none()
        candidates = pending.filter(
            Q(user__memberships__partnership__in=coordinated)
            | Q(user__memberships__organisation__partnerships__in=coordinated)
        ).distinct()
    # Only those the one rule lets the actor change: the administrator sees no key
    # worker's invitation (the co-ordinator's to manage) with buttons it would refuse.
    return pending.filter(pk__in=[i.pk for i in candidates if may_manage(actor, i.user)])


@transaction.atomic
def first_admin_create(*, email: str, full_name: str, site: str) -> tuple[str, EnrolmentToken]:
    """The first system administrator of a fresh install (``seip createadmin``): an
    inactive account with its invitation, so production needs no shell. Refused once
    an active administrator exists: they invite everyone else."""
    if User.objects.filter(is_active=True, memberships__role=Role.SYSTEM_ADMIN).exists():
        raise ValidationError("There is already a system administrator: ask them to invite you.")
    email = User.objects.normalize_email(email.strip()).lower()
    if not full_name.strip():
        raise ValidationError("Give the administrator's full name with --name.")
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(email=email, full_name=full_name.strip(), password=None, actor=None)
    elif user.last_login is not None:
        raise ValidationError("That email address already has an account that has signed in.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    membership_grant(user=user, role=Role.SYSTEM_ADMIN, actor=None)
    return _invitation_issue(user=user, site=site, actor=None)


def invite_options(actor: User) -> list[tuple[str, str]]:
    """Every (role, place) ``actor`` may give, as form choices ``role:p:id`` or
    ``role:o:id`` with a label; built from :func:`may_invite`, so the form offers exactly
    what the service allows."""
    options: list[tuple[str, str]] = []
    partnerships = list(Partnership.objects.order_by("name"))
    organisations = list(PartnerOrganisation.objects.order_by("name"))
    for role in Role:
        for partnership in partnerships:
            if may_invite(actor, role, partnership=partnership):
                options.append((f"{role.value}:p:{partnership.pk}", f"{role.label}, {partnership}"))
        for organisation in organisations:
            if may_invite(actor, role, organisation=organisation):
                options.append(
                    (f"{role.value}:o:{organisation.pk}", f"{role.label}, {organisation}")
                )
    return options


def invite_option_parse(
    value: str,
) -> tuple[Role, Partnership | None, PartnerOrganisation | None]:
    """The role and place named by one of :func:`invite_options`' values."""
    try:
        role_value, kind, pk = value.split(":")
        role = Role(role_value)
        if kind == "p":
            return role, Partnership.objects.get(pk=int(pk)), None
        if kind == "o":
            return role, None, PartnerOrganisation.objects.get(pk=int(pk))
    except (ValueError, Partnership.DoesNotExist, PartnerOrganisation.DoesNotExist):
        # A forged or stale choice reads like any choice not in the list.
        raise ValidationError({"place": "Choose a role from the list"}) from None
    raise ValidationError({"place": "Choose a role from the list"})


# --- leavers -------------------------------------------------------------------------------


def _end_sessions(user: User) -> None:
    """Every open session of ``user`` is refused on its next request: the session hash
    includes ``session_version`` (``User.get_session_auth_hash``)."""
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])


@transaction.atomic
def membership_end(*, membership: Membership, actor: User) -> None:
    """Take a role away (someone leaves a team). Their open sessions end at once; with no
    role left the account is closed. What they recorded stays: records point to the
    account, which is never deleted, not to the membership."""
    if not may_manage_membership(actor, membership):
        raise PermissionDenied("You cannot remove this role.")
    user = membership.user
    detail = {
        "membership": membership.pk,
        "role": membership.role,
        "partnership": membership.partnership_id,
        "organisation": membership.organisation_id,
    }
    membership.delete()
    forget_memberships(user)
    _end_sessions(user)
    closed = not user.memberships.exists()
    if closed and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action="membership.end", obj=user, detail={**detail, "closed": closed}
    )


@transaction.atomic
def user_deactivate(*, user: User, actor: User) -> None:
    """Close an account: it cannot sign in, and its open sessions end at once. Its
    memberships stay, as history; nothing it recorded is touched. A system
    administrator, or someone who may remove every role the person holds."""
    if actor.pk == user.pk or not (has_role(actor, [Role.SYSTEM_ADMIN]) or may_manage(actor, user)):
        raise PermissionDenied("You cannot close this account.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    EnrolmentToken.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _end_sessions(user)
    audit_record(actor=actor, action="user.deactivate", obj=user)


def memberships_managed_by(actor: User) -> list[Membership]:
    """The roles ``actor`` may remove, for the People page: each checked by the one rule."""
    if has_role(actor, [Role.SYSTEM_ADMIN]):
        candidates = Membership.objects.all()
    else:
        coordinated, _ = places_of(actor, [Role.COORDINATOR])
        if not coordinated:
            return []
        candidates = Membership.objects.filter(
            Q(partnership__in=coordinated) | Q(organisation__partnerships__in=coordinated)
        ).distinct()
    candidates = candidates.filter(user__is_active=True).exclude(user=actor)
    return [
        m
        for m in candidates.select_related("user", "partnership", "organisation").order_by(
            "user__full_name", "role"
        )
        if may_manage_membership(actor, m)
    ]


def accounts_unused(*, days: int, among: QuerySet[User] | None = None) -> QuerySet[User]:
    """Open accounts that have not signed in for ``days`` days (never: since they were
    made), for the daily check of leavers nobody told us about."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    users = User.objects.all() if among is None else among
    return users.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
