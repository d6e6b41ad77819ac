"""Benchmark: appending audit events with 8 concurrent writers, without loss or fork (P14).

``--writers`` threads (default 8), each with its own database connection, start together
and each append ``--events`` events through ``seip.audit.services.audit_record``, one
transaction per event, as a service would. The same number of events is first appended by
one writer alone, for comparison. Then the script proves that nothing was lost and nothing
forked:

- the table holds exactly writers x events rows for the concurrent phase, and every
  writer's numbers 0..events-1 are each there once (no loss, no duplicate);
- ``seq`` runs 1..total with no gap or repeat, and the chain head is at the last one;
- ``seip.audit.selectors.verify`` (what ``seip audit verify`` runs) recomputes every hash
  and every prev_hash link and finds no break (no fork).

    uv run python benchmarks/audit_append.py [--writers 8] [--events 500]

SQLite (the default) uses a fresh ``<tmp>/seip.sqlite3`` with the project's settings (WAL,
``BEGIN IMMEDIATE``, busy timeout). With ``DATABASE_URL`` set to a PostgreSQL server, the
script drops and recreates ``--pg-database`` (default ``seip_bench_append``) on that
server, never the database the URL names, and drops it at the end.

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
import threading
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

from audit_verify import _pg_recreate, _pg_url, engine_version, prepare_environment

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events", type=int, default=500, help="events per writer")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="pause between a writer's transactions, outside them, as a request does other "
        "work between audited writes (default 0: back to back)",
    )
    parser.add_argument("--pg-database", default="seip_bench_append")
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="PostgreSQL: leave the database in place afterwards",
    )
    args = parser.parse_args(argv)
    if args.writers < 1 or args.events < 1:
        parser.error("--writers and --events must be at least 1")
    return args


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def append_phase(phase: str, writers: int, events: int, think: float) -> dict[str, Any]:
    """Start ``writers`` threads together; each appends ``events`` events, one per
    transaction. Returns the timings and any errors."""
    from django.db import connection, transaction

    from seip.audit.services import audit_record

    errors: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(writers + 1)

    def writer(n: int) -> None:
        mine: list[float] = []
        try:
            connection.ensure_connection()  # connect before the clock starts
            start.wait()
            for i in range(events):
                began = time.perf_counter()
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="benchmark.append",
                        detail={"phase": phase, "writer": n, "i": i},
                    )
                mine.append(time.perf_counter() - began)
                if think:
                    time.sleep(think)
        except Exception as exc:  # report every failure, whatever it is
            with lock:
                errors.append(f"writer {n}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()  # each thread has its own connection; close it here
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    appended = len(latencies)
    return {
        "phase": phase,
        "writers": writers,
        "events_per_writer": events,
        "events": appended,
        "elapsed_seconds": round(elapsed, 3),
        "events_per_second": round(appended / elapsed) if elapsed else 0,
        "commit_ms_median": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "commit_ms_p95": round(p95(latencies) * 1000, 2) if latencies else None,
        "commit_ms_max": round(max(latencies) * 1000, 2) if latencies else None,
        "think_ms": think * 1000,
        "errors": errors,
    }


def check_phase(phase: str, writers: int, events: int) -> tuple[list[str], int]:
    """Every writer's events are there, each exactly once. Also returns how often the
    chain passed from one writer to another, which shows the writers really interleaved."""
    from seip.audit.models import AuditEvent

    seen: dict[int, list[int]] = defaultdict(list)
    rows = AuditEvent.objects.filter(action="benchmark.append", detail__phase=phase)
    order = [d["writer"] for d in rows.order_by("seq").values_list("detail", flat=True)]
    handovers = sum(1 for a, b in pairwise(order) if a != b)
    for detail in rows.values_list("detail", flat=True):
        seen[detail["writer"]].append(detail["i"])
    problems = []
    count = sum(len(numbers) for numbers in seen.values())
    if count != writers * events:
        problems.append(f"{phase}: {count} events stored, expected {writers * events}")
    for n in range(writers):
        if sorted(seen.get(n, [])) != list(range(events)):
            problems.append(f"{phase}: writer {n} lost or repeated events")
    return problems, handovers


def check_chain(expected: int) -> tuple[list[str], dict[str, Any]]:
    """seq is 1..expected with no gap or repeat, the head is at the end, and the chain
    verifies."""
    from seip.audit.models import AuditEvent, ChainHead
    from seip.audit.selectors import verify

    problems = []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    if seqs != list(range(1, expected + 1)):
        problems.append(f"seq is not 1..{expected}: {len(seqs)} rows, last {seqs[-1:]}")
    head = ChainHead.objects.get(pk=ChainHead.ONLY)
    if head.seq != expected:
        problems.append(f"chain head at {head.seq}, expected {expected}")
    began = time.perf_counter()
    result = verify()
    verify_seconds = time.perf_counter() - began
    problems.extend(f"verify: {problem}" for problem in result.problems)
    if result.events != expected:
        problems.append(f"verify walked {result.events} events, expected {expected}")
    return problems, {
        "rows": len(seqs),
        "head_seq": head.seq,
        "verify_ok": result.ok,
        "verify_events": result.events,
        # Signed every SEIP_AUDIT_CHECKPOINT_EVERY events by audit_record itself.
        "verify_checkpoints": result.checkpoints,
        "verify_seconds": round(verify_seconds, 3),
    }


def run(args: argparse.Namespace, engine: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    version = engine_version(engine)
    if engine == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
        if journal != "wal":
            raise SystemExit(f"SQLite journal mode is {journal}, not wal")
        mode = connection.settings_dict["OPTIONS"].get("transaction_mode")
        print(f"Engine: {version}, journal {journal}, transactions {mode}", file=sys.stderr)
    else:
        print(f"Engine: {version}", file=sys.stderr)
    connection.close()  # the main thread only reads, after the writers are done

    total = args.writers * args.events
    phases = [
        append_phase("alone", 1, total, args.think_ms / 1000),
        append_phase("concurrent", args.writers, args.events, args.think_ms / 1000),
    ]
    problems = [error for phase in phases for error in phase["errors"]]
    for phase in phases:
        found, phase["handovers"] = check_phase(
            phase["phase"], phase["writers"], phase["events_per_writer"]
        )
        problems += found
    chain_problems, chain_facts = check_chain(2 * total)
    problems += chain_problems

    print(f"\n{version}, {os.cpu_count()} CPUs\n")
    print(
        "| engine | writers | think ms | events | elapsed s | events/s "
        "| commit ms median | p95 | max | writer handovers |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for phase in phases:
        print(
            f"| {engine} | {phase['writers']} | {phase['think_ms']:g} | {phase['events']:,} "
            f"| {phase['elapsed_seconds']:.2f} | {phase['events_per_second']:,} "
            f"| {phase['commit_ms_median']} | {phase['commit_ms_p95']} | {phase['commit_ms_max']} "
            f"| {phase['handovers']:,} |"
        )
    verdict = "PASS" if not problems else "FAIL"
    print(
        f"\n{verdict}: {chain_facts['rows']:,} rows, seq 1..{chain_facts['head_seq']:,}, "
        f"verify ok={chain_facts['verify_ok']} over {chain_facts['verify_events']:,} events "
        f"and {chain_facts['verify_checkpoints']} signed checkpoints "
        f"in {chain_facts['verify_seconds']:.2f}s"
    )
    for problem in problems[:20]:
        print(f"  {problem}")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = f"-think{args.think_ms:g}ms" if args.think_ms else ""
    out = RESULTS_DIR / f"audit_append-{engine}{suffix}.json"
    report = {
        "benchmark": "audit_append",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
        "phases": phases,
        "chain": chain_facts,
        "problems": problems,
        "passed": not problems,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {out.relative_to(BENCH_DIR.parent)}", file=sys.stderr)
    return 0 if not problems else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    original_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="seip-bench-") as tmp:
        engine = prepare_environment(Path(tmp), args.pg_database)
        try:
            return run(args, engine)
        finally:
            from django.db import connections

            connections.close_all()
            if engine == "postgresql" and not args.keep_database:
                _pg_recreate(_pg_url(original_url, "postgres"), args.pg_database, create=False)


if __name__ == "__main__":
    sys.exit(main())
