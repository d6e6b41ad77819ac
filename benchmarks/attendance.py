"""Benchmark: attendance history at scale (P03, P04).

Builds a fresh database with the demo county's schools, adds ``--students`` students
(default 10,000, spread over every school) and gives each five academic years of
registers with ``seip.attendance.demo.build_history``. Then it times:

1. ``build_history`` itself: every year row, counted by the calculator and bulk-created;
2. ``by_half_term`` for one student over all five years (history read included), and the
   whole attendance panel (``panel_context``) for that student;
3. persistent and severe absence for every student in one partnership, from the stored
   counts (``enrolments``), for the current academic year.

    uv run python benchmarks/attendance.py [--students 10000] [--repeats 50]

SQLite by default, in a temporary directory; with ``DATABASE_URL`` set to PostgreSQL, the
database ``seip_bench`` on that server is dropped and recreated, as in home_page.py. The
query count of each measurement is recorded; the script exits 1 if ``by_half_term`` or
the partnership measure takes more than a fixed number of queries, or if building the
history took longer than ``--history-limit`` seconds.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from home_page import _pg_admin_url, _pg_recreate, engine_version, p95, prepare_environment

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
#: The most queries each read may take, whatever the history holds.
QUERY_LIMITS = {"by_half_term": 2, "panel_context": 3, "partnership_absence": 1}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--partnerships", type=int, default=5)
    parser.add_argument("--schools-per-partnership", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=50, help="timed calls per measurement")
    parser.add_argument("--seed", type=int, default=855)
    parser.add_argument(
        "--history-limit", type=float, default=60.0, help="seconds allowed for build_history"
    )
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    if args.students < 1 or args.repeats < 2:
        parser.error("--students must be at least 1 and --repeats at least 2")
    return args


def timed(repeats: int, call: Callable[[], Any]) -> dict[str, float]:
    call()  # warm-up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(p95(samples), 3),
        "min_ms": round(min(samples), 3),
        "max_ms": round(max(samples), 3),
    }


def count_queries(call: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def run(args: argparse.Namespace, engine: str) -> int:
    import django

    django.setup()

    from django.core.management import call_command
    from django.utils import timezone

    from seip.accounts.models import User
    from seip.attendance.demo import FIRST_YEAR, build_history
    from seip.attendance.models import AttendanceYear
    from seip.attendance.selectors import by_half_term, enrolments, history, panel_context
    from seip.attendance.tests.factories import bulk_students
    from seip.core.calendar import academic_year
    from seip.demo.generator import Scale, generate
    from seip.organisations.models import School
    from seip.students.models import Student

    call_command("migrate", interactive=False, verbosity=0)
    print(f"Engine: {engine_version(engine)}", file=sys.stderr)
    scale = Scale(
        partnerships=args.partnerships,
        schools_per_partnership=args.schools_per_partnership,
        students=0,
    )
    county, _ = generate(scale)
    schools = list(School.objects.select_related("local_authority").order_by("urn"))
    start = time.perf_counter()
    bulk_students(schools, args.students, signed_on=dt.date(2026, 10, 1))
    made_students = time.perf_counter() - start
    print(f"{args.students} students in {made_students:.1f}s; building history", file=sys.stderr)

    start = time.perf_counter()
    build_history(Student.objects.all(), seed=args.seed)
    history_seconds = time.perf_counter() - start
    rows = AttendanceYear.objects.count()
    print(f"{rows} year rows in {history_seconds:.1f}s; measuring", file=sys.stderr)

    today = timezone.localdate()
    first_day = dt.date(FIRST_YEAR, 9, 1)
    student = Student.objects.select_related("school", "partnership", "referral").first()
    assert student is not None
    coordinator = User.objects.get(email="coordinator@seip.example")
    partnership = county.partnerships[0]
    in_partnership = Student.objects.filter(partnership=partnership, archived_at__isnull=True)
    year = academic_year(today)

    def half_terms() -> Any:
        return by_half_term(student, first_day, today, years=history(student))

    def partnership_absence() -> tuple[int, int, int]:
        measured = enrolments(in_partnership, year)
        return (
            len(measured),
            sum(e.counts.persistent for e in measured),
            sum(e.counts.severe for e in measured),
        )

    enrolled, persistent, severe = partnership_absence()
    results = {
        "by_half_term": timed(args.repeats, half_terms)
        | {"queries": count_queries(half_terms), "half_terms": len(half_terms())},
        "panel_context": timed(args.repeats, lambda: panel_context(student, coordinator))
        | {"queries": count_queries(lambda: panel_context(student, coordinator))},
        "partnership_absence": timed(args.repeats, partnership_absence)
        | {
            "queries": count_queries(partnership_absence),
            "enrolments": enrolled,
            "persistent": persistent,
            "severe": severe,
        },
    }

    print(f"\n{args.students} students, {rows} year rows, {engine}")
    print(f"build_history: {history_seconds:.1f} s (limit {args.history_limit:.0f} s)\n")
    print("| measurement | median ms | p95 ms | queries |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} | {r['queries']} |")
    print(
        f"\n{partnership.name}: {enrolled} enrolments in {year}/{year + 1}, "
        f"{persistent} persistent absence, {severe} severe absence"
    )

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"attendance-{engine}.json"
    report = {
        "benchmark": "attendance",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": engine_version(engine),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "students": args.students,
        "year_rows": rows,
        "make_students_s": round(made_students, 2),
        "build_history_s": round(history_seconds, 2),
        "repeats": args.repeats,
        "results": results,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {out.relative_to(BENCH_DIR.parent)}", file=sys.stderr)

    failures = [
        f"{name}: {results[name]['queries']} queries, limit {limit}"
        for name, limit in QUERY_LIMITS.items()
        if results[name]["queries"] > limit
    ]
    if history_seconds > args.history_limit:
        failures.append(f"build_history took {history_seconds:.1f}s, limit {args.history_limit}s")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


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
