"""Benchmark: the role-aware home page ("/") as the county grows.

Builds the deterministic demo county at each requested scale in a fresh database, signs in
as demo logins (password and second factor), and times GET "/" through Django's test
client. The query count per request must not grow with the number of schools: the script
exits 1 if it differs between scales for the same login.

    uv run python benchmarks/home_page.py [--schools-per-partnership 8 80] [--requests 200]

SQLite (the default) uses a fresh ``<tmp>/seip.sqlite3`` in WAL mode, the embedded
configuration. With ``DATABASE_URL`` set to a PostgreSQL server, the script drops and
recreates the database ``seip_bench`` on that server (never the database the URL names)
and runs against it.

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PG_BENCH_DATABASE = "seip_bench"
LOGINS = [
    # (email, who it is)
    ("coordinator@seip.example", "coordinator"),
    ("la@seip.example", "la_officer"),
]


@dataclass
class Row:
    engine: str
    partnerships: int
    schools_per_partnership: int
    schools: int
    login: str
    home_partnership: str
    home_partnership_schools: int
    requests: int
    median_ms: float
    p95_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float
    queries: int
    sql: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partnerships", type=int, default=5)
    parser.add_argument(
        "--schools-per-partnership",
        type=int,
        nargs="+",
        default=[8, 80],
        help="one scale per value, built in increasing order on top of each other (default 8 80)",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per login")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first")
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="PostgreSQL: leave seip_bench in place afterwards (SQLite's temp dir always goes)",
    )
    args = parser.parse_args(argv)
    if args.requests < 2 or args.warmup < 0 or args.partnerships < 1:
        parser.error("--requests must be at least 2, --warmup 0 or more, --partnerships 1 or more")
    if any(n < 1 for n in args.schools_per_partnership):
        parser.error("--schools-per-partnership values must be at least 1")
    args.schools_per_partnership = sorted(set(args.schools_per_partnership))
    return args


# Database set-up: must happen before django.setup(), because settings read the environment
# at import. -------------------------------------------------------------------------------


def _pg_admin_url(url: str) -> str:
    """The same server and credentials, connected to the ``postgres`` maintenance database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def _pg_bench_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{PG_BENCH_DATABASE}", parts.query, ""))


def _pg_recreate(admin_url: str, *, create: bool = True) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        name = sql.Identifier(PG_BENCH_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def prepare_environment(data_dir: Path) -> str:
    """Point the settings at a fresh database; return the engine name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    # Secret key, static root and (for SQLite) the database all live in the temp dir, so
    # nothing is written to the repository's var/.
    os.environ["SEIP_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SEIP_LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite"
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {urlsplit(url).scheme!r}")
    _pg_recreate(_pg_admin_url(url))
    os.environ["DATABASE_URL"] = _pg_bench_url(url)
    return "postgresql"


# Measuring ----------------------------------------------------------------------------------


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def signed_in_client(user: Any) -> Any:
    """A test client past both factors, as ``seip.conftest.signed_in`` does it."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from seip.accounts.models import AuthenticatorDevice

    client = Client()
    client.force_login(user)
    device, _ = AuthenticatorDevice.objects.get_or_create(
        user=user, name="benchmark", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure_login(engine: str, args: argparse.Namespace, spp: int, email: str, label: str) -> Row:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from seip.accounts.models import User
    from seip.organisations.models import School
    from seip.organisations.selectors import home_partnership

    user = User.objects.get(email=email)
    partnership = home_partnership(user)
    if partnership is None:
        raise SystemExit(f"{email} has no partnership to brand the page with")
    expected = partnership.name.encode()
    client = signed_in_client(user)

    def get() -> Any:
        response = client.get("/")
        if response.status_code != 200:
            raise SystemExit(f"GET / as {email}: status {response.status_code}, expected 200")
        return response

    for _ in range(args.warmup):
        response = get()
        if expected not in response.content:
            raise SystemExit(f"GET / as {email}: page does not name {partnership.name!r}")

    samples: list[float] = []
    for _ in range(args.requests):
        start = time.perf_counter()
        response = client.get("/")
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET / as {email}: status {response.status_code}, expected 200")

    with CaptureQueriesContext(connection) as captured:
        response = get()
    if expected not in response.content:
        raise SystemExit(f"GET / as {email}: page does not name {partnership.name!r}")

    return Row(
        engine=engine,
        partnerships=args.partnerships,
        schools_per_partnership=spp,
        schools=School.objects.count(),
        login=label,
        home_partnership=partnership.name,
        home_partnership_schools=School.objects.filter(partnership=partnership).count(),
        requests=args.requests,
        median_ms=round(statistics.median(samples), 2),
        p95_ms=round(p95(samples), 2),
        mean_ms=round(statistics.fmean(samples), 2),
        min_ms=round(min(samples), 2),
        max_ms=round(max(samples), 2),
        queries=len(captured.captured_queries),
        sql=[q["sql"] for q in captured.captured_queries],
    )


def engine_version(engine: str) -> str:
    from django.db import connection

    if engine == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| engine | schools | login | median ms | p95 ms | queries |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.engine} | {r.schools} | {r.login} | {r.median_ms:.2f} | {r.p95_ms:.2f} "
            f"| {r.queries} |"
        )
    return "\n".join(lines)


def query_growth(rows: list[Row]) -> list[str]:
    """Logins whose query count differs between scales, described for the console."""
    problems = []
    for _, label in LOGINS:
        counts = {r.schools: r.queries for r in rows if r.login == label}
        if len(set(counts.values())) > 1:
            detail = ", ".join(f"{q} queries at {s} schools" for s, q in sorted(counts.items()))
            problems.append(f"{label}: {detail}")
    return problems


def run(args: argparse.Namespace, engine: str) -> int:
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from seip.demo.generator import Scale, generate

    call_command("migrate", interactive=False, verbosity=0)
    if engine == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
        if mode != "wal":
            raise SystemExit(f"SQLite journal_mode is {mode!r}, expected 'wal'")
    database = str(settings.DATABASES["default"]["NAME"])
    print(f"Engine: {engine_version(engine)}, database {database}", file=sys.stderr)

    rows: list[Row] = []
    for spp in args.schools_per_partnership:
        # The home page's counts, with the 60 pupils it was first measured with (ADR 0037
        # made the demo's default bigger; this benchmark is about schools, not pupils).
        scale = Scale(partnerships=args.partnerships, schools_per_partnership=spp, students=60)
        start = time.perf_counter()
        generate(scale)
        print(
            f"Built {args.partnerships} x {spp} in {time.perf_counter() - start:.1f}s; measuring",
            file=sys.stderr,
        )
        for email, label in LOGINS:
            rows.append(measure_login(engine, args, spp, email, label))

    table = markdown_table(rows)
    print(table)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"home_page-{engine}.json"
    growth = query_growth(rows)
    report = {
        "benchmark": "home_page",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": engine_version(engine),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "partnerships": args.partnerships,
        "schools_per_partnership": args.schools_per_partnership,
        "requests": args.requests,
        "warmup": args.warmup,
        "query_count_constant": not growth,
        "rows": [asdict(r) for r in rows],
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {out.relative_to(BENCH_DIR.parent)}", file=sys.stderr)

    if growth:
        print("\nFAIL: the query count grows with the number of schools:", file=sys.stderr)
        for line in growth:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    original_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="seip-bench-") as tmp:
        engine = prepare_environment(Path(tmp))
        try:
            return run(args, engine)
        finally:
            from django.db import connections

            connections.close_all()
            if engine == "postgresql" and not args.keep_database:
                _pg_recreate(_pg_admin_url(original_url), create=False)


if __name__ == "__main__":
    sys.exit(main())
