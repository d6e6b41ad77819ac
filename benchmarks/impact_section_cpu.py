"""CPU time of the county impact section without its releases (ADR 0053).

Loads the records, then works out every effect, cost per outcome and progress model
(``report._estimate``) for the county and ``--year``, for the code under ``--src``, on
a copy of a SQLite snapshot made by ``report_check.py`` (never written to). Prints each
repeat's process CPU time, and a hash of the results (``repr`` of the effects, costs and
factors), which must be the same for every repeat and for the code before and after a
change. Group sizes stand in for the published counts (no release is made).

    uv run python benchmarks/impact_section_cpu.py [--src OTHER/src] [--repeats 3]

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from snapshot_setup import on_snapshot  # noqa: E402  (the benchmarks folder, put on the path above)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=BENCH_DIR.parent / "src")
    parser.add_argument("--snapshot", type=Path, required=True, help="report_check.py's snapshot")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    with on_snapshot(args.snapshot, args.src):
        run(args)


def run(args: argparse.Namespace) -> None:
    from seip.impact import costs, report
    from seip.impact.frames import Dimension, Windows, load
    from seip.organisations.models import LocalAuthority
    from seip.reports.document import Shown
    from seip.reports.population import Period, Scope

    scope = Scope(local_authority=LocalAuthority.objects.get())
    period = Period(args.year)
    windows = Windows()
    bench = dataclasses.replace(costs.Benchmarks(), min_participants=windows.min_participants)
    # Only the settings are read by _estimate: no recipient, actor or policy is needed.
    context = report.Context(scope, period, None, None, None, windows, bench)  # type: ignore[arg-type]
    loads: list[float] = []
    estimates: list[float] = []
    found: set[str] = set()
    for _ in range(args.repeats):
        cpu = time.process_time()
        records = load(scope=scope, period=period, windows=windows)
        loads.append(time.process_time() - cpu)
        published = {(g.dimension, g.key): Shown(value=len(g.starts)) for g in records.groups}
        published[(Dimension.TYPE, report.COMPARISON)] = Shown(value=len(records.comparison))
        cpu = time.process_time()
        results = report._estimate(context, records, published)
        estimates.append(time.process_time() - cpu)
        text = repr((results.effects, results.costs, results.factors, results.too_few))
        found.add(hashlib.sha256(text.encode()).hexdigest()[:16])
    print(
        {
            "src": str(args.src),
            "load_cpu_s": [round(s, 3) for s in loads],
            "estimates_cpu_s": [round(s, 3) for s in estimates],
            "least_total_cpu_s": round(min(loads) + min(estimates), 3),
            "results": sorted(found),
            "load_average": os.getloadavg(),
        }
    )


if __name__ == "__main__":
    main()
