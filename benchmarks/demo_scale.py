"""Benchmark: wall time of ``seip demo --students N --no-serve`` at county scale.

Runs the real command, ``uv run seip demo --students N --no-serve``, in a child process
from the repository root, with a fresh ``SEIP_DATA_DIR`` (a new temporary directory) for
each run, and times it with ``time.perf_counter()`` from start to exit. The child's CPU
time (user + system, from ``resource.getrusage``) is recorded too, because on a shared
machine it moves less than the wall time. After each run the script counts the rows the
demo wrote (students, cases, attendance years, behaviour, records, provision).

    uv run python benchmarks/demo_scale.py [--students 10000] [--limit 300] [--runs 1]

SQLite (the default) uses ``<tmp>/seip.sqlite3``, the embedded configuration. With
``DATABASE_URL`` set to a PostgreSQL server, each run drops and recreates the database
``seip_bench`` on that server (never the database the URL names) and points the command
at it; the database is dropped at the end unless ``--keep-database`` is given.

``--profile`` runs the command under pyinstrument instead (``uv pip install pyinstrument``
first; it is not a project dependency) and writes a text profile to
``benchmarks/results/``. A profiled run is slower, so it is never checked against
``--limit``.

This is a script, not a test: pytest does not collect it. It exits 1 if the command fails
or a run takes longer than ``--limit`` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from home_page import _pg_admin_url, _pg_bench_url, _pg_recreate

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

#: Rows counted after each run: (label, table).
TABLES = [
    ("students", "students_student"),
    ("cases", "students_case"),
    ("referrals", "referrals_referral"),
    ("attendance years", "attendance_attendanceyear"),
    ("incidents", "behaviour_incident"),
    ("exclusions", "behaviour_exclusion"),
    ("attitude ratings", "behaviour_attituderating"),
    ("attainment results", "behaviour_attainmentresult"),
    ("case notes", "records_casenote"),
    ("needs", "records_need"),
    ("interventions", "provision_intervention"),
    ("placement reviews", "provision_placementreview"),
    ("audit events", "audit_auditevent"),
]


def code_version() -> dict[str, Any]:
    """The commit and whether src/ had uncommitted changes (read-only git calls)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "src_changes": git("status", "--porcelain", "src"),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=1, help="fresh runs per scale (default 1)")
    parser.add_argument(
        "--limit", type=float, default=300.0, help="seconds allowed per run (default 300)"
    )
    parser.add_argument("--profile", action="store_true", help="run under pyinstrument")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    if any(n < 0 for n in args.students) or args.runs < 1:
        parser.error("--students must be 0 or more and --runs at least 1")
    return args


def _engine(url: str) -> str:
    if not url:
        return "sqlite"
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {urlsplit(url).scheme!r}")
    return "postgresql"


def _command(students: int, profile_to: Path | None) -> list[str]:
    demo = ["demo", "--students", str(students), "--no-serve"]
    if profile_to is None:
        uv = shutil.which("uv")
        if uv is None:
            raise SystemExit("uv is not on PATH")
        return [uv, "run", "seip", *demo]
    seip = Path(sys.executable).with_name("seip")
    return [
        sys.executable, "-m", "pyinstrument", "-r", "text", "--show-all", "-o", str(profile_to),
        str(seip), *demo,
    ]  # fmt: skip


def _count_rows(engine: str, data_dir: Path, url: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    if engine == "sqlite":
        conn = sqlite3.connect(data_dir / "seip.sqlite3")
        try:
            for label, table in TABLES:
                with contextlib.suppress(sqlite3.OperationalError):
                    counts[label] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        finally:
            conn.close()
        return counts
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        for label, table in TABLES:
            with contextlib.suppress(psycopg.errors.UndefinedTable):
                row = pg.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
                counts[label] = row[0] if row else 0
    return counts


def one_run(
    engine: str, students: int, original_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="seip-demo-") as tmp:
        env = dict(os.environ)
        env["SEIP_DATA_DIR"] = tmp
        env.setdefault("SEIP_LOG_LEVEL", "WARNING")
        bench_url = ""
        if engine == "postgresql":
            _pg_recreate(_pg_admin_url(original_url))
            bench_url = _pg_bench_url(original_url)
            env["DATABASE_URL"] = bench_url
        else:
            env.pop("DATABASE_URL", None)
        profile_to = None
        if args.profile:
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            profile_to = RESULTS_DIR / f"demo_scale-{engine}-{students}-profile.txt"
        command = _command(students, profile_to)
        load_before = os.getloadavg()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_after = os.getloadavg()
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
            raise SystemExit(f"seip demo --students {students} failed: exit {done.returncode}")
        counts = _count_rows(engine, Path(tmp), bench_url)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "students_requested": students,
        "wall_s": round(wall, 1),
        "child_cpu_s": round(cpu, 1),
        "max_rss_mb": round(after.ru_maxrss / 1024),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "rows": counts,
        "profile": str(profile_to.relative_to(REPO)) if profile_to else None,
        "command": " ".join(["uv", "run", "seip", *command[-4:]])
        if profile_to is None
        else " ".join(command),
    }


def engine_version(engine: str, original_url: str) -> str:
    if engine == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(_pg_admin_url(original_url), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    original_url = os.environ.get("DATABASE_URL", "")
    engine = _engine(original_url)
    version = engine_version(engine, original_url)
    print(f"Engine: {version}; {os.cpu_count()} CPUs", file=sys.stderr)
    runs = []
    try:
        for students in args.students:
            for n in range(args.runs):
                print(f"seip demo --students {students} (run {n + 1})...", file=sys.stderr)
                run = one_run(engine, students, original_url, args)
                print(
                    f"  {run['wall_s']:.1f} s wall, {run['child_cpu_s']:.1f} s CPU, "
                    f"load {run['loadavg_before'][0]:.2f} -> {run['loadavg_after'][0]:.2f}, "
                    f"{run['rows'].get('students', 0)} students",
                    file=sys.stderr,
                )
                runs.append(run)
    finally:
        if engine == "postgresql" and not args.keep_database:
            _pg_recreate(_pg_admin_url(original_url), create=False)

    print("| engine | students | wall s | CPU s | load before | load after | rows |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in runs:
        rows = ", ".join(f"{v:,} {k}" for k, v in r["rows"].items())
        print(
            f"| {engine} | {r['students_requested']:,} | {r['wall_s']:.1f} | "
            f"{r['child_cpu_s']:.1f} | {r['loadavg_before'][0]:.2f} | "
            f"{r['loadavg_after'][0]:.2f} | {rows} |"
        )

    failures = [
        f"--students {r['students_requested']}: {r['wall_s']:.1f} s, limit {args.limit:.0f} s"
        for r in runs
        if not args.profile and r["wall_s"] > args.limit
    ]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = "-profile" if args.profile else ""
    out = RESULTS_DIR / f"demo_scale-{engine}{suffix}.json"
    report = {
        "benchmark": "demo_scale",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "code": code_version(),
        "limit_s": args.limit,
        "profiled": args.profile,
        "median_wall_s": {
            str(n): statistics.median(r["wall_s"] for r in runs if r["students_requested"] == n)
            for n in args.students
        },
        "passed": not failures,
        "runs": runs,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {out.relative_to(REPO)}", file=sys.stderr)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
