"""Move every django-otp TOTP device and static backup code into the sealed devices (P14).

TOTP keys are encrypted with the service data key; backup codes are replaced by their
keyed digests. The plain rows are then deleted, so no secret is left in the database in
plain text. Reversing decrypts the keys back into django-otp's TOTP devices; the backup
codes cannot come back (only digests are kept), so their owners need new ones.
"""

from typing import Any

from django.db import migrations

from seip.accounts.devices import code_digest, seal_key
from seip.core import crypto


def seal(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    AuthenticatorDevice = apps.get_model("accounts", "AuthenticatorDevice")
    BackupCodeDevice = apps.get_model("accounts", "BackupCodeDevice")
    BackupCode = apps.get_model("accounts", "BackupCode")
    for old in TOTPDevice.objects.using(alias).iterator():
        AuthenticatorDevice.objects.using(alias).create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            sealed_key=seal_key(bytes.fromhex(old.key)),
            step=old.step,
            t0=old.t0,
            digits=old.digits,
            tolerance=old.tolerance,
            drift=old.drift,
            last_t=old.last_t,
            created_at=old.created_at,
            last_used_at=old.last_used_at,
        )
    TOTPDevice.objects.using(alias).all().delete()
    for old in StaticDevice.objects.using(alias).iterator():
        device = BackupCodeDevice.objects.using(alias).create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            created_at=old.created_at,
            last_used_at=old.last_used_at,
        )
        BackupCode.objects.using(alias).bulk_create(
            BackupCode(device=device, digest=code_digest(token.token))
            for token in StaticToken.objects.using(alias).filter(device_id=old.pk)
        )
    StaticToken.objects.using(alias).all().delete()
    StaticDevice.objects.using(alias).all().delete()


def unseal(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    AuthenticatorDevice = apps.get_model("accounts", "AuthenticatorDevice")
    for device in AuthenticatorDevice.objects.using(alias).iterator():
        TOTPDevice.objects.using(alias).create(
            user_id=device.user_id,
            name=device.name,
            confirmed=device.confirmed,
            key=crypto.decrypt(device.sealed_key.encode()).hex(),
            step=device.step,
            t0=device.t0,
            digits=device.digits,
            tolerance=device.tolerance,
            drift=device.drift,
            last_t=device.last_t,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_second_factor_devices_and_enrolment"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
