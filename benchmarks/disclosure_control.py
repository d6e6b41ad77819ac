"""Disclosure control at county scale: ``protect`` and the ledger's differencing audit.

Pure engine, no database: a seeded synthetic county (students spread over schools,
terms, six referral reasons, five year groups and two sexes) is cut into the tables a
partnership would release in a year. Each release is audited against every earlier one
(``reports.ledger.audit_release``), as ``reports.services.release_record`` does, and the
final table against all of them.

    uv run python benchmarks/disclosure_control.py [--schools 40] [--students 2000]

Results go to benchmarks/results/disclosure_control_<schools>_schools.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from seip.reports.disclosure import protect
from seip.reports.ledger import Entry, Population, audit_release, entry_of
from seip.reports.tables import TOTAL, Cell, CellKind, Table

REASONS = ("attendance", "behaviour", "emotional", "learning", "social", "other")
YEARS = ("7", "8", "9", "10", "11")
SEXES = ("F", "M")
TERMS = ("autumn", "spring", "summer")


def cohort(schools: int, students: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, seeded for repeatability
    weights = [rng.uniform(0.3, 2.0) for _ in range(schools)]  # schools differ in size
    return [
        {
            "school": str(rng.choices(range(schools), weights)[0]),
            "term": rng.choice(TERMS),
            "reason": rng.choices(REASONS, (5, 6, 3, 2, 2, 1))[0],
            "year": rng.choice(YEARS),
            "sex": rng.choice(SEXES),
        }
        for _ in range(students)
    ]


def table(people, rows, columns=None, measure="referrals") -> Table:
    counts = Counter((p[rows[0]], p[columns[0]] if columns else TOTAL) for p in people)
    keys = [(r, c) for r in rows[1] for c in (columns[1] if columns else (TOTAL,))]
    breakdowns = (rows[0], columns[0]) if columns else (rows[0],)
    return Table(
        measure,
        CellKind.COUNT,
        breakdowns,
        rows[1],
        columns[1] if columns else (),
        {k: Cell(float(counts[k])) for k in keys},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--students", type=int, default=2000, help="referred in the year")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    people = cohort(args.schools, args.students, args.seed)
    schools = tuple(str(s) for s in range(args.schools))
    every = frozenset(schools)

    def pop(terms, in_schools=every) -> Population:
        return Population(frozenset(in_schools), "2025-26", frozenset(terms))

    def of(terms, in_schools=every):
        return [p for p in people if p["term"] in terms and p["school"] in in_schools]

    by_school = ("school", schools)
    by_reason = ("reason", REASONS)
    by_year = ("year", YEARS)
    by_sex = ("sex", SEXES)
    releases = [
        ("autumn: school x reason", table(of({"autumn"}), by_school, by_reason), pop({"autumn"})),
        ("spring: school x reason", table(of({"spring"}), by_school, by_reason), pop({"spring"})),
        (
            "autumn+spring: school x reason",
            table(of({"autumn", "spring"}), by_school, by_reason),
            pop({"autumn", "spring"}),
        ),
        ("autumn: year x sex", table(of({"autumn"}), by_year, by_sex), pop({"autumn"})),
        ("autumn: year x reason", table(of({"autumn"}), by_year, by_reason), pop({"autumn"})),
        (
            "autumn+spring: year x sex",
            table(of({"autumn", "spring"}), by_year, by_sex),
            pop({"autumn", "spring"}),
        ),
    ]
    for school in schools[:4]:  # four school reports: one school, reason x year
        releases.append(
            (
                f"autumn+spring: school {school}, reason x year",
                table(of({"autumn", "spring"}, {school}), by_reason, by_year),
                pop({"autumn", "spring"}, {school}),
            )
        )
    final = (
        "year: school x reason",
        table(of(set(TERMS)), by_school, by_reason),
        pop(set(TERMS)),
    )

    results = []
    entries: list[Entry] = []
    for number, (name, tab, population) in enumerate([*releases, final], 1):
        start = time.perf_counter()
        alone = protect(tab)
        protect_s = time.perf_counter() - start
        start = time.perf_counter()
        audited = audit_release(tab, population, entries)
        ledger_s = time.perf_counter() - start
        assert audited.passed, name
        entries.append(entry_of(number, population, audited.protected))
        row = {
            "release": name,
            "cells": len(alone.cells),
            "primary": sum(1 for r in alone.suppressed.values() if r == "primary"),
            "suppressed_alone": len(alone.suppressed),
            "suppressed_with_ledger": len(audited.protected.suppressed),
            "earlier_compared": len(audited.compared_with),
            "protect_s": round(protect_s, 3),
            "ledger_audit_s": round(ledger_s, 3),
        }
        results.append(row)
        print(
            f"{number:>2} {name:<44} cells {row['cells']:>4}  primary {row['primary']:>3}  "
            f"alone {row['suppressed_alone']:>3}  ledger {row['suppressed_with_ledger']:>3}  "
            f"vs {row['earlier_compared']:>2}  protect {protect_s:6.2f}s  audit {ledger_s:6.2f}s",
            flush=True,
        )
    name = f"disclosure_control_{args.schools}_schools.json"
    out = Path(__file__).resolve().parent / "results" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "args": vars(args),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load": os.getloadavg(),
                "results": results,
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
