"""A copy of the database and a password do not pass the second factor (P14, security
review finding 10): TOTP keys are sealed with the service key, backup and emailed codes
are kept only as keyed digests."""

import base64
import contextlib

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django_otp.oath import totp

from seip.accounts.devices import code_digest
from seip.accounts.models import AuthenticatorDevice, BackupCode
from seip.accounts.services import authenticator_start, backup_codes_issue
from seip.accounts.tests.test_sign_in import current_code, password_step

VERIFY = reverse("accounts:verify")


def database_dump() -> str:
    """Every row of every table, as an attacker with a database copy would read it."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(cursor.fetchall())
    return repr(rows).lower()


@pytest.mark.promise("P14")
def test_a_database_copy_holds_no_usable_totp_key(personas):
    device = authenticator_start(user=personas["coordinator"])
    key = device.bin_key
    dump = database_dump()
    assert key.hex() not in dump
    assert base64.b32encode(key).decode().lower() not in dump
    # Every value stored for the device, tried as a TOTP key, gives a different code.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_authenticatordevice")
        [row] = cursor.fetchall()
    real = totp(key)
    for value in row:
        guesses = [str(value).encode()]
        with contextlib.suppress(ValueError):
            guesses.append(bytes.fromhex(str(value)))
        assert all(totp(guess) != real for guess in guesses)


@pytest.mark.promise("P14")
def test_a_database_copy_holds_no_usable_backup_code(client, personas):
    user = personas["dpo"]
    codes = backup_codes_issue(user=user, count=5, actor=None)
    dump = database_dump()
    for code in codes:
        assert code not in dump
    # What is stored is no good as a code either.
    stored = list(BackupCode.objects.values_list("digest", flat=True))
    password_step(client, user)
    for digest in stored:
        assert client.post(VERIFY, {"token": digest[:16]}).status_code == 200
    assert "_otp_device_id" not in client.session


@pytest.mark.promise("P14")
def test_the_digest_depends_on_the_service_key(settings):
    before = code_digest("12345678")
    settings.DATA_KEY = "OLQkxjtQmXPThZnHvRIj0W1n9cOMUCWhUAr7flgDeM0="
    assert code_digest("12345678") != before


@pytest.mark.promise("P14")
def test_the_sealed_key_still_signs_in(client, personas):
    user = personas["coordinator"]
    device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(client, user)
    assert client.post(VERIFY, {"token": current_code(device)}).url == reverse("core:home")


@pytest.mark.promise("P14")
def test_an_emailed_code_is_not_in_the_database(client, personas):
    password_step(client, personas["parent"])
    client.get(VERIFY)
    [email] = mail.outbox
    code = next(word.rstrip(".") for word in email.body.split() if word.rstrip(".").isdigit())
    assert code not in database_dump()


@pytest.mark.promise("P14")
def test_a_plain_django_otp_row_passes_nobody(client, personas):
    """django-otp's own tables stay installed; a plain token planted there is ignored."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    user = personas["coordinator"]
    backup_codes_issue(user=user, count=1, actor=None)
    device = StaticDevice.objects.create(user=user, name="planted", confirmed=True)
    StaticToken.objects.create(device=device, token="11112222")
    password_step(client, user)
    assert client.post(VERIFY, {"token": "11112222"}).status_code == 200
