"""Benchmark: the full access bundle (PDF and zip) for a student with five years of history.

Builds a small deterministic demo county (``--students`` referrals in one partnership) in
a fresh database, picks the student with the most history rows, multiplies that history
(``--grow``: case notes, contacts, incidents, exclusions, attitude ratings, attainment,
provision) and adds ``--reads`` audited reads of the record (the access log) and a few
attached files, then times, as the partnership's co-ordinator:

- ``bundle_prepare``: assembling the record and flagging items for the redaction review;
- the released bundle: assembling again, applying the decisions, the PDF and the zip
  (``bundles.services.build_released``), ``--runs`` times (median and worst reported);
- ``bundle_release``: the same plus sealing and storing both files and completing the
  request.

    uv run python benchmarks/access_bundle.py [--students 60] [--grow 9] [--reads 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seip_bench_bundle \
        uv run python benchmarks/access_bundle.py

SQLite (the default) uses a fresh ``<tmp>/seip.sqlite3``. With ``DATABASE_URL`` set, the
database the URL names is dropped and recreated on that server (give it a scratch name).

Target (exit 1 if missed): the released bundle (PDF and zip) median under 3 s, and the
assembly's query count the same before and after growing the history.

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
TARGET_S = 3.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=60, help="referrals (demo --students)")
    parser.add_argument("--grow", type=int, default=9, help="extra copies of the history")
    parser.add_argument("--reads", type=int, default=2000, help="audited reads of the record")
    parser.add_argument("--files", type=int, default=10, help="attached files (100 KB each)")
    parser.add_argument("--runs", type=int, default=5, help="timed builds of the bundle")
    return parser.parse_args(argv)


def prepare_environment(data_dir: Path) -> str:
    """Point the settings at a fresh database (before django.setup()); return the engine."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    os.environ["SEIP_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SEIP_LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite"
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme!r}")
    database = parts.path.lstrip("/")
    if not database or database == "postgres":
        raise SystemExit("Name a scratch database in DATABASE_URL: it is dropped and recreated")
    import psycopg
    from psycopg import sql

    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return "postgresql"


def engine_version(engine: str) -> str:
    from django.db import connection

    if engine == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def pick_student() -> Any:
    """The student with the most history rows among those with an open case."""
    from django.db.models import Count

    from seip.students.models import Student

    return (
        Student.objects.filter(archived_at__isnull=True, cases__status__in=["active", "accepted"])
        .annotate(
            n_years=Count("attendance_years", distinct=True),
            n_notes=Count("case_notes", distinct=True),
            n_incidents=Count("incidents", distinct=True),
        )
        .order_by("-n_years", "-n_notes", "-n_incidents", "pk")
        .first()
    )


GROW_MODELS = [
    "behaviour.Incident",
    "behaviour.Exclusion",
    "behaviour.AttitudeRating",
    "behaviour.AttainmentResult",
    "records.CaseNote",
    "records.Contact",
    "provision.Intervention",
]


def grow_history(pk: int, times: int) -> int:
    """Copy the student's rows of each GROW_MODELS model ``times`` more times."""
    from django.apps import apps

    added = 0
    for label in GROW_MODELS:
        model = apps.get_model(label)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        originals = list(model.objects.filter(student_id=pk))
        copies = [
            model(**{f.attname: getattr(row, f.attname) for f in fields})
            for _ in range(times)
            for row in originals
        ]
        model.objects.bulk_create(copies, batch_size=500)
        added += len(copies)
    return added


def history_rows(student: Any, data: Any) -> dict[str, int]:
    return {key: len(rows) for key, rows in data.tables.items() if rows}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="seip-bundle-bench-"))
    engine = prepare_environment(tmp)
    sys.path.insert(0, str(BENCH_DIR.parent / "src"))
    import django

    django.setup()
    import pypdf
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from seip.accounts.models import Membership, Role
    from seip.bundles import services
    from seip.bundles.assemble import assemble
    from seip.bundles.models import Decision
    from seip.demo.generator import Scale, generate
    from seip.records import services as records
    from seip.rights.models import ReceivedVia, RequesterKind, RequestType
    from seip.rights.services import IdentityCheck, Requester, rights_request_create
    from seip.sharing.services import record_read

    call_command("migrate", interactive=False, verbosity=0)
    start = time.perf_counter()
    generate(Scale(partnerships=1, schools_per_partnership=3, students=args.students))
    build_s = time.perf_counter() - start
    student = pick_student()
    coordinator = (
        Membership.objects.filter(role=Role.COORDINATOR, partnership=student.partnership)
        .first()
        .user
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assemble(student, coordinator)
        return len(captured)

    start = time.perf_counter()
    today = timezone.localdate()
    payload = os.urandom(100 * 1024)
    for i in range(args.files):
        records.note_add(
            student=student, kind="meeting", happened_on=today - dt.timedelta(days=i),
            text=f"Meeting {i}: talked with Priya about the attendance plan.",
            attachments=[records.Upload(f"letter-{i}.pdf", "application/pdf", payload)],
            actor=coordinator,
        )  # fmt: skip
    # Measured once every part of the record has rows (one read: the access log is not
    # empty), then again after growing them.
    record_read(actor=coordinator, student=student, part="profile")
    queries_before = queries()
    with transaction.atomic():
        grown = grow_history(student.pk, args.grow)
    for _ in range(args.reads):
        record_read(actor=coordinator, student=student, part="profile")
    grow_s = time.perf_counter() - start
    queries_after = queries()

    request = rights_request_create(
        partnership=student.partnership, student=student, type=RequestType.ACCESS,
        details="", requester=Requester(RequesterKind.PARENT_CARER, "A Parent", "p@example.test"),
        received_via=ReceivedVia.EMAIL, received_on=today,
        identity=IdentityCheck(today, "Known to the co-ordinator"),
        parental_responsibility_how="Named on the referral", actor=coordinator,
    )  # fmt: skip
    start = time.perf_counter()
    bundle = services.bundle_prepare(request=request, actor=coordinator)
    prepare_s = time.perf_counter() - start
    items = list(bundle.items.all())
    for n, item in enumerate(items):
        decision = (Decision.RELEASE, Decision.REDACT)[n % 2]
        services.flagged_item_decide(
            item=item, decision=decision, reason="Reviewed",
            replacement="Content about another person.", actor=coordinator,
        )  # fmt: skip

    timings: list[float] = []
    sizes: dict[str, int] = {}
    for _ in range(args.runs):
        start = time.perf_counter()
        data, released = services.build_released(bundle, coordinator)
        timings.append(time.perf_counter() - start)
        sizes = {"pdf_bytes": len(released.pdf or b""), "zip_bytes": len(released.zip)}
    # One more build, step by step, to say where the time goes.
    from seip.bundles import output, redaction

    steps: dict[str, float] = {}
    start = time.perf_counter()
    data = redaction.apply(assemble(student, coordinator), services.rulings_of(bundle))
    steps["assemble_and_redact_s"] = time.perf_counter() - start
    start = time.perf_counter()
    output.render_pdf(data)
    steps["pdf_s"] = time.perf_counter() - start
    start = time.perf_counter()
    output.render_zip(data, portability=False)
    steps["zip_s"] = time.perf_counter() - start
    # The tagged PDF's streams are compressed (ADR 0043): count its pages with pypdf.
    pages = len(pypdf.PdfReader(io.BytesIO(released.pdf)).pages) if released.pdf else 0
    start = time.perf_counter()
    services.bundle_release(bundle=bundle, actor=coordinator)
    release_s = time.perf_counter() - start

    median = statistics.median(timings)
    result = {
        "benchmark": "access_bundle",
        "engine": engine_version(engine),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "build_county_s": round(build_s, 2),
        "grow_s": round(grow_s, 2),
        "rows_added": grown,
        "rows": history_rows(student, data),
        "attendance_years": len(data.tables["attendance_years"]),
        "flagged_items": len(items),
        "assembly_queries": {"before_growing": queries_before, "after_growing": queries_after},
        "prepare_s": round(prepare_s, 3),
        "released_bundle_s": {"median": round(median, 3), "max": round(max(timings), 3)},
        "steps": {key: round(value, 3) for key, value in steps.items()},
        "release_s": round(release_s, 3),
        "pdf_pages": pages,
        **sizes,
        "target_s": TARGET_S,
    }
    result["met"] = median < TARGET_S and queries_before == queries_after
    print(json.dumps(result, indent=2))
    out = BENCH_DIR / "results" / f"access_bundle-{engine}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
