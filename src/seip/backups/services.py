"""``backup_create`` and ``backup_restore``: a consistent, encrypted backup of the database
and the encrypted files, and its restore into an empty data folder or database followed by
the erasure replay, so nothing erased since the backup comes back (P22)."""

import os
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from seip.audit.services import audit_record
from seip.backups.archive import BackupError, backup_key, read_archive, write_archive
from seip.retention.services import erasures_replay

SQLITE_PART = "database.sqlite3"
POSTGRES_PART = "database.pgdump"
MEDIA_PREFIX = "media/"


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes through the
    environment, never the command line (where ``ps`` would show it)."""
    args = ["--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        # A fixed program (pg_dump or pg_restore) with arguments from settings, no shell.
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, env=env, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} was not found: install the PostgreSQL client tools (the server's "
            "major version or newer) and put them on PATH."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_database() -> tuple[str, bytes]:
    if connection.in_atomic_block:
        # Rows this connection has written but not committed are invisible to pg_dump,
        # which reads through its own connection, and SQLite's backup API would wait for
        # ever on the write lock they hold: either way the backup would not be what the
        # caller believes. So a backup is only ever taken between transactions.
        raise BackupError("Run a backup outside any transaction.")
    if _engine() == "postgresql":
        args, env = _pg_args(connection.settings_dict)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / POSTGRES_PART
            # One snapshot (pg_dump runs in a single repeatable-read transaction).
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), *args], env)
            return POSTGRES_PART, out.read_bytes()
    connection.ensure_connection()
    source = connection.connection
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / SQLITE_PART
        # The online backup API copies a consistent snapshot while others keep writing.
        target = sqlite3.connect(out)
        try:
            source.backup(target)
        finally:
            target.close()
        return SQLITE_PART, out.read_bytes()


def _media_parts() -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    keys = Path(settings.KEY_STORE_DIR).resolve()
    parts: dict[str, bytes] = {}
    if not root.exists():
        return parts
    for path in sorted(root.rglob("*")):
        # The key store is never backed up, even if someone put it under the media folder.
        if path.is_file() and not path.resolve().is_relative_to(keys):
            parts[MEDIA_PREFIX + path.relative_to(root).as_posix()] = path.read_bytes()
    return parts


def _migration_state() -> dict[str, str]:
    """The latest applied migration of each app: enough to tell which code can restore it."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list(
        "app", "name"
    ):
        latest[app] = name
    return latest


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    files: int
    size: int


def backup_create(*, out: Path) -> BackupResult:
    """Write an encrypted backup of the database and the media folder to ``out``.

    The key store and master keys are left out on purpose (see ``archive``). Audited as
    ``backup.create`` with counts only.
    """
    # A missing or malformed backup key fails now, not after a long dump.
    backup_key(create=True)
    part_name, database = _dump_database()
    media = _media_parts()
    manifest = {
        "engine": _engine(),
        "created_at": timezone.now().isoformat(),
        "migrations": _migration_state(),
        "database": part_name,
        "media_files": len(media),
        "excluded": [
            "key store (SEIP_KEY_STORE_DIR): never backed up, so erasures stay effective",
            "master keys (SEIP_MASTER_KEYS): kept apart from every backup",
        ],
    }
    write_archive(out, manifest=manifest, parts={part_name: database, **media})
    size = out.stat().st_size
    with transaction.atomic():
        audit_record(
            actor=None,
            action="backup.create",
            detail={"engine": manifest["engine"], "media_files": len(media), "bytes": size},
        )
    return BackupResult(path=out, engine=str(manifest["engine"]), files=len(media), size=size)


def _sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name.startswith("file:") or name == ":memory:":
        raise BackupError("Cannot restore into an in-memory SQLite database.")
    return Path(name)


def _database_is_empty() -> bool:
    # Opening an absent SQLite file creates it empty, which the restore then replaces.
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _media_is_empty() -> bool:
    root = Path(settings.MEDIA_ROOT)
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def _load_database(manifest: dict[str, Any], data: bytes) -> None:
    connections.close_all()
    if manifest["engine"] == "postgresql":
        args, env = _pg_args(connection.settings_dict)
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / POSTGRES_PART
            dump.write_bytes(data)
            # One transaction: a restore that fails half-way leaves the database empty, so
            # the operator can fix the cause and run it again.
            command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
            _run([*command, *args, str(dump)], env)
        return
    path = _sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def _restore_media(parts: dict[str, bytes]) -> int:
    root = Path(settings.MEDIA_ROOT).resolve()
    count = 0
    for name, data in parts.items():
        if not name.startswith(MEDIA_PREFIX):
            continue
        target = (root / name.removeprefix(MEDIA_PREFIX)).resolve()
        if not target.is_relative_to(root):
            raise BackupError(f"Refusing a media path outside the media folder: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count


@dataclass(frozen=True)
class RestoreResult:
    engine: str
    created_at: str
    files: int
    replayed: list[int]


def backup_restore(*, path: Path) -> RestoreResult:
    """Restore a backup into an empty database and media folder, then replay erasures.

    Refuses a database or media folder that holds anything: a restore never merges into,
    or overwrites, live data. The key store is the live one, never restored, so
    ``erasures_replay`` finds every subject shredded since the backup by their missing
    secret, and erases them again.
    """
    manifest, parts = read_archive(path)
    if manifest["engine"] != _engine():
        raise BackupError(
            f"This is a {manifest['engine']} backup; the configured database is {_engine()}."
        )
    if not _database_is_empty():
        raise BackupError(
            "The database is not empty. Restore only into an empty data folder or an empty "
            "database; a restore never overwrites live data."
        )
    if not _media_is_empty():
        raise BackupError(
            f"The media folder {settings.MEDIA_ROOT} is not empty. Restore only into an "
            "empty data folder."
        )
    _load_database(manifest, parts[str(manifest["database"])])
    files = _restore_media(parts)
    # A backup from older code is brought up to this code's schema before anything runs.
    call_command("migrate", verbosity=0, interactive=False)
    replayed = erasures_replay(apply=True)
    # pg_dump carries no planner statistics: without them PostgreSQL plans the reports'
    # joins for a handful of rows until autovacuum catches up (seconds instead of tenths).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with transaction.atomic():
        audit_record(
            actor=None,
            action="backup.restore",
            detail={
                "engine": manifest["engine"],
                "backup_created_at": manifest["created_at"],
                "media_files": files,
                "replayed": len(replayed),
            },
        )
    return RestoreResult(
        engine=str(manifest["engine"]),
        created_at=str(manifest["created_at"]),
        files=files,
        replayed=replayed,
    )
