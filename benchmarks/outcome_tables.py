"""Benchmark: the county report's outcome tables alone, repeated, for before/after pairs
(issue 17, ADR 0054).

Restores the SQLite snapshot of ``report_check.py`` (never writing into it), releases the
five partnerships' annual reports, then makes the county report's outcome tables
``-n`` times, each in a transaction rolled back at the end and from a cold thread (the
audit state ``lp`` and ``ledger`` carry between audits forgotten, as
``test_report_speed._forget`` does), stopping before the impact section. Prints the
process CPU time and wall time of each run and the median of the runs after the first
(which also pays Django's first queries). ``--src`` runs another checkout's code, so the
code before and after a change can be timed in turn on the same data.

    uv run python benchmarks/outcome_tables.py --snapshot /tmp/snap [--src OTHER/src] [-n 3]

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from snapshot_setup import on_snapshot  # noqa: E402  (the benchmarks folder, put on the path above)


class _Stop(Exception):
    """Raised by the progress callback once the last outcome table is released."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--src", type=Path, default=BENCH_DIR.parent / "src")
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--profile", type=Path, help="a cProfile of the last run")
    args = parser.parse_args()
    with on_snapshot(args.snapshot, args.src):
        runs = run(args)
    cpu = [c for c, _ in runs[1:]] or [runs[0][0]]
    print(
        json.dumps(
            {
                "src": str(args.src),
                "runs_cpu_s": [round(c, 3) for c, _ in runs],
                "runs_wall_s": [round(w, 3) for _, w in runs],
                "median_cpu_s": round(statistics.median(cpu), 3),
                "load": os.getloadavg(),
            },
            indent=2,
        )
    )


def run(args: argparse.Namespace) -> list[tuple[float, float]]:
    from django.db import transaction

    from seip.accounts.models import Role, User
    from seip.organisations.models import LocalAuthority, Partnership
    from seip.reports import ledger

    try:
        from seip.disclosure import lp
    except ImportError:  # a checkout (--src) from before the engine left reports (ADR 0052)
        from seip.reports import lp  # type: ignore[attr-defined,no-redef]
    from seip.reports.outcomes import Recipient, outcome_report
    from seip.reports.population import Period, Scope

    period = Period(args.year)
    coordinator = User.objects.get(email="coordinator@seip.example")
    officer = User.objects.filter(memberships__role=Role.LA_OFFICER).first() or coordinator
    for partnership in Partnership.objects.order_by("pk"):
        outcome_report(
            scope=Scope(partnership=partnership),
            period=period,
            recipient=Recipient(Role.COORDINATOR),
            actor=coordinator,
        )
    scope = Scope(local_authority=LocalAuthority.objects.get())

    def stop(done: int, total: int) -> None:
        if done == total - 1:  # the last outcome table; the impact section is next
            raise _Stop

    runs = []
    profiler = cProfile.Profile() if args.profile else None
    for i in range(args.n):
        for name in ("witnesses", "last", "owner", "columns"):
            lp._local.__dict__.pop(name, None)
        for name in ("by_key", "labels"):
            ledger._layouts.__dict__.pop(name, None)
        ledger._related.__dict__.pop("indexes", None)
        profiling = profiler is not None and i == args.n - 1
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            with transaction.atomic():
                if profiling:
                    profiler.enable()  # type: ignore[union-attr]
                try:
                    outcome_report(
                        scope=scope,
                        period=period,
                        recipient=Recipient(Role.LA_OFFICER),
                        actor=officer,
                        progress=stop,
                    )
                finally:
                    if profiling:
                        profiler.disable()  # type: ignore[union-attr]
        except _Stop:
            pass  # rolled back: the next run audits against the same ledger
        runs.append((time.process_time() - cpu, time.perf_counter() - wall))
    if profiler is not None and args.profile:
        profiler.dump_stats(args.profile)
    return runs


if __name__ == "__main__":
    main()
