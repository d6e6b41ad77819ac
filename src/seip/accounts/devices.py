"""Second-factor devices whose secrets a copy of the database does not give away (P14).

django-otp's own TOTP device keeps its key in plain hex and its static device keeps backup
codes in plain text, so anyone with a database copy and a password could pass the second
factor. These devices keep the same django-otp contract (``verify_token``, throttling,
``match_token``, the session's persistent id) but store:

- the TOTP key sealed with the service Fernet key (``SEIP_DATA_KEY``), which is not in the
  database, and decrypted only in :attr:`AuthenticatorDevice.bin_key`;
- backup and emailed codes only as HMAC-SHA256 digests keyed from that same service key.
  An eight-digit code has too few possibilities for a plain or even slow hash to hold
  against an offline search; a keyed digest cannot be searched without the key.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from seip.core import crypto


def code_digest(code: str) -> str:
    """The keyed digest a one-time code is stored as: HMAC-SHA256 under a key derived
    from the service data key, so the database alone does not let anyone test guesses."""
    key = hmac.new(settings.DATA_KEY.encode(), b"seip second-factor codes", hashlib.sha256)
    return hmac.new(key.digest(), code.encode(), hashlib.sha256).hexdigest()


def seal_key(raw: bytes) -> str:
    return crypto.encrypt(raw).decode()


def new_sealed_key() -> str:
    return seal_key(bytes.fromhex(random_hex(20)))


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """A TOTP authenticator app whose key is sealed at rest.

    The verification, drift and replay logic is django-otp's own TOTP code, borrowed
    unchanged; only where the key lives differs.
    """

    sealed_key = models.TextField(default=new_sealed_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = "authenticator app"

    @property
    def bin_key(self) -> bytes:
        return crypto.decrypt(self.sealed_key.encode())

    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """One-time backup codes, stored as keyed digests. A used code is kept, marked used,
    so that the sign-in page can say so instead of calling it wrong."""

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = "backup code list"
        verbose_name_plural = "backup code lists"

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        # An update that only succeeds while the code is unused, so two requests racing
        # with the same code cannot both pass.
        used = BackupCode.objects.filter(
            device=self, digest=code_digest(str(token)), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Backup code {self.pk}"


EMAIL_CODE_VALIDITY = dt.timedelta(minutes=10)


class EmailCodeDevice(ThrottlingMixin, Device):  # type: ignore[misc]
    """A one-time code sent to the account's email address: the families' second factor.

    Only the digest of the newest code and its expiry are kept; a used code is cleared.
    """

    digest = models.CharField(max_length=64, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = "email code"

    def generate_code(self) -> str:
        code = f"{secrets.randbelow(10**6):06d}"
        self.digest = code_digest(code)
        self.valid_until = timezone.now() + EMAIL_CODE_VALIDITY
        self.save(update_fields=["digest", "valid_until"])
        return code

    @property
    def has_live_code(self) -> bool:
        return (
            bool(self.digest)
            and self.valid_until is not None
            and self.valid_until > (timezone.now())
        )

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        if self.has_live_code and hmac.compare_digest(self.digest, code_digest(str(token))):
            self.digest = ""
            self.valid_until = None
            self.throttle_reset(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False

    def get_throttle_factor(self) -> int:
        return 1


#: The only devices that can pass anyone. django-otp's own TOTP and static plugins stay
#: installed for the history of their tables (migration 0003 empties them), but a row
#: that appeared there would hold a plain secret, so it is never consulted.
SEIP_DEVICES: tuple[type[Device], ...] = (AuthenticatorDevice, BackupCodeDevice, EmailCodeDevice)


def match_token(user: Any, token: str) -> Device | None:
    """``django_otp.match_token`` over SEIP's own devices: the first confirmed device of
    ``user`` that accepts ``token``, each locked while it checks, so a one-time code
    cannot pass two requests at once."""
    with transaction.atomic():
        for model in SEIP_DEVICES:
            devices = model.objects.filter(user=user, confirmed=True).select_for_update()
            for device in devices:
                if device.verify_token(token):
                    return device
    return None


class ProviderMFADevice(Device):  # type: ignore[misc]
    """Stands for "the organisation's sign-in provider checked a second factor" (ADR 0033).

    It holds no secret and accepts no code: ``verify_token`` is always False, and it is not
    in :data:`SEIP_DEVICES`, so nothing typed can pass it. Only the single sign-on callback
    marks a session verified with it, after the provider's ID token said MFA was used and
    the organisation trusts its provider's MFA. django-otp's middleware then treats the
    session as verified for this user alone."""

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = "organisation sign-in with MFA"

    def verify_token(self, token: Any) -> bool:
        return False
