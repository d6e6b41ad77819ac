"""Concurrent first use makes exactly one data key (P14)."""

import threading

import pytest
from django.db import connection, transaction

from seip.keys import crypto
from seip.keys.models import DataKey


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_eight_first_writers_share_one_key(unsigned, settings):
    errors: list[str] = []
    blobs: dict[int, bytes] = {}
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                blobs[n] = crypto.encrypt_for(unsigned.pk, b"note %d" % n)
        except Exception as exc:  # report every failure, whatever it is
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    key = DataKey.objects.get(referral=unsigned)
    crypto.cache_clear()
    assert {n: crypto.decrypt_for(unsigned.pk, blob) for n, blob in blobs.items()} == {
        n: b"note %d" % n for n in range(8)
    }
    # The losers' secrets were destroyed; only the winner's is left.
    assert [p.name for p in settings.KEY_STORE_DIR.iterdir()] == [f"{key.store_id}.key"]
