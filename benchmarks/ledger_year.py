"""Benchmark: a year of every recipient's releases through the ledger (issue 17).

The year simulation of ``reports/tests/test_year_attack.py`` at county scale: five
partnerships of eight schools (``--partnerships``, ``--schools``), about ``--pupils``
referrals per school in the year, and for each period (each term, then the year) the
county's report, every partnership's and every school's, each table cut by the real
measures and audited by the real ledger (``services._audit_against_consistent``, as
``release_record`` calls it), with the bases of means as companions (ADR 0036). No
database: the ledger's own cost, which is what grows as releases pile up.

    uv run python benchmarks/ledger_year.py [--partnerships 5] [--schools 8] [--pupils 50]

Prints the reports, tables, refusals and total time, and the time of the first and the
last 20 tables (the growth). Target (issue 17): a year of every recipient's reports
(about 150 releases) in under 2 minutes in total.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "src"))
RESULTS_DIR = BENCH_DIR / "results"
TARGET_S = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partnerships", type=int, default=5)
    parser.add_argument("--schools", type=int, default=8, help="schools per partnership")
    parser.add_argument("--pupils", type=int, default=50, help="referrals per school a year")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("SEIP_DATA_DIR", tempfile.mkdtemp(prefix="seip-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    import django

    django.setup()
    from seip.reports import services
    from seip.reports.tests import test_year_attack as year

    # The simulation's county is a module constant: this benchmark's county replaces it.
    year.PARTNERSHIPS = {
        f"p{i}": tuple(f"s{i}-{j}" for j in range(args.schools)) for i in range(args.partnerships)
    }
    rng = random.Random(args.seed)  # noqa: S311 -- synthetic data, reproducible by seed
    pupils = []
    for partnership, schools in year.PARTNERSHIPS.items():
        for school in schools:
            for _ in range(rng.randint(args.pupils - 3, args.pupils + 3)):
                term = rng.choice(year.TERM_ORDER)
                start = year.TERM_ORDER.index(term)
                suspensions = tuple(rng.choice((0, 0, 0, 1)) if i >= start else 0 for i in range(3))
                closed = None
                if rng.random() < 0.4:
                    closed = (
                        rng.choice(year.TERM_ORDER[start:]),
                        rng.choice(year.DESTINATIONS[:3]),
                    )
                pupils.append(
                    year.Pupil(
                        school,
                        partnership,
                        term,
                        rng.choice(("Year 8", "Year 9", "Year 10")),
                        rng.choice(year.SEXES),
                        rng.choice(("White", "White", "White", "Asian", "Black", "Mixed")),
                        rng.choice(year.TIERS),
                        suspensions,  # type: ignore[arg-type]
                        closed,
                    )
                )
    audit = services._audit_against_consistent
    times: list[float] = []

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = audit(*a, **k)
        times.append(time.perf_counter() - start)
        return result

    year._audit_against_consistent = timed  # type: ignore[assignment]
    order = year.standard_order()
    start = time.perf_counter()
    released = year.release_year(pupils, order)
    total = time.perf_counter() - start
    # What was published, every cell of every table with its reason, in release order:
    # a change to the ledger's speed alone leaves this hash as it was.
    published = hashlib.sha256()
    for r in released.releases:
        shown = r.protected.published()
        reasons = r.protected.suppressed
        for key in sorted(shown, key=repr):
            published.update(repr((r.tag, key, shown[key], str(reasons.get(key, "")))).encode())
    result = {
        "pupils": len(pupils),
        "reports": len(order),
        "audits": len(times),
        "refused": len(released.refused),
        "refused_tables": released.refused,
        "total_s": round(total, 1),
        "first_20_audits_s": round(sum(times[:20]), 2),
        "last_20_audits_s": round(sum(times[-20:]), 2),
        "slowest_audit_s": round(max(times), 2),
        "published_sha256": published.hexdigest(),
        "target_s": TARGET_S,
        "load_average": os.getloadavg()[0],
        "python": platform.python_version(),
    }
    print(json.dumps(result, indent=2))
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "ledger_year.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
