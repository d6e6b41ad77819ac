"""Disclosure control at county scale: ``protect`` and the ledger's differencing audit.

Pure engine, no database: a seeded synthetic county (students spread over schools,
terms, six referral reasons, five year groups and two sexes) is cut into the tables a
partnership would release in a year. Each release is audited against every earlier one
(``reports.ledger.audit_release``), as ``reports.services.release_record`` does, and the
final table against all of them.

    uv run python benchmarks/disclosure_control.py [--schools 40] [--students 2000]

``--scenario county`` instead mimics a county's year of "students" reports: five
partnerships of eight schools; per partnership an autumn and a spring termly report and
an annual report (1-D tables by school, year group, sex, SEN, disadvantaged, ethnicity
and tier); every school's annual report (year group, sex, SEN, disadvantaged); then the
county's annual report (by partnership, a grouping of schools, and the same
categories, plus partnership x tier). It reports the county report's total audit time.

Results go to benchmarks/results/disclosure_control_<schools>_schools.json (or
disclosure_control_county.json).
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

from seip.disclosure.control import protect
from seip.disclosure.tables import TOTAL, Cell, CellKind, Table
from seip.reports.ledger import Entry, Population, audit_release, entry_of

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


COUNTY = {
    "year": YEARS,
    "sex": SEXES,
    "sen": ("none", "support", "ehcp"),
    "disadvantaged": ("yes", "no"),
    "ethnicity": ("white", "mixed", "asian", "black", "chinese", "other", "unknown"),
    "tier": ("1", "2", "3"),
}
WEIGHTS = {
    "year": (1, 1, 1, 1, 1),
    "sex": (1, 1),
    "sen": (80, 15, 5),
    "disadvantaged": (45, 55),
    "ethnicity": (74, 6, 9, 5, 1, 2, 3),
    "tier": (5, 3, 2),
}


def county(args: argparse.Namespace) -> list[dict[str, object]]:
    """The county scenario: returns one result row per release."""
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, seeded for repeatability
    partnerships = {f"P{p}": tuple(f"{p}-{s}" for s in range(8)) for p in range(5)}
    schools = [s for members in partnerships.values() for s in members]
    weights = [rng.uniform(0.3, 2.0) for _ in schools]
    people = [
        {
            "school": rng.choices(schools, weights)[0],
            "term": rng.choice(TERMS),
            **{k: rng.choices(v, WEIGHTS[k])[0] for k, v in COUNTY.items()},
        }
        for _ in range(args.students)
    ]
    for person in people:
        person["partnership"] = "P" + person["school"].split("-")[0]
    groups = {"partnership": {p: frozenset(m) for p, m in partnerships.items()}}

    def report(name, in_schools, terms, breakdowns, **extra):
        chosen = [p for p in people if p["school"] in in_schools and p["term"] in terms]
        pop = Population(frozenset(in_schools), "2025-26", frozenset(terms), **extra)
        return [
            (f"{name}: {' x '.join(b[0] for b in bs)}", table(chosen, *bs, measure="students"), pop)
            for bs in breakdowns
        ]

    one_d = [((k, v),) for k, v in COUNTY.items()]
    releases = []
    for terms in ({"autumn"}, {"spring"}, set(TERMS)):
        label = "+".join(sorted(terms)) if len(terms) < 3 else "year"
        for p, members in partnerships.items():
            by_school = (("school", members),)
            releases += report(f"{p} {label}", members, terms, [by_school, *one_d])
    for school in schools:
        releases += report(f"school {school} year", {school}, set(TERMS), one_d[:4])
    by_partnership = ("partnership", tuple(partnerships))
    final = report(
        "county year",
        schools,
        set(TERMS),
        [(by_partnership,), *one_d, (by_partnership, ("tier", COUNTY["tier"]))],
        school_groups=groups,
    )
    return run([*releases, *final], first_final=len(releases), args=args)


def run(releases, *, first_final: int, args: argparse.Namespace) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    entries: list[Entry] = []
    county_s = 0.0
    for number, (name, tab, population) in enumerate(releases, 1):
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
        if number > first_final:
            county_s += ledger_s + protect_s
        if args.verbose or number > first_final:
            print(
                f"{number:>3} {name:<44} cells {row['cells']:>4}  primary {row['primary']:>3}  "
                f"alone {row['suppressed_alone']:>3}  ledger {row['suppressed_with_ledger']:>3}  "
                f"vs {row['earlier_compared']:>3}  protect {protect_s:6.2f}s  "
                f"audit {ledger_s:6.2f}s",
                flush=True,
            )
    total = sum(float(r["ledger_audit_s"]) for r in results)  # type: ignore[arg-type]
    print(f"all {len(results)} audits: {total:.1f} s; final report: {county_s:.2f} s")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--students", type=int, default=2000, help="referred in the year")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", choices=("fine", "county"), default="fine")
    parser.add_argument("--verbose", action="store_true", help="print every release")
    args = parser.parse_args()
    if args.scenario == "county":
        write(county(args), args, "disclosure_control_county.json")
        return
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

    args.verbose = True
    results = run([*releases, final], first_final=len(releases), args=args)
    write(results, args, f"disclosure_control_{args.schools}_schools.json")


def write(results: list[dict[str, object]], args: argparse.Namespace, name: str) -> None:
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
