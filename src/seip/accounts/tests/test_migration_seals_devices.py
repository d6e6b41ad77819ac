"""The data migration seals every existing TOTP key and backup code (P14), on SQLite and
PostgreSQL alike, and leaves no plain secret behind."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_otp.oath import totp

from seip.accounts.devices import code_digest

BEFORE = [("accounts", "0002_second_factor_devices_and_enrolment")]
AFTER = [("accounts", "0003_seal_existing_second_factors")]
OTP = [("otp_totp", "0003_add_timestamps"), ("otp_static", "0003_add_timestamps")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets + OTP).apps


@pytest.mark.promise("P14")
@pytest.mark.django_db(transaction=True)
def test_existing_devices_are_sealed_and_still_work():
    apps = migrate(BEFORE)
    try:
        user = apps.get_model("accounts", "User").objects.create(
            email="old@seip.test", full_name="Old Device", password="!"
        )
        key = "3132333435363738393031323334353637383930"
        apps.get_model("otp_totp", "TOTPDevice").objects.create(
            user_id=user.pk, name="phone", confirmed=True, key=key
        )
        static = apps.get_model("otp_static", "StaticDevice").objects.create(
            user_id=user.pk, name="Backup codes", confirmed=True
        )
        apps.get_model("otp_static", "StaticToken").objects.create(device=static, token="12345678")

        apps = migrate(AFTER)

        assert not apps.get_model("otp_totp", "TOTPDevice").objects.exists()
        assert not apps.get_model("otp_static", "StaticToken").objects.exists()
        from seip.accounts.models import AuthenticatorDevice, BackupCode

        device = AuthenticatorDevice.objects.get(user_id=user.pk)
        assert key not in device.sealed_key
        assert device.bin_key == bytes.fromhex(key)
        assert device.confirmed
        assert totp(device.bin_key) == totp(bytes.fromhex(key))
        code = BackupCode.objects.get(device__user_id=user.pk)
        assert code.digest == code_digest("12345678")
        assert code.device.verify_token("12345678")
        assert not code.device.verify_token("12345678")
    finally:
        # Back to the newest schema, not to AFTER: later migrations (0004 onwards) must be
        # there again for the tests that run after this one.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
