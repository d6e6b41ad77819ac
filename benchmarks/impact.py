"""The impact section at county scale: effects, what slows progress, value for money.

Pure statistics, no database: a seeded synthetic county (``seip.impact.synthetic``) of
``--students`` students in 40 schools with 9 intervention types, each given
preferentially to weaker students. Times, with ``time.perf_counter()`` in process:

1. every intervention x outcome effect (regression adjustment with HC3 intervals, the
   propensity model, overlap and balance, the doubly robust cross-check), then
   Benjamini-Hochberg across all of them;
2. what slows progress, one model per outcome;
3. cost per outcome for every intervention x value-for-money measure, each with a
   ``--resamples`` bootstrap, then Benjamini-Hochberg across them;
4. the plain-language sentences.

    uv run python benchmarks/impact.py [--students 10000] [--resamples 1000] [--repeats 3]

Exit 1 if the median whole section takes ``--limit`` seconds (30) or more. Results go to
benchmarks/results/impact.json.

``--database``: the same section from real records, end to end. Builds the demo county
(``benchmarks/outcome_report.py``: about ``--students`` students, acceptance dates spread
over five school years), then takes every intervention away from a seeded 40% of the
students, because the demo gives every student at least one and the estimates need a
comparison group. Times, for the county and ``--year``: loading the records and building
the frames (``seip.impact.frames``), then ``impact_section`` whole (frames, every effect,
the progress models, 1,000-resample costs per outcome, and each table released through
the ledger). SQLite in a temporary file unless ``DATABASE_URL`` names PostgreSQL (as in
``outcome_report.py``). Results go to benchmarks/results/impact_database_<engine>.json.

    uv run python benchmarks/impact.py --database [--students 10000] [--year 2025]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from seip.impact import costs, estimate, factors, summaries
from seip.impact.synthetic import Planted, county, outcome_frame

INTERVENTIONS = (
    Planted("Mentoring", 0.06, attendance=3.0, suspensions=-0.2, unit_cost=800.0),
    Planted("Tutoring", 0.06, attainment=0.3, unit_cost=650.0),
    Planted("Nurture group", 0.05, behaviour=-1.0, attitude=0.3, unit_cost=1_100.0),
    Planted("Family support", 0.05, attendance=2.0, unit_cost=1_500.0),
    Planted("Study skills", 0.05, unit_cost=150.0),
    Planted("Counselling", 0.05, attitude=0.4, unit_cost=900.0),
    Planted("Alternative provision", 0.04, permanent_exclusion=-0.02, unit_cost=9_000.0),
    Planted("Sports coaching", 0.05, attendance=1.0, unit_cost=300.0),
    Planted("Reading recovery", 0.05, attainment=0.2, unit_cost=400.0),
)
OUTCOMES = ("attendance", "behaviour", "attitude", "attainment")
MEASURES = {
    "attendance_point": "attendance",
    "persistent_absence": "attendance",
    "suspension": "suspensions",
    "permanent_exclusion": "permanent_exclusion",
}


def section(wide: Any, resamples: int) -> tuple[dict[str, float], dict[str, int]]:
    times: dict[str, float] = {}
    start = time.perf_counter()
    frames = {
        (p.name, o): outcome_frame(wide, p.name, o)
        for p in INTERVENTIONS
        for o in {*OUTCOMES, *MEASURES.values()}
    }
    times["frames"] = time.perf_counter() - start

    mark = time.perf_counter()
    effects = estimate.apply_benjamini_hochberg(
        [
            estimate.estimate_effect(frames[(p.name, o)], o, name=p.name)
            for p in INTERVENTIONS
            for o in OUTCOMES
        ]
    )
    times["effects"] = time.perf_counter() - mark

    mark = time.perf_counter()
    everyone = outcome_frame(wide, "", "attendance", others=True)
    slow = []
    for o in OUTCOMES:
        frame = everyone.copy()
        frame["baseline"], frame["followup"] = wide[f"baseline_{o}"], wide[f"followup_{o}"]
        slow.extend(factors.progress_factors(frame, o))
    times["factors"] = time.perf_counter() - mark

    mark = time.perf_counter()
    bench = costs.Benchmarks(resamples=resamples)
    value = costs.apply_benjamini_hochberg(
        costs.costs_per_outcome(
            [
                costs.CostRequest(frames[(p.name, outcome)], measure, p.name)
                for p in INTERVENTIONS
                for measure, outcome in MEASURES.items()
            ],
            benchmarks=bench,
            seed=1,
        )
    )
    times["value_for_money"] = time.perf_counter() - mark

    mark = time.perf_counter()
    sentences = [summaries.summarise_effect(e) for e in effects]
    sentences += [summaries.summarise_cost(c) for c in value]
    sentences += [summaries.summarise_factor(f) for f in slow]
    times["summaries"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    counts = {
        "effects": len(effects),
        "conclusive_effects": sum(e.verdict in ("higher", "lower") for e in effects),
        "factors": len(slow),
        "costs": len(value),
        "costs_with_figure": sum(c.estimable for c in value),
        "sentences": len(sentences),
    }
    return times, counts


def database(args: argparse.Namespace) -> None:
    import random
    import tempfile

    import outcome_report as demo  # benchmarks/outcome_report.py: the demo county

    with tempfile.TemporaryDirectory() as tmp:
        engine, admin_url = demo.prepare(Path(tmp))
        try:
            result = _database_run(args, demo, random.Random(args.seed))  # noqa: S311 - seeded
        finally:
            if admin_url:
                from django.db import connections

                connections.close_all()
                demo._pg_recreate(admin_url, create=False)
    result = {
        "engine": engine,
        "args": vars(args),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        **result,
    }
    print(json.dumps(result, indent=2))
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"impact_database_{engine}.json").write_text(json.dumps(result, indent=2))
    if result["section_s"] >= args.limit:
        print(f"FAIL: {result['section_s']:.1f} s >= {args.limit} s")
        sys.exit(1)


def _database_run(args: argparse.Namespace, demo, rng) -> dict[str, object]:  # type: ignore[no-untyped-def]
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from seip.accounts.models import Role, User
    from seip.impact.frames import load, outcome_frame
    from seip.impact.report import impact_section
    from seip.organisations.models import LocalAuthority
    from seip.provision.models import Intervention, PlacementReview
    from seip.reports.outcomes import Recipient, policy_for
    from seip.reports.population import Period, Scope
    from seip.students.models import Student

    call_command("migrate", interactive=False, verbosity=0)
    start = time.perf_counter()
    demo.build(args.students, args.seed)
    ids = list(Student.objects.values_list("pk", flat=True))
    untreated = rng.sample(ids, k=int(len(ids) * 0.4))
    with transaction.atomic():
        for chunk in range(0, len(untreated), 2000):
            part = untreated[chunk : chunk + 2000]
            PlacementReview.objects.filter(placement__intervention__student__in=part).delete()
            Intervention.objects.filter(student__in=part).delete()
        # The demo dates interventions from the referral's signature; the acceptance
        # dates were just spread over five years, so move each intervention with them.
        accepted = dict(Student.objects.values_list("pk", "created_at"))
        moved = list(Intervention.objects.only("pk", "student_id", "start_date", "end_date"))
        for intervention in moved:
            first = accepted[intervention.student_id].date() + dt.timedelta(days=rng.randint(7, 45))
            if intervention.end_date is not None:
                intervention.end_date = first + (intervention.end_date - intervention.start_date)
            intervention.start_date = first
        Intervention.objects.bulk_update(moved, ["start_date", "end_date"], batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database has
    build_s = time.perf_counter() - start

    scope = Scope(local_authority=LocalAuthority.objects.get())
    period = Period(args.year)
    officer = User.objects.filter(memberships__role=Role.LA_OFFICER).first() or User.objects.get(
        email="coordinator@seip.example"
    )
    load_before = os.getloadavg()
    start = time.perf_counter()
    records = load(scope=scope, period=period)
    frames = [outcome_frame(records, g, "attendance") for g in records.groups]
    frames_s = time.perf_counter() - start
    start = time.perf_counter()
    section = impact_section(
        scope=scope,
        period=period,
        recipient=Recipient(Role.LA_OFFICER),
        actor=officer,
        policy=policy_for(scope),
    )
    section_s = time.perf_counter() - start
    return {
        "students": len(ids),
        "students_in_scope": len(records.people),
        "comparison": len(records.comparison),
        "groups": len(records.groups),
        "largest_frame": max((len(f) for f in frames), default=0),
        "figures": len(section.figures),
        "estimates": sum(
            1
            for f in section.figures
            if f.measure.startswith("impact_effect")
            for (row, column), shown in f.cells.items()
            if column == "Estimate" and shown.value is not None
        ),
        "build_s": round(build_s, 1),
        "frames_s": round(frames_s, 2),
        "section_s": round(section_s, 2),
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--resamples", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--limit", type=float, default=30.0)
    parser.add_argument("--database", action="store_true", help="from the demo county's records")
    parser.add_argument("--year", type=int, default=2025, help="with --database: school year")
    args = parser.parse_args()
    if args.database:
        database(args)
        return

    load_before = os.getloadavg()
    mark = time.perf_counter()
    wide = county(args.students, INTERVENTIONS, seed=args.seed, schools=args.schools)
    build = time.perf_counter() - mark
    runs = [section(wide, args.resamples) for _ in range(args.repeats)]
    load_after = os.getloadavg()
    stages = list(runs[0][0])
    medians = {s: statistics.median(r[0][s] for r in runs) for s in stages}
    counts = runs[0][1]

    print(
        f"{args.students:,} students, {args.schools} schools, {len(INTERVENTIONS)} "
        f"interventions, {len(OUTCOMES)} outcomes, {args.resamples:,} resamples; "
        f"{args.repeats} runs (data built in {build:.2f} s)\n"
    )
    print("| Stage | Median (s) | Min (s) | Max (s) |")
    print("|---|---:|---:|---:|")
    for s in stages:
        values = [r[0][s] for r in runs]
        print(f"| {s} | {medians[s]:.2f} | {min(values):.2f} | {max(values):.2f} |")
    print(f"\nCounts: {counts}")
    print(f"Load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")

    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "impact.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "build_seconds": build,
                "runs": [r[0] for r in runs],
                "medians": medians,
                "counts": counts,
                "load_before": load_before,
                "load_after": load_after,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )
    if medians["total"] >= args.limit:
        print(f"FAIL: median {medians['total']:.1f} s >= {args.limit} s")
        sys.exit(1)


if __name__ == "__main__":
    main()
