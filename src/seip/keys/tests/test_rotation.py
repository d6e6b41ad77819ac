"""Master keys: parsing, rotation, and ``seip keys`` (P14)."""

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from seip.audit.models import AuditEvent
from seip.keys import crypto
from seip.keys.master import parse_master_keys
from seip.keys.models import DataKey
from seip.keys.services import master_key_rotate
from seip.keys.tests.conftest import b64, new_master_key


def test_master_keys_parse_in_order_the_first_current():
    one, two = new_master_key(), new_master_key()
    assert parse_master_keys(f"new:{b64(two)},\nold:{b64(one)}\n") == [("new", two), ("old", one)]


def test_url_safe_base64_is_accepted_as_the_demo_writes_it():
    key = bytes(range(251, 256)) * 6 + b"\xfb\xff"
    encoded = b64(key).replace("+", "-").replace("/", "_")
    assert parse_master_keys(f"local:{encoded}") == [("local", key)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no-colon",
        f"a:{b64(bytes(16))}",
        "a:not*base64",
        f"a:{b64(bytes(32))},a:{b64(bytes(32))}",
    ],
)
def test_bad_master_keys_stop_the_service_at_start_up(text):
    with pytest.raises(ImproperlyConfigured, match="SEIP_MASTER_KEYS"):
        parse_master_keys(text)


@pytest.mark.django_db
def test_rotation_keeps_data_readable_and_frees_the_old_master_key(signed, unsigned, settings):
    old, new = settings.MASTER_KEYS[0], ("test-2", new_master_key())
    note = crypto.encrypt_for(signed, b"before rotation", aad=b"note")
    crypto.encrypt_for(unsigned, b"another subject")
    settings.MASTER_KEYS = [new, old]
    # New keys are wrapped by the current master key straight away.
    assert master_key_rotate() == 2
    assert set(DataKey.objects.values_list("master_key_id", flat=True)) == {"test-2"}
    event = AuditEvent.objects.get(action="keys.rotate")
    assert event.detail == {"master_key_id": "test-2", "rewrapped": 2, "unreadable": 0}
    assert master_key_rotate() == 0
    settings.MASTER_KEYS = [new]
    crypto.cache_clear()
    assert crypto.decrypt_for(signed, note, aad=b"note") == b"before rotation"


@pytest.mark.django_db
def test_without_rotation_removing_the_old_master_key_loses_access(signed, settings):
    note = crypto.encrypt_for(signed, b"before rotation")
    settings.MASTER_KEYS = [("test-2", new_master_key())]
    crypto.cache_clear()
    with pytest.raises(crypto.KeyMissing):
        crypto.decrypt_for(signed, note)


@pytest.mark.django_db
def test_a_wrong_master_key_under_the_same_id_cannot_unwrap(signed, settings):
    note = crypto.encrypt_for(signed, b"secret")
    settings.MASTER_KEYS = [("test-1", new_master_key())]
    crypto.cache_clear()
    with pytest.raises(crypto.KeyMissing):
        crypto.decrypt_for(signed, note)


@pytest.mark.django_db
def test_keys_command_rotates_and_reports_counts_only(signed, unsigned, settings):
    crypto.encrypt_for(unsigned, b"x")
    settings.MASTER_KEYS = [("test-2", new_master_key()), *settings.MASTER_KEYS]
    out = StringIO()
    call_command("keys", "status", stdout=out)
    assert "test-1: 2 live data keys" in out.getvalue()
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    text = out.getvalue()
    assert "Re-wrapped 2 data keys" in text
    assert "test-2: 2 live data keys" in text
    assert "Shredded: 0" in text
    assert "Jordan" not in text
    assert "Example" not in text


@pytest.mark.django_db
def test_rotation_counts_keys_it_cannot_unwrap_and_moves_the_rest(signed, unsigned, settings):
    crypto.encrypt_for(unsigned, b"x")
    lost = DataKey.objects.get(referral=signed)
    crypto.store_destroy(lost.store_id)
    settings.MASTER_KEYS = [("test-2", new_master_key()), *settings.MASTER_KEYS]
    assert master_key_rotate() == 1
    assert AuditEvent.objects.get(action="keys.rotate").detail["unreadable"] == 1
    assert DataKey.objects.get(referral=unsigned).master_key_id == "test-2"
    out = StringIO()
    err = StringIO()
    call_command("keys", "status", stdout=out, stderr=err)
    assert "1 live data keys have lost their key-store secret" in err.getvalue()
