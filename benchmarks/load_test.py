"""Load test: 50 users against ``seip serve`` at county scale, on SQLite (WAL) or PostgreSQL.

1. A fresh data folder (and, with ``DATABASE_URL``, a fresh PostgreSQL database
   ``--pg-database``, never the one the URL names) gets the demo county at
   ``--students`` pupils (default 10,000) from ``seip demo --students N --no-serve``,
   the command a new user runs.
2. Setup, in this process: every co-ordinator and key worker of the county gets a known
   password and a backup-code device holding one single-use code per simulated user
   (sign-in goes through both steps, as in the browser); their students with an open case
   are listed, and each co-ordinator gets a small attendance CSV (``--import-pupils``
   pupils, five school days) for one of their schools. The plan is written to the data
   folder for ``benchmarks/locustfile.py``.
3. ``seip serve`` (gunicorn, ``--workers`` processes) on 127.0.0.1 and ``seip worker``
   start against that data folder, as in production.
4. locust runs headless: ``--users`` users (default 50) spawned at ``--spawn-rate`` per
   second. Statistics are reset once every user has signed in, so the figures are the
   steady mix, not the sign-ins (Argon2); the load then runs for about ``--duration``
   seconds (default 60) more.
5. The queue is drained, both processes are stopped (SIGTERM), and the run is checked:
   failed requests, "database is locked" anywhere in the server's or worker's log, import
   runs that did not finish as imported, and ``seip audit verify``.

    uv run python benchmarks/load_test.py [--students 10000] [--users 50] [--duration 60]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seip_bench_load \\
        uv run python benchmarks/load_test.py

Prints p50, p95, p99, requests per second and errors, per request type and overall,
writes ``benchmarks/results/load_test-<engine>[-<tag>].json``, and exits 1 if there was
any error (including any "database is locked", a failed import or a broken audit
chain) or, with ``--check-p95``, if the overall p95 is 300 ms or more. CI runs a short
version (``--students 300 --users 10 --duration 10``) without ``--check-p95``.

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
LOCUSTFILE = BENCH_DIR / "locustfile.py"
PASSWORD = "load-test-855-county-pass"
TARGET_P95_MS = 300.0
LOCKED = "database is locked"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10000, help="demo county size")
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated users")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: seip serve's)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--import-pupils", type=int, default=5, help="pupils in a small import")
    parser.add_argument(
        "--wait", default="1-3", help="think time between a user's requests, seconds (min-max)"
    )
    parser.add_argument(
        "--check-p95", action="store_true", help=f"fail if p95 >= {TARGET_P95_MS} ms"
    )
    parser.add_argument("--pg-database", default="seip_bench_load")
    parser.add_argument("--tag", default="", help="suffix for the results file name")
    parser.add_argument(
        "--out", type=Path, default=None, help="results file (default benchmarks/results/...)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data folder (printed)")
    return parser.parse_args(argv)


# Environment -------------------------------------------------------------------------------


def _pg(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def _pg_recreate(url: str, database: str, *, create: bool = True) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_pg(url, "postgres"), autocommit=True) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def prepare_environment(data_dir: Path, pg_database: str) -> tuple[str, str]:
    """Point this process (and its children) at a fresh database; return the engine and
    the URL of the PostgreSQL server to clean up afterwards ("" for SQLite)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "seip.settings"
    os.environ["SEIP_DATA_DIR"] = str(data_dir)
    os.environ["SEIP_LOG_LEVEL"] = "WARNING"
    os.environ.pop("SEIP_PRODUCTION", None)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite", ""
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {urlsplit(url).scheme!r}")
    _pg_recreate(url, pg_database)
    os.environ["DATABASE_URL"] = _pg(url, pg_database)
    return "postgresql", url


def seip(*args: str) -> list[str]:
    """The ``seip`` command as a new user runs it, from this interpreter's environment."""
    return [sys.executable, "-m", "seip.manage", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Setup -------------------------------------------------------------------------------------


def school_days_before(today: dt.date, n: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = today - dt.timedelta(days=1)
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return sorted(days)


def build_plan(codes_per_account: int, import_pupils: int) -> dict[str, Any]:
    """Passwords, backup codes, caseloads and small imports for the load-test accounts."""
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from seip.accounts.devices import code_digest
    from seip.accounts.models import BackupCode, BackupCodeDevice, Membership, Role, User
    from seip.students.models import Case, CaseStatus

    today = timezone.localdate()
    days = school_days_before(today, 5)
    open_cases = Case.objects.filter(
        status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE], student__archived_at__isnull=True
    )
    password = make_password(PASSWORD)
    accounts: dict[str, list[dict[str, Any]]] = {"key_worker": [], "coordinator": []}
    with transaction.atomic():
        for role, key in ((Role.KEY_WORKER, "key_worker"), (Role.COORDINATOR, "coordinator")):
            memberships = (
                Membership.objects.filter(role=role, partnership__isnull=False)
                .exclude(user__email__endswith="@seip.example")  # the one demo login per role
                .select_related("user", "partnership")
                .order_by("user__email")
            )
            for membership in memberships:
                user: User = membership.user
                cases = open_cases.filter(student__partnership=membership.partnership)
                if role == Role.KEY_WORKER:
                    cases = cases.filter(key_worker=user)
                students = list(
                    cases.order_by("student_id").values_list("student_id", flat=True)[:200]
                )
                if not students:
                    continue
                User.objects.filter(pk=user.pk).update(password=password)
                device, _ = BackupCodeDevice.objects.get_or_create(
                    user=user, name="Load test codes", defaults={"confirmed": True}
                )
                codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(codes_per_account)]
                BackupCode.objects.bulk_create(
                    BackupCode(device=device, digest=code_digest(c)) for c in codes
                )
                account: dict[str, Any] = {
                    "email": user.email,
                    "codes": codes,
                    "students": students,
                }
                if role == Role.COORDINATOR:
                    account["import"] = small_import(cases, import_pupils, days)
                accounts[key].append(account)
    if not accounts["key_worker"] or not accounts["coordinator"]:
        raise SystemExit("the demo county has no key worker or co-ordinator with open cases")
    return {"password": PASSWORD, "today": today.isoformat(), "accounts": accounts}


def small_import(cases: Any, pupils: int, days: list[dt.date]) -> dict[str, Any]:
    """An attendance CSV for ``pupils`` referred pupils of one school, present all week."""
    first = cases.select_related("student").first().student
    students = [
        case.student
        for case in cases.filter(student__school_id=first.school_id).select_related("student")[
            :pupils
        ]
    ]
    rows = ["UPN,Date,AM,PM"]
    rows += [f"{s.upn},{day.isoformat()},/,\\" for s in students for day in days]
    return {
        "school": first.school_id,
        "columns": "upn=UPN,date=Date,am=AM,pm=PM",
        "csv": "\n".join(rows) + "\n",
    }


# Running -----------------------------------------------------------------------------------


def wait_healthy(base_url: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"seip serve exited with {server.returncode}")
        with (
            contextlib.suppress(OSError),  # not listening yet
            urllib.request.urlopen(base_url + "/healthz", timeout=5) as response,  # noqa: S310
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    raise SystemExit("seip serve did not become healthy")


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_locust(args: argparse.Namespace, base_url: str, plan: Path, out: Path) -> None:
    wait_min, _, wait_max = args.wait.partition("-")
    env = {
        **os.environ,
        "SEIP_LOAD_PLAN": str(plan),
        "SEIP_LOAD_WAIT_MIN": wait_min,
        "SEIP_LOAD_WAIT_MAX": wait_max or wait_min,
        "SEIP_LOAD_USERS": str(args.users),
    }
    # The measured window starts once every user has signed in (the locustfile resets
    # the statistics then), so spawning and sign-in time is added to the run.
    run_time = args.duration + math.ceil(args.users / args.spawn_rate) + 5
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", base_url, "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{run_time}s", "--stop-timeout", "10",
        "--csv", str(out / "locust"), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    # locust exits 1 when any request failed; the figures decide, so its code is not used.
    subprocess.run(command, env=env, check=False, cwd=ROOT)


def read_stats(out: Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, str]]]:
    def ms(value: str) -> float:
        return 0.0 if value == "N/A" else float(value)

    def row(r: dict[str, str]) -> dict[str, Any]:
        return {
            "name": r["Name"],
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "p50_ms": ms(r["50%"]),
            "p95_ms": ms(r["95%"]),
            "p99_ms": ms(r["99%"]),
            "mean_ms": round(float(r["Average Response Time"]), 1),
            "rps": round(float(r["Requests/s"]), 2),
            "measured_s": round(int(r["Request Count"]) / float(r["Requests/s"]), 1)
            if float(r["Requests/s"])
            else 0.0,
        }

    with (out / "locust_stats.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    overall = next(row(r) for r in rows if r["Name"] == "Aggregated")
    # The sign-in rows are empty after the reset: only the steady mix is reported.
    per_request = [row(r) for r in rows if r["Name"] != "Aggregated" and int(r["Request Count"])]
    failures_file = out / "locust_failures.csv"
    failures = (
        list(csv.DictReader(failures_file.open(encoding="utf-8"))) if failures_file.exists() else []
    )
    return overall, per_request, failures


def drain_and_check(timeout: float = 120) -> dict[str, Any]:
    """Wait for queued imports, then count runs by status and verify the audit chain."""
    from django.db import connections
    from django.db.models import Count

    from seip.audit.selectors import verify
    from seip.imports.models import ImportRun, RunStatus

    deadline = time.monotonic() + timeout
    unfinished = [RunStatus.QUEUED, RunStatus.RUNNING]
    while ImportRun.objects.filter(status__in=unfinished).exists() and time.monotonic() < deadline:
        time.sleep(1)
    runs = dict(ImportRun.objects.values_list("status").annotate(n=Count("pk")))
    result = verify()
    connections.close_all()
    return {"import_runs": runs, "audit_verify_ok": bool(result.ok)}


def engine_version(engine: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if engine == "sqlite" else "show server_version")
        return str(cursor.fetchone()[0])


def sqlite_pragmas() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        busy = cursor.fetchone()[0]
    return {"journal_mode": journal, "busy_timeout_ms": busy}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    data_dir = Path(tempfile.mkdtemp(prefix="seip-load-"))
    engine, admin_url = prepare_environment(data_dir, args.pg_database)
    logs = data_dir / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        started = time.perf_counter()
        subprocess.run(
            seip("demo", "--students", str(args.students), "--no-serve"),
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        demo_s = time.perf_counter() - started

        import django

        django.setup()
        from django.db import connections

        codes_per_account = args.users  # more than enough whatever the round robin
        plan = build_plan(codes_per_account, args.import_pupils)
        pragmas = sqlite_pragmas() if engine == "sqlite" else {}
        version = engine_version(engine)
        connections.close_all()
        plan_path = data_dir / "loadplan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        serve = ["serve", "--bind", f"127.0.0.1:{port}", "--threads", str(args.threads)]
        if args.workers:
            serve += ["--workers", str(args.workers)]
        server_log = (logs / "serve.log").open("wb")
        worker_log = (logs / "worker.log").open("wb")
        processes.append(
            subprocess.Popen(seip(*serve), cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)
        )
        processes.append(
            subprocess.Popen(seip("worker"), cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT)
        )
        wait_healthy(base_url, processes[0])
        load_before = os.getloadavg()
        run_locust(args, base_url, plan_path, data_dir)
        load_after = os.getloadavg()
        checks = drain_and_check()
        for process in processes:
            stop(process)
        server_log.close()
        worker_log.close()
        log_text = "\n".join(p.read_text(errors="replace") for p in logs.iterdir())
        locked = log_text.count(LOCKED)
        overall, per_request, failures = read_stats(data_dir)
    finally:
        for process in processes:
            stop(process)
        if admin_url:
            from django.db import connections

            connections.close_all()
            _pg_recreate(admin_url, args.pg_database, create=False)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    from django.conf import settings

    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": version,
        "sqlite": pragmas,
        "python": platform.python_version(),
        "machine": f"{os.cpu_count()} cpus, {platform.machine()}",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "students": args.students,
        "demo_build_s": round(demo_s, 1),
        "users": args.users,
        "duration_s": args.duration,
        "wait_s": args.wait,
        "gunicorn_workers": args.workers or "default (2 x cores + 1, at most 8)",
        "threads": args.threads,
        "accounts": {k: len(v) for k, v in plan["accounts"].items()},
        "overall": overall,
        "per_request": per_request,
        "failures": failures,
        "database_is_locked_in_logs": locked,
        **checks,
        "password_hashers": settings.PASSWORD_HASHERS[:1],
    }
    suffix = f"-{args.tag}" if args.tag else ""
    out = args.out or RESULTS_DIR / f"load_test-{engine}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    if args.keep:
        print(f"data folder kept: {data_dir}")

    problems = []
    if overall["failures"] or failures:
        problems.append(f"{overall['failures']} failed requests")
    if locked:
        problems.append(f'{locked} "{LOCKED}" in the logs')
    bad_runs = {k: v for k, v in checks["import_runs"].items() if k != "done"}
    if bad_runs:
        problems.append(f"import runs not imported: {bad_runs}")
    if not checks["audit_verify_ok"]:
        problems.append("seip audit verify failed")
    if args.check_p95 and overall["p95_ms"] >= TARGET_P95_MS:
        problems.append(f"p95 {overall['p95_ms']} ms >= {TARGET_P95_MS} ms")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\n{result['engine']} {result['engine_version']}, {result['students']} students, "
        f"{result['users']} users for {result['duration_s']} s, think time {result['wait_s']} s, "
        f"load average {result['load_average_before'][0]} -> {result['load_average_after'][0]}"
    )
    print("| request | n | failures | p50 ms | p95 ms | p99 ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in [*result["per_request"], result["overall"]]:
        print(
            f"| {r['name']} | {r['requests']} | {r['failures']} | {r['p50_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['rps']} |"
        )
    print(
        f'"{LOCKED}" in logs: {result["database_is_locked_in_logs"]}; import runs: '
        f"{result['import_runs']}; audit verify ok: {result['audit_verify_ok']}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
