"""Concurrent writers neither fork the chain nor lose events (P14)."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from seip.audit.models import AuditEvent
from seip.audit.selectors import verify
from seip.audit.services import audit_record

pytestmark = pytest.mark.promise("P14")


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="checks the SQLite default")
def test_eight_sqlite_writers_make_one_gapless_chain(tmp_path):
    script = Path(__file__).with_name("chain_writers.py")
    env = {**os.environ, "SEIP_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[:4] == ["200", "0", "True", "True"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_eight_postgresql_writers_make_one_gapless_chain():
    errors: list[str] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(25):
                with transaction.atomic():
                    audit_record(actor=None, action="test.write", detail={"n": n, "i": i})
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
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 201))
    assert verify().ok
