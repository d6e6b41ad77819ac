"""A backup is taken, a student is erased, and the backup is restored into an empty data
folder: the erased student is still unreadable and still absent (P22)."""

import base64
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from seip.backups.archive import read_archive
from seip.keys import crypto
from seip.keys.models import DataKey
from seip.records.models import NoteKind
from seip.records.services import note_add
from seip.retention.models import ErasureGround
from seip.retention.services import student_erase
from seip.retention.tests.conftest import ERASED, KEPT, make_student

CHECK = Path(__file__).with_name("restored_check.py")


@pytest.fixture
def backup_env(monkeypatch, settings):
    monkeypatch.setenv("SEIP_BACKUP_KEY", Fernet.generate_key().decode())
    settings.MASTER_KEYS = [("test-1", os.urandom(32))]
    crypto.cache_clear()


def _restore_env(settings, data_dir: Path) -> dict[str, str]:
    master = ",".join(f"{i}:{base64.b64encode(k).decode()}" for i, k in settings.MASTER_KEYS)
    env = {
        **os.environ,
        "SEIP_DATA_DIR": str(data_dir),
        # The live key store and master keys: never restored, always the running system's.
        "SEIP_KEY_STORE_DIR": str(settings.KEY_STORE_DIR),
        "SEIP_MASTER_KEYS": master,
    }
    env.pop("DATABASE_URL", None)
    if connection.vendor == "postgresql":
        # A fresh, empty database of its own on the same server.
        name = f"seip_restore_{os.getpid()}"
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{url}/{name}"
    return env


def _stores_in(parts: dict[str, bytes], erased_student: int, tmp: Path) -> dict[int, str]:
    """Each referral's key-store name, as the backup has it (and, on SQLite, a check that
    the erased student's note is really in the backup)."""
    snapshot = tmp / "snapshot.sqlite3"
    snapshot.write_bytes(parts["database.sqlite3"])
    with sqlite3.connect(snapshot) as db:
        stores = dict(db.execute("SELECT referral_id, store_id FROM keys_datakey").fetchall())
        notes = db.execute(
            "SELECT count(*) FROM records_casenote WHERE student_id = ?", (erased_student,)
        ).fetchone()[0]
    assert notes == 1
    return stores


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.promise("P22")
@pytest.mark.django_db(transaction=True)
def test_restored_backup_keeps_an_erased_student_absent_and_unreadable(
    county, personas, backup_env, settings, tmp_path
):
    erased = make_student(county, personas, ERASED, 1)
    kept = make_student(county, personas, KEPT, 2)
    for student in (erased, kept):
        note_add(
            student=student,
            kind=NoteKind.CONTACT,
            happened_on=dt.date(2026, 11, 27),
            text=f"Spoke to the family of {student.referral_id}",
            actor=personas["coordinator"],
        )
    erased_ids = (erased.pk, erased.referral_id, erased.upn)

    backup = tmp_path / "seip.backup"
    call_command("backup", "--out", str(backup), stdout=io.StringIO())
    assert b"Spoke to" not in backup.read_bytes()
    manifest, parts = read_archive(backup)
    assert manifest["engine"] == ("postgresql" if connection.vendor == "postgresql" else "sqlite")
    assert not any("keys" in name.split("/") for name in parts)  # no key store inside

    live_stores = dict(DataKey.objects.values_list("referral_id", "store_id"))
    student_erase(student_or_referral=erased, ground=ErasureGround.UNLAWFUL, actor=personas["dpo"])
    crypto.cache_clear()

    # The erased student's note is in the backup, but its key's secret is gone for good.
    stores = (
        _stores_in(parts, erased.pk, tmp_path) if connection.vendor == "sqlite" else live_stores
    )
    assert crypto.store_read(stores[erased.referral_id]) is None
    assert crypto.store_read(stores[kept.referral_id]) is not None

    target = tmp_path / "restored"
    env = _restore_env(settings, target)
    restore = _run([sys.executable, "-m", "seip.manage", "restore", str(backup)], env)
    assert restore.returncode == 0, restore.stderr
    assert f"referral {erased.referral_id}" in restore.stdout
    assert f"referral {kept.referral_id}" not in restore.stdout

    check = _run([sys.executable, str(CHECK), *map(str, erased_ids), str(kept.pk)], env)
    assert check.returncode == 0, check.stderr
    facts = json.loads(check.stdout)
    assert facts == {
        "erased_rows": 0,
        "kept_note": f"Spoke to the family of {kept.referral_id}",
        "kept_form": facts["kept_form"],
        "audit_ok": True,
    }
    assert facts["kept_form"] > 0
    verify = _run([sys.executable, "-m", "seip.manage", "audit", "verify"], env)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # A second restore into the now-populated folder is refused.
    again = _run([sys.executable, "-m", "seip.manage", "restore", str(backup)], env)
    assert again.returncode != 0
    assert "not empty" in again.stderr
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{env["DATABASE_URL"].rsplit("/", 1)[1]}"')


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(backup_env, tmp_path):
    backup = tmp_path / "seip.backup"
    call_command("backup", "--out", str(backup), stdout=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused(backup_env, tmp_path):
    backup = tmp_path / "seip.backup"
    call_command("backup", "--out", str(backup), stdout=io.StringIO())
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 1
    backup.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("restore", str(backup), stdout=io.StringIO())
