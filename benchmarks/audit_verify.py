"""Benchmark: ``seip audit verify`` over a million-event audit trail (P14).

Bulk-loads chained events (hashes computed in Python, ``bulk_create`` in batches, bypassing
``audit_record``) into a fresh database, with a signed and witnessed checkpoint every
``SEIP_AUDIT_CHECKPOINT_EVERY`` events as the service would write them, signs one more,
then times the full verification: every hash recomputed in order, every checkpoint
signature checked, every due checkpoint present, the witness read and compared. The
target is at least 200,000 events a second; the script exits 1 below ``--target``.

    uv run python benchmarks/audit_verify.py [--events 1000000] [--runs 3]

SQLite (the default) uses a fresh ``<tmp>/seip.sqlite3`` in WAL mode. With ``DATABASE_URL``
set to a PostgreSQL server, the script drops and recreates ``--pg-database`` (default
``seip_bench``) on that server, never the database the URL names.

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
ACTIONS = ["records.note.add", "case.accept", "attendance.record", "records.concern.read"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000, help="rows per bulk_create")
    parser.add_argument("--runs", type=int, default=3, help="timed verifications")
    parser.add_argument("--target", type=float, default=200_000, help="events/second")
    parser.add_argument("--pg-database", default="seip_bench")
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="PostgreSQL: leave the database in place afterwards",
    )
    args = parser.parse_args(argv)
    if args.events < 1 or args.batch < 1 or args.runs < 1:
        parser.error("--events, --batch and --runs must be at least 1")
    return args


def _pg_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def _pg_recreate(admin_url: str, database: str, *, create: bool = True) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def prepare_environment(data_dir: Path, database: str) -> str:
    """Point the settings at a fresh database; return the engine name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    os.environ["SEIP_DATA_DIR"] = str(data_dir)  # the signing key is made here too
    os.environ.setdefault("SEIP_LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite"
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {urlsplit(url).scheme!r}")
    _pg_recreate(_pg_url(url, "postgres"), database)
    os.environ["DATABASE_URL"] = _pg_url(url, database)
    return "postgresql"


def load(events: int, batch: int) -> float:
    """Bulk-load ``events`` chained events; return the seconds it took."""
    from django.conf import settings
    from django.db import transaction

    from seip.audit.chain import chained
    from seip.audit.models import AuditEvent, ChainHead
    from seip.audit.services import _sign

    every = settings.AUDIT_CHECKPOINT_EVERY

    start = time.perf_counter()
    base = dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)

    def rows() -> Any:
        for i in range(events):
            yield {
                "at": base + dt.timedelta(milliseconds=37 * i),
                "actor_id": None if i % 11 == 0 else 1 + i % 50,
                "action": ACTIONS[i % len(ACTIONS)],
                "object_type": "students.student",
                "object_id": str(i % 5000),
                "detail": {} if i % 3 else {"count": i % 7, "source": "import"},
            }

    pending: list[AuditEvent] = []
    last: dict[str, Any] = {}

    def flush() -> None:
        with transaction.atomic():
            AuditEvent.objects.bulk_create(pending)
            # The periodic checkpoints audit_record would have signed (and witnessed).
            for event in pending:
                if every and event.seq % every == 0:
                    _sign(ChainHead(seq=event.seq, hash=event.hash))

    for row in chained(rows()):
        pending.append(AuditEvent(**row))
        last = row
        if len(pending) >= batch:
            flush()
            pending = []
            print(f"\r  loaded {last['seq']:,}", end="", file=sys.stderr)
    if pending:
        flush()
    ChainHead.objects.update_or_create(
        pk=ChainHead.ONLY, defaults={"seq": last["seq"], "hash": last["hash"]}
    )
    print(file=sys.stderr)
    return time.perf_counter() - start


def engine_version(engine: str) -> str:
    from django.db import connection

    if engine == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def run(args: argparse.Namespace, engine: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from seip.audit.selectors import verify
    from seip.audit.services import checkpoint_create

    call_command("migrate", interactive=False, verbosity=0)
    print(f"Engine: {engine_version(engine)}", file=sys.stderr)
    load_seconds = load(args.events, args.batch)
    print(f"Loaded {args.events:,} events in {load_seconds:.1f}s", file=sys.stderr)
    from seip.audit.models import AuditCheckpoint

    checkpoint_create(actor=None)
    total = args.events + 1  # the checkpoint's own event
    checkpoints = AuditCheckpoint.objects.count()

    seconds: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = verify()
        seconds.append(time.perf_counter() - start)
        if not result.ok or result.events != total or result.checkpoints != checkpoints:
            raise SystemExit(f"verification failed: {result}")
    best, median = min(seconds), statistics.median(seconds)
    rate = total / median
    print(
        f"| {engine} | {total:,} events | median {median:.2f}s | best {best:.2f}s "
        f"| {rate:,.0f} events/s |"
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"audit_verify-{engine}.json"
    report = {
        "benchmark": "audit_verify",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": engine_version(engine),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "events": total,
        "checkpoints": checkpoints,
        "load_seconds": round(load_seconds, 2),
        "verify_seconds": [round(s, 3) for s in seconds],
        "events_per_second_median": round(rate),
        "events_per_second_best": round(total / best),
        "target": args.target,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {out.relative_to(BENCH_DIR.parent)}", file=sys.stderr)
    if rate < args.target:
        print(f"FAIL: {rate:,.0f} events/s is below {args.target:,.0f}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    original_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="seip-bench-") as tmp:
        engine = prepare_environment(Path(tmp), args.pg_database)
        try:
            return run(args, engine)
        finally:
            from django.db import connections

            connections.close_all()
            if engine == "postgresql" and not args.keep_database:
                _pg_recreate(_pg_url(original_url, "postgres"), args.pg_database, create=False)


if __name__ == "__main__":
    sys.exit(main())
