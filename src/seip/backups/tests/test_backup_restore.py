"""A backup is taken, a student is erased, and the backup is restored into an empty data
folder: the erased student is still unreadable and still absent (P22).

The round trip runs ``seip restore`` and the checks in subprocesses against a database of
their own, so it needs rows that are committed (``transaction=True``) and ids it does not
assume: on PostgreSQL, sequences run on across tests, so a referral's id and its student's
id differ in a full run. The test makes them differ in every run, on both databases.
"""

import base64
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from seip.backups.archive import BackupError, read_archive
from seip.backups.services import _run as run_tool
from seip.keys import crypto
from seip.keys.models import DataKey
from seip.records.models import NoteKind
from seip.records.services import note_add
from seip.retention.models import ErasureGround
from seip.retention.services import student_erase
from seip.retention.tests.conftest import ERASED, KEPT, Person, make_referral, make_student

CHECK = Path(__file__).with_name("restored_check.py")
# A signed referral with no student: it keeps referral ids ahead of student ids.
NO_CASE = Person("Tamsin", "Loveday", "", dt.date(2013, 4, 8), "Jory Loveday")


@pytest.fixture
def backup_env(monkeypatch, settings):
    monkeypatch.setenv("SEIP_BACKUP_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("SEIP_BACKUP_KEY_FILE", raising=False)
    settings.MASTER_KEYS = [("test-1", os.urandom(32))]
    crypto.cache_clear()


@pytest.fixture
def restore_env(settings, tmp_path) -> Iterator[dict[str, str]]:
    """The environment of a second SEIP installation restoring into an empty data folder,
    or on PostgreSQL an empty database of its own, dropped afterwards whatever happens."""
    master = ",".join(f"{i}:{base64.b64encode(k).decode()}" for i, k in settings.MASTER_KEYS)
    env = {
        **os.environ,
        "SEIP_DATA_DIR": str(tmp_path / "restored"),
        # The live key store and master keys: never restored, always the running system's.
        "SEIP_KEY_STORE_DIR": str(settings.KEY_STORE_DIR),
        "SEIP_MASTER_KEYS": master,
    }
    env.pop("DATABASE_URL", None)
    name = ""
    if connection.vendor == "postgresql":
        name = f"seip_restore_{os.getpid()}"
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{url}/{name}"
    yield env
    if name:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, check=False)


def _replayed(stdout: str) -> set[int]:
    """The referral ids ``seip restore`` says it erased again, one ``  referral N`` line each."""
    return {int(line.split()[1]) for line in stdout.splitlines() if line.startswith("  referral ")}


def _backup(path: Path) -> Path:
    call_command("backup", "--out", str(path), stdout=io.StringIO())
    return path


@pytest.mark.promise("P22")
@pytest.mark.django_db(transaction=True)
def test_restored_backup_keeps_an_erased_student_absent_and_unreadable(
    county, personas, backup_env, restore_env, settings, tmp_path
):
    no_case = make_referral(county, personas, NO_CASE, 3)
    erased = make_student(county, personas, ERASED, 1)
    kept = make_student(county, personas, KEPT, 2)
    # Whoever reads a key by student id instead of referral id fails here, every run.
    assert kept.pk != kept.referral_id
    for student in (erased, kept):
        note_add(
            student=student,
            kind=NoteKind.CONTACT,
            happened_on=dt.date(2026, 11, 27),
            text=f"Spoke to the family of {student.referral_id}",
            actor=personas["coordinator"],
        )
    erased_ids = (erased.pk, erased.referral_id, erased.upn)

    backup = _backup(tmp_path / "seip.backup")
    assert b"Spoke to" not in backup.read_bytes()
    manifest, parts = read_archive(backup)
    assert manifest["engine"] == ("postgresql" if connection.vendor == "postgresql" else "sqlite")
    assert not any("keys" in name.split("/") for name in parts)  # no key store inside

    live_stores = dict(DataKey.objects.values_list("referral_id", "store_id"))
    assert set(live_stores) == {no_case.pk, erased.referral_id, kept.referral_id}
    student_erase(student_or_referral=erased, ground=ErasureGround.UNLAWFUL, actor=personas["dpo"])
    crypto.cache_clear()

    # The erased student's note is in the backup, but its key's secret is gone for good.
    stores = (
        _stores_in(parts, erased.pk, tmp_path) if connection.vendor == "sqlite" else live_stores
    )
    assert stores == live_stores
    assert crypto.store_read(stores[erased.referral_id]) is None
    assert crypto.store_read(stores[kept.referral_id]) is not None

    restore = _run([sys.executable, "-m", "seip.manage", "restore", str(backup)], restore_env)
    assert restore.returncode == 0, restore.stderr
    assert _replayed(restore.stdout) == {erased.referral_id}

    check = _run([sys.executable, str(CHECK), *map(str, erased_ids), str(kept.pk)], restore_env)
    assert check.returncode == 0, check.stderr
    facts = json.loads(check.stdout)
    assert facts == {
        "erased_rows": 0,
        "kept_note": f"Spoke to the family of {kept.referral_id}",
        "kept_form": facts["kept_form"],
        "audit_ok": True,
    }
    assert facts["kept_form"] > 0
    verify = _run([sys.executable, "-m", "seip.manage", "audit", "verify"], restore_env)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # A second restore into the now-populated folder is refused.
    again = _run([sys.executable, "-m", "seip.manage", "restore", str(backup)], restore_env)
    assert again.returncode != 0
    assert "not empty" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.django_db
def test_a_backup_inside_a_transaction_is_refused(backup_env, tmp_path):
    # pg_dump could not see this transaction's rows; SQLite's backup would wait for ever.
    with pytest.raises(CommandError, match="outside any transaction"):
        _backup(tmp_path / "seip.backup")
    assert not (tmp_path / "seip.backup").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(backup_env, tmp_path):
    backup = _backup(tmp_path / "seip.backup")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused(backup_env, tmp_path):
    backup = _backup(tmp_path / "seip.backup")
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 1
    backup.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("restore", str(backup), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_part_that_does_not_match_its_checksum_is_named(backup_env, tmp_path):
    backup = _backup(tmp_path / "seip.backup")
    fernet = Fernet(os.environ["SEIP_BACKUP_KEY"].encode())
    # Re-sealed under the right key, so only the manifest's SHA-256 can catch the change.
    rebuilt = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(fernet.decrypt(backup.read_bytes()))) as old,
        tarfile.open(fileobj=rebuilt, mode="w") as new,
    ):
        for member in old.getmembers():
            handle = old.extractfile(member)
            assert handle is not None
            data = handle.read()
            if member.name.startswith("database."):
                data = data[:-1] + bytes([data[-1] ^ 1])
            new.addfile(member, io.BytesIO(data))
    backup.write_bytes(fernet.encrypt(rebuilt.getvalue()))
    database = "database.pgdump" if connection.vendor == "postgresql" else "database.sqlite3"
    with pytest.raises(CommandError, match=f"checksum mismatch in {database}"):
        call_command("restore", str(backup), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_refused_under_another_key(backup_env, monkeypatch, tmp_path):
    backup = _backup(tmp_path / "seip.backup")
    monkeypatch.setenv("SEIP_BACKUP_KEY", Fernet.generate_key().decode())
    with pytest.raises(CommandError, match="wrong key"):
        call_command("restore", str(backup), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_backup_key_that_is_not_a_fernet_key_is_named(backup_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SEIP_BACKUP_KEY", "correct horse battery staple")
    with pytest.raises(CommandError, match="not a Fernet key"):
        _backup(tmp_path / "seip.backup")
    assert not (tmp_path / "seip.backup").exists()


@pytest.mark.django_db(transaction=True)
def test_production_refuses_to_back_up_without_a_backup_key(
    backup_env, monkeypatch, settings, tmp_path
):
    monkeypatch.delenv("SEIP_BACKUP_KEY")
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="SEIP_BACKUP_KEY"):
        _backup(tmp_path / "seip.backup")
    assert not (tmp_path / "seip.backup").exists()


@pytest.mark.django_db(transaction=True)
def test_a_restore_never_makes_itself_a_new_backup_key(backup_env, monkeypatch, tmp_path):
    backup = _backup(tmp_path / "seip.backup")
    monkeypatch.delenv("SEIP_BACKUP_KEY")
    # A new data folder has no backup_key file: a key made now could only say "wrong key".
    with pytest.raises(CommandError, match="No backup key"):
        call_command("restore", str(backup), stdout=io.StringIO())


def test_the_command_line_shows_a_message_not_a_traceback(tmp_path):
    backup = tmp_path / "seip.backup"
    backup.write_bytes(Fernet(Fernet.generate_key()).encrypt(b"not ours"))
    env = {**os.environ, "SEIP_DATA_DIR": str(tmp_path / "data")}
    env["SEIP_BACKUP_KEY"] = Fernet.generate_key().decode()
    env.pop("DATABASE_URL", None)
    result = _run([sys.executable, "-m", "seip.manage", "restore", str(backup)], env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "CommandError: This backup cannot be decrypted" in result.stderr


def test_a_missing_pg_tool_is_named(tmp_path):
    with pytest.raises(BackupError, match="pg_dump was not found"):
        run_tool(["pg_dump", "--version"], {"PATH": str(tmp_path)})


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_without_pg_dump_says_so(backup_env, monkeypatch, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump was not found"):
        _backup(tmp_path / "seip.backup")
