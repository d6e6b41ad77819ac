"""Check: the county outcome report publishes and records exactly the same before and
after a change (ADR 0039), and times it on the same data.

Builds the benchmark's data once (``outcome_report.build``: the demo county at county
scale, acceptance dates over five years) into a snapshot, then for each run restores the
snapshot, releases the five partnerships' annual reports and then the county report, as
``outcome_report.py`` does, and prints one hash of each of:

- ``document``: every published document (``document.to_json``, without the release time);
- ``shown``: the same documents with every cell as a reader sees it (``present``: rounded
  to its unit's precision, or its symbol): what ADR 0055 keeps equal when ``document``
  may move by the last bits of a number no reader is shown;
- ``releases``: every ``Release`` row (measure, kind, breakdowns, population, policy,
  cells with their true values and suppression, ``compared_with``, recipient);
- ``audit``: every ``report.*`` audit event (action, object and detail).

    uv run python benchmarks/report_check.py --snapshot /tmp/snap [--src OTHER/src]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres uv run python \
        benchmarks/report_check.py --snapshot /tmp/snap

``--src`` runs another checkout's code (say, ``git archive main src``) on the same
snapshot, so the hashes of the code before and after a change can be compared. The
snapshot holds the data directory (SQLite file and keys); on PostgreSQL also the
database ``seip_check_snapshot``, copied to ``seip_check_run`` for each run.
``--profile FILE`` writes a cProfile of the county report.
This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
SNAPSHOT_DB = "seip_check_snapshot"
RUN_DB = "seip_check_run"


def _pg(url: str, database: str) -> str:
    # Not imported from outcome_report: importing it puts this checkout's src first on
    # the path, and ``--src`` must decide which code runs.
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def _admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_pg(url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _as_shown(document: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (the document's JSON) with every cell as a reader sees it (``present``:
    rounded to its unit's precision, or its symbol) instead of the number kept."""
    from seip.reports.present import present

    shown = json.loads(json.dumps(data, default=str))
    for section, kept in zip(document.sections, shown["sections"], strict=True):
        for figure, out in zip(section.figures, kept["figures"], strict=True):
            out["cells"] = [
                [row, column, present(cell, figure.unit).text]
                for (row, column), cell in figure.cells.items()
            ]
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--src", type=Path, default=BENCH_DIR.parent / "src")
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--dump", type=Path, help="write what is hashed, as JSON")
    parser.add_argument("--hook", type=Path, help="a Python file run after Django is set up")
    parser.add_argument(
        "--pg-prefix",
        default="seip_check",
        help="PostgreSQL: the snapshot and run databases are PREFIX_snapshot and PREFIX_run",
    )
    args = parser.parse_args()
    global SNAPSHOT_DB, RUN_DB  # used by the helpers below
    SNAPSHOT_DB, RUN_DB = f"{args.pg_prefix}_snapshot", f"{args.pg_prefix}_run"

    sys.path.insert(0, str(args.src.resolve()))
    url = os.environ.get("DATABASE_URL", "")
    engine = "postgresql" if url else "sqlite"
    snap = args.snapshot / engine
    os.environ["DJANGO_SETTINGS_MODULE"] = "seip.settings"
    os.environ.setdefault("SEIP_LOG_LEVEL", "WARNING")
    fresh = not snap.exists()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        if fresh:
            data.mkdir()
        else:
            shutil.copytree(snap, data)
        os.environ["SEIP_DATA_DIR"] = str(data)
        if url:
            if fresh:
                _admin(url, f"DROP DATABASE IF EXISTS {SNAPSHOT_DB} WITH (FORCE)")
                _admin(url, f"CREATE DATABASE {SNAPSHOT_DB}")
                os.environ["DATABASE_URL"] = _pg(url, SNAPSHOT_DB)
            else:
                _admin(
                    url,
                    f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)",
                    f"CREATE DATABASE {RUN_DB} TEMPLATE {SNAPSHOT_DB}",
                )
                os.environ["DATABASE_URL"] = _pg(url, RUN_DB)
        import django

        django.setup()
        from django.db import connections

        if fresh:
            from django.core.management import call_command

            sys.path.insert(0, str(BENCH_DIR))
            from outcome_report import build

            call_command("migrate", interactive=False, verbosity=0)
            build(args.students, args.seed)
            connections.close_all()
            shutil.copytree(data, snap)
            print(f"snapshot written to {snap}; run again to check")
            return
        if args.hook:
            exec(compile(args.hook.read_text(), str(args.hook), "exec"), {})  # noqa: S102
        try:
            result = run(args)
        finally:
            connections.close_all()
            if url:
                _admin(url, f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)")
    result = {"engine": engine, "src": str(args.src), "load": os.getloadavg(), **result}
    print(json.dumps(result, indent=2))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from seip.accounts.models import Role, User
    from seip.audit.models import AuditEvent
    from seip.organisations.models import LocalAuthority, Partnership
    from seip.reports.document import to_json
    from seip.reports.models import Release
    from seip.reports.outcomes import Recipient, outcome_report
    from seip.reports.population import Period, Scope

    period = Period(args.year)
    coordinator = User.objects.get(email="coordinator@seip.example")
    officer = User.objects.filter(memberships__role=Role.LA_OFFICER).first() or coordinator
    documents = []
    start = time.perf_counter()
    for partnership in Partnership.objects.order_by("pk"):
        documents.append(
            outcome_report(
                scope=Scope(partnership=partnership),
                period=period,
                recipient=Recipient(Role.COORDINATOR),
                actor=coordinator,
            )
        )
    partnerships_s = time.perf_counter() - start
    scope = Scope(local_authority=LocalAuthority.objects.get())
    sys.path.insert(0, str(BENCH_DIR))
    from outcome_report import raw_sql

    raw_s = min(raw_sql(args.year) for _ in range(3))
    marks: list[tuple[int, int, float, float]] = []
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    cpu = time.process_time()
    if profiler:
        profiler.enable()
    documents.append(
        outcome_report(
            scope=scope,
            period=period,
            recipient=Recipient(Role.LA_OFFICER),
            actor=officer,
            progress=lambda done, total: marks.append(
                (done, total, time.perf_counter(), time.process_time())
            ),
        )
    )
    if profiler:
        profiler.disable()
    county_s = time.perf_counter() - start
    # Process time too: on a shared machine it moves less with other work than the wall
    # clock does (the PostgreSQL server's own time is not in it).
    county_cpu = time.process_time() - cpu
    outcome_cpu = max((c for done, total, _, c in marks if done < total), default=cpu) - cpu
    if profiler:
        profiler.dump_stats(args.profile)
    outcome_s = max((t for done, total, t, _ in marks if done < total), default=start) - start

    published = []
    shown = []
    for document in documents:
        data = to_json(document)
        data.pop("released_at", None)
        published.append(data)
        shown.append(_as_shown(document, data))
    releases = [
        {
            "measure": r.measure,
            "kind": r.kind,
            "breakdowns": r.breakdowns,
            "population": r.population,
            "policy": r.policy,
            "cells": r.cells,
            "compared_with": r.compared_with,
            "partnership": r.partnership_id,
            "local_authority": r.local_authority_id,
            "released_by": r.released_by_id,
            "recipient": [r.recipient_role, r.recipient_organisation_id],
        }
        for r in Release.objects.order_by("pk")
    ]
    events = [
        {"action": e.action, "object": [e.object_type, e.object_id], "detail": e.detail}
        for e in AuditEvent.objects.filter(action__startswith="report").order_by("seq")
    ]
    if args.dump:
        args.dump.write_text(
            json.dumps(
                {"document": published, "releases": releases, "audit": events},
                indent=1,
                sort_keys=True,
                default=str,
            )
        )
    return {
        "partnership_reports_s": round(partnerships_s, 2),
        "county_report_s": round(county_s, 2),
        "outcome_tables_s": round(outcome_s, 2),
        "impact_s": round(county_s - outcome_s, 2),
        "county_report_cpu_s": round(county_cpu, 2),
        "outcome_tables_cpu_s": round(outcome_cpu, 2),
        "raw_sql_s": round(raw_s, 3),
        "outcome_tables_ratio_to_raw_sql": round(outcome_s / raw_s, 1),
        "releases": len(releases),
        "audit_events": len(events),
        "document": _digest(published),
        "shown": _digest(shown),
        "releases_hash": _digest(releases),
        "audit": _digest(events),
    }


if __name__ == "__main__":
    main()
