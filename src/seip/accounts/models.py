"""People and the roles they hold.

A user is a person who signs in. What they may do comes only from their memberships:
each membership gives one role in one partnership or one partner organisation. A user
with no membership sees nothing (default deny).
"""

from collections.abc import Iterator
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from seip.organisations.models import OrganisationType, PartnerOrganisation, Partnership


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Co-ordinator"
    KEY_WORKER = "key_worker", "Key worker"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    DPO = "dpo", "Data protection officer"
    SCHOOL_CONTACT = "school_contact", "School contact"
    PROVIDER_CONTACT = "provider_contact", "Provider contact"
    AGENCY_CONTACT = "agency_contact", "Agency contact"
    LA_OFFICER = "la_officer", "LA officer"
    PARENT_CARER = "parent_carer", "Parent or carer"
    STUDENT = "student", "Student"
    SYSTEM_ADMIN = "system_admin", "System administrator"


#: Roles held inside a partnership's own team.
PARTNERSHIP_ROLES = frozenset({Role.COORDINATOR, Role.KEY_WORKER, Role.SAFEGUARDING_LEAD, Role.DPO})
#: Roles held on behalf of a partner organisation, and the organisation types they fit.
ORGANISATION_ROLES: dict[str, frozenset[str]] = {
    Role.SCHOOL_CONTACT: frozenset({OrganisationType.SCHOOL}),
    Role.PROVIDER_CONTACT: frozenset(
        {OrganisationType.ALTERNATIVE_PROVIDER, OrganisationType.VOLUNTARY}
    ),
    Role.AGENCY_CONTACT: frozenset(
        {OrganisationType.HEALTH, OrganisationType.VOLUNTARY, OrganisationType.LOCAL_AUTHORITY}
    ),
    Role.LA_OFFICER: frozenset({OrganisationType.LOCAL_AUTHORITY}),
}
#: Families: a parent or student belongs to the partnership that supports the child.
FAMILY_ROLES = frozenset({Role.PARENT_CARER, Role.STUDENT})
#: Roles that reach individual students through their organisation's involvements.
EXTERNAL_ROLES = (
    Role.SCHOOL_CONTACT,
    Role.PROVIDER_CONTACT,
    Role.AGENCY_CONTACT,
    Role.LA_OFFICER,
)
#: Every staff and partner role must pass an app-based second factor (P14); families get
#: an emailed code instead.
SECOND_FACTOR_ROLES = frozenset(set(Role) - FAMILY_ROLES)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


def _with_version(session_hash: str, version: int) -> str:
    # Version 0 keeps Django's own hash, so sessions opened before this field survive.
    return session_hash if version == 0 else f"{session_hash}:{version}"


# django-otp's Device gives its user foreign key no related name.
class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    #: Part of the session hash (ADR 0031): raising it ends every open session of the
    #: account on its next request, as a password change does.
    session_version = models.PositiveIntegerField(default=0)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_session_auth_hash(self) -> str:
        return _with_version(super().get_session_auth_hash(), self.session_version)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback in super().get_session_auth_fallback_hash():
            yield _with_version(fallback, self.session_version)

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def roles(self) -> frozenset[str]:
        """The roles of this user's memberships, cached on the instance for one request."""
        cached: frozenset[str] | None = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = frozenset(self.memberships.values_list("role", flat=True))
            self._roles_cache = cached
        return cached

    @property
    def needs_second_factor(self) -> bool:
        """Staff and partner roles must use an authenticator app or a backup code (P14); a
        user with no role is treated as staff too, so that a half-set-up account can never
        skip the second factor."""
        return not self.roles or bool(self.roles & SECOND_FACTOR_ROLES)

    @property
    def signs_in_with_email_code(self) -> bool:
        """Families pass their second factor with a code emailed at sign-in (ADR 0024):
        they can download a child's whole record, so a password alone is not enough."""
        return not self.needs_second_factor


class Membership(models.Model):
    """One role for one user, in one partnership or one partner organisation.

    Partnership team roles and families name a partnership; partner roles name an
    organisation; a system administrator names neither.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "partnership", "organisation"],
                name="unique_membership",
            ),
            # Exactly one scope, except system administrators who have none.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role="system_admin", partnership__isnull=True, organisation__isnull=True
                    )
                    | (
                        ~models.Q(role="system_admin")
                        & (
                            models.Q(partnership__isnull=False, organisation__isnull=True)
                            | models.Q(partnership__isnull=True, organisation__isnull=False)
                        )
                    )
                ),
                name="membership_has_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.partnership or self.organisation or 'SEIP'}"


class EnrolmentPurpose(models.TextChoices):
    SECOND_FACTOR = "second_factor", "Set up a second factor"
    #: An invitation (ADR 0031): the link sets the first password, then leads on to
    #: setting up the second factor. The invitee's account and memberships exist already,
    #: inactive until the invitation is accepted.
    INVITATION = "invitation", "Invitation"


class EnrolmentToken(models.Model):
    """A one-time link that lets one person set up a second factor (P14).

    Only a SHA-256 hash of the token is kept (the token itself is 256 random bits, so a
    fast hash is enough); the link is shown once to whoever issued it. ``purpose`` lets a
    later kind of link (an invitation) reuse the same issue, redeem and audit path.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_tokens")
    purpose = models.CharField(
        max_length=30, choices=EnrolmentPurpose.choices, default=EnrolmentPurpose.SECOND_FACTOR
    )
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Enrolment link {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class SignInThrottle(models.Model):
    """Failed passwords counted per account and per client address, to slow guessing.

    ``key`` is ``account:`` plus a keyed digest of the email address typed (so no address
    is stored, and an unknown address is slowed exactly like a real one), or ``address:``
    plus the client address.
    """

    key = models.CharField(max_length=100, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Sign-in throttle {self.pk}"


class MfaClaim(models.TextChoices):
    AMR = "amr", "amr contains mfa"
    ACR = "acr", "acr is one of the configured values"


class SingleSignOn(models.Model):
    """An organisation's OpenID Connect provider (Microsoft Entra ID, Google Workspace),
    through which its staff may sign in to the accounts they were invited to (ADR 0033).

    It never creates an account or a role. The client secret is sealed with the service
    data key (``SEIP_DATA_KEY``), so a copy of the database does not give it away."""

    organisation = models.OneToOneField(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    issuer = models.URLField("issuer URL", max_length=300)
    client_id = models.CharField("client id", max_length=300)
    sealed_client_secret = models.TextField()
    #: Lower-case email domains, comma-separated, whose addresses this provider vouches for.
    domains = models.TextField("allowed email domains")
    trust_provider_mfa = models.BooleanField(
        "the provider's MFA counts as SEIP's second factor", default=False
    )
    mfa_claim = models.CharField(max_length=3, choices=MfaClaim.choices, default=MfaClaim.AMR)
    #: With ``mfa_claim = acr``: the acr values that mean MFA, comma-separated.
    acr_values = models.CharField(max_length=300, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "single sign-on provider"

    def __str__(self) -> str:
        return f"Single sign-on for organisation {self.organisation_id}"

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.domains.split(",") if d.strip()]

    @property
    def acr_list(self) -> list[str]:
        return [v.strip() for v in self.acr_values.split(",") if v.strip()]


# The second-factor devices live in their own module; importing them here registers them
# as this app's models.
from seip.accounts.devices import AuthenticatorDevice as AuthenticatorDevice  # noqa: E402
from seip.accounts.devices import BackupCode as BackupCode  # noqa: E402
from seip.accounts.devices import BackupCodeDevice as BackupCodeDevice  # noqa: E402
from seip.accounts.devices import EmailCodeDevice as EmailCodeDevice  # noqa: E402
from seip.accounts.devices import ProviderMFADevice as ProviderMFADevice  # noqa: E402
