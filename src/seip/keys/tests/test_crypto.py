"""Per-subject AES-256-GCM: round trips, binding to the subject and field, tampering (P14)."""

import os

import pytest
from django.core.files.storage import default_storage

from seip.keys import crypto
from seip.keys.models import DataKey

pytestmark = pytest.mark.django_db


def test_round_trip_under_a_key_made_on_first_use(unsigned):
    assert not DataKey.objects.exists()
    blob = crypto.encrypt_for(unsigned, b"Met with the student.", aad=b"note")
    assert blob.startswith(b"v1")
    assert b"Met with" not in blob
    assert crypto.decrypt_for(unsigned.pk, blob, aad=b"note") == b"Met with the student."
    key = DataKey.objects.get()
    assert key.referral_id == unsigned.pk
    assert key.master_key_id == "test-1"
    # Only wrapped: 2 bytes of version, 12 of nonce, 32 of key and 16 of tag.
    assert len(bytes(key.wrapped)) == 2 + 12 + 32 + 16


def test_one_key_per_subject_and_a_fresh_nonce_each_time(unsigned):
    first = crypto.encrypt_for(unsigned, b"same")
    second = crypto.encrypt_for(unsigned, b"same")
    assert first != second
    assert DataKey.objects.count() == 1


def test_another_subjects_ciphertext_is_refused(signed, other_student):
    blob = crypto.encrypt_for(signed, b"private", aad=b"note")
    crypto.encrypt_for(other_student.referral, b"theirs", aad=b"note")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_for(other_student.referral, blob, aad=b"note")


def test_a_blob_moved_to_another_field_is_refused(signed):
    blob = crypto.encrypt_for(signed, b"details", aad=b"concern.details")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_for(signed, blob, aad=b"concern.actions")


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_any_changed_byte_is_refused(signed, position):
    blob = bytearray(crypto.encrypt_for(signed, b"a case note of some length"))
    blob[position] ^= 0x01
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_for(signed, bytes(blob))


def test_a_truncated_blob_is_refused(signed):
    blob = crypto.encrypt_for(signed, b"a case note")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_for(signed, blob[:-1])


def test_a_subject_without_a_key_has_nothing_to_read(unsigned):
    with pytest.raises(crypto.KeyMissing):
        crypto.decrypt_for(unsigned, b"v1" + bytes(40))
    assert not DataKey.objects.exists()


def test_files_round_trip_and_are_bound_to_their_subject(signed, other_student):
    name = crypto.store_encrypted_for(signed, "case-notes", b"%PDF scan")
    with default_storage.open(name, "rb") as handle:
        assert b"%PDF" not in handle.read()
    assert crypto.read_encrypted_for(signed, name) == b"%PDF scan"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.read_encrypted_for(other_student.referral, name)


def test_losing_the_race_to_make_a_key_uses_the_winners(signed, settings):
    winner = crypto.encrypt_for(signed, b"first")
    crypto.cache_clear()
    # As if another process inserted its key between our lookup and our insert.
    loser = crypto._create(signed.pk)
    assert loser.decrypt(winner) == b"first"
    assert DataKey.objects.count() == 1
    # The loser's key-store secret is not left behind.
    assert os.listdir(settings.KEY_STORE_DIR) == [f"{DataKey.objects.get().store_id}.key"]


def test_keys_are_cached_only_after_commit(signed, django_capture_on_commit_callbacks):
    crypto.cache_clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        crypto.encrypt_for(signed, b"x")
    assert crypto._cached(signed.pk) is None  # the transaction might still roll back
    for callback in callbacks:
        callback()
    assert crypto._cached(signed.pk) is not None


def test_a_cached_key_is_dropped_when_its_secret_is_gone(
    signed, django_capture_on_commit_callbacks
):
    crypto.cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        crypto.encrypt_for(signed, b"x")
    assert crypto._cached(signed.pk) is not None
    # Another process shredded it: its secret has left the shared key store.
    crypto.store_destroy(DataKey.objects.get().store_id)
    assert crypto._cached(signed.pk) is None


def test_the_key_store_secret_is_private(unsigned, settings):
    crypto.encrypt_for(unsigned, b"x")
    (path,) = settings.KEY_STORE_DIR.iterdir()
    assert path.stat().st_mode & 0o777 == 0o600
    assert settings.KEY_STORE_DIR.stat().st_mode & 0o777 == 0o700


def test_bulk_sealers_make_missing_keys_once(signed, unsigned):
    existing = crypto.encrypt_for(signed, b"before")
    assert DataKey.objects.count() == 1
    sealers = crypto.sealers_for([signed.pk, unsigned.pk])
    assert DataKey.objects.count() == 2
    assert sealers[signed.pk].decrypt(existing) == b"before"
    blob = sealers[unsigned.pk].encrypt(b"bulk")
    assert crypto.decrypt_for(unsigned, blob) == b"bulk"
    assert crypto.sealers_for([unsigned.pk])[unsigned.pk]
    assert DataKey.objects.count() == 2
