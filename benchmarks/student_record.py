"""Benchmark: the student record at county scale (profile, caseload list, progress PDF).

Builds the deterministic demo county with ``--students`` referrals (default 10,000, so
about 7,000 student records with five years of attendance and their behaviour, records
and provision histories) in a fresh database, signs in as demo logins (password and
second factor), and times, through Django's test client:

- the profile ``/students/<pk>/`` for the visible student with the most history rows and
  for the one with the fewest;
- the caseload list ``/students/`` as the co-ordinator (``coordinator@seip.example``) and
  as the key worker (``keyworker@seip.example``), both in Wreake and Soar SEIP;
- the search ``/students/?q=`` as the co-ordinator, by a first name and part of a surname (names are
  sealed, so it opens the names of every student the co-ordinator may see) and by a UPN
  (through the blind index);
- the progress PDF ``/students/<pk>/progress.pdf`` for the same two students.

    uv run python benchmarks/student_record.py [--students 10000] [--requests 50]

SQLite (the default) uses a fresh ``<tmp>/seip.sqlite3`` in WAL mode. With
``DATABASE_URL`` set to a PostgreSQL server, the script drops and recreates the database
``seip_bench`` on that server (never the database the URL names). ``--keep-database``
keeps the database and its data directory (``benchmarks/results/student_record-<engine>``,
which holds the data key the encrypted case notes need) and reuses them next time if
they already hold the county at that scale, so repeated runs skip the build.

Targets (exit 1 if one is missed): profile, caseload and search median under 150 ms; progress
PDF median under 2 s; the profile's query count the same for the longest and the
shortest history.

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from home_page import (
    _pg_admin_url,
    _pg_bench_url,
    _pg_recreate,
    engine_version,
    p95,
    signed_in_client,
)

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
COORDINATOR = "coordinator@seip.example"
KEY_WORKER = "keyworker@seip.example"
PARTNERSHIP = "Wreake and Soar SEIP"
#: Median targets, in milliseconds, by page kind.
#: Latest case status, key worker assigned, archived.
ACTIVE_STATE = ("active", True, False)
TARGETS_MS = {"profile": 150.0, "caseload": 150.0, "search": 150.0, "progress_pdf": 2000.0}


@dataclass
class Row:
    engine: str
    page: str
    kind: str
    login: str
    url: str
    requests: int
    median_ms: float
    p95_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float
    queries: int
    target_ms: float
    #: Median CPU time of this process per request: the test client serves in-process, and
    #: SQLite answers in-process too, so on a busy machine this moves far less than the
    #: wall time (the figure to compare code before and after a change).
    cpu_median_ms: float = 0.0
    history_rows: int | None = None
    response_bytes: int = 0
    repeated_sql: dict[str, int] = field(default_factory=dict)
    sql: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.median_ms < self.target_ms


def code_version() -> dict[str, Any]:
    """The commit and whether src/ had uncommitted changes (read-only git calls)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "src_changes": git("status", "--porcelain", "src"),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000, help="referrals (demo --students)")
    parser.add_argument("--partnerships", type=int, default=5)
    parser.add_argument("--schools-per-partnership", type=int, default=8)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument(
        "--pdf-requests", type=int, default=None, help="timed PDF requests (default --requests)"
    )
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first")
    parser.add_argument(
        "--grow",
        type=int,
        default=10,
        help="also measure a profile after copying its history this many more times, "
        "in a transaction rolled back afterwards (0: skip; default 10)",
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="keep the database and data directory, and reuse them if they hold the county",
    )
    args = parser.parse_args(argv)
    if args.requests < 2 or args.warmup < 0 or args.students < 10:
        parser.error("--requests must be at least 2, --warmup 0 or more, --students 10 or more")
    if args.pdf_requests is None:
        args.pdf_requests = args.requests
    if args.pdf_requests < 2:
        parser.error("--pdf-requests must be at least 2")
    return args


# Database set-up: before django.setup(), because settings read the environment at import.


def _pg_database_exists(admin_url: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", ["seip_bench"]
        ).fetchone()
    return found is not None


def prepare_environment(data_dir: Path, *, keep: bool) -> tuple[str, bool]:
    """Point the settings at the database; return the engine and whether it may be reused
    (``keep`` and an existing data directory and database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    os.environ["SEIP_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SEIP_LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL", "")
    existing_dir = keep and (data_dir / "data_key").exists()
    if not url:
        return "sqlite", existing_dir and (data_dir / "seip.sqlite3").exists()
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {urlsplit(url).scheme!r}")
    admin = _pg_admin_url(url)
    reuse = existing_dir and _pg_database_exists(admin)
    if not reuse:
        _pg_recreate(admin)
    os.environ["DATABASE_URL"] = _pg_bench_url(url)
    return "postgresql", reuse


# Building the county, timed step by step --------------------------------------------------


def timed_generate(scale: Any) -> dict[str, float]:
    """``generate(scale)`` with each step of the generator timed (by wrapping the module's
    own step functions in this process; nothing in src/ changes)."""
    from seip.demo import generator

    phases: dict[str, float] = defaultdict(float)

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)  # the generator knows its histories through the wrapper
        def timed(*a: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                phases[name] += time.perf_counter() - start

        return timed

    saved_globals = {
        name: getattr(generator, name)
        for name in ("build_county", "build_casework", "build_consultations",
                     "build_logins", "build_portal")
    }  # fmt: skip
    saved_steps, saved_histories = list(generator.STEPS), list(generator.HISTORIES)
    try:
        for name, fn in saved_globals.items():
            setattr(generator, name, wrap(name, fn))
        generator.STEPS[:] = [wrap(f.__name__, f) for f in saved_steps]
        generator.HISTORIES[:] = [wrap(f"{f.__module__}.{f.__name__}", f) for f in saved_histories]
        start = time.perf_counter()
        generator.generate(scale)
        phases["total"] = time.perf_counter() - start
    finally:
        for name, fn in saved_globals.items():
            setattr(generator, name, fn)
        generator.STEPS[:] = saved_steps
        generator.HISTORIES[:] = saved_histories
    # build_students contains casework, consultations and the histories.
    return {k: round(v, 2) for k, v in phases.items()}


# History rows ---------------------------------------------------------------------------


def history_paths() -> list[tuple[Any, str]]:
    """(model, lookup to the student id) for every model that hangs off a student, up to
    three relations away (e.g. placement reviews: review -> placement -> intervention ->
    student)."""
    from seip.students.models import Student

    found: list[tuple[Any, str]] = []

    def walk(model: Any, path: str, depth: int) -> None:
        for rel in model._meta.related_objects:
            related = rel.related_model
            if related is model or related is Student or not (rel.one_to_many or rel.one_to_one):
                continue
            lookup = f"{rel.field.name}__{path}" if path else rel.field.name
            found.append((related, lookup))
            if depth < 3:
                walk(related, lookup, depth + 1)

    walk(Student, "", 1)
    return found


def history_counts(student_ids: list[int]) -> tuple[Counter[int], dict[int, dict[str, int]]]:
    from django.db.models import Count

    totals: Counter[int] = Counter()
    detail: dict[int, dict[str, int]] = defaultdict(dict)
    wanted = set(student_ids)
    for model, lookup in history_paths():
        rows = model.objects.values(lookup).annotate(n=Count("pk")).order_by()
        for row in rows:
            sid = row[lookup]
            if sid in wanted:
                totals[sid] += row["n"]
                detail[sid][model._meta.label] = detail[sid].get(model._meta.label, 0) + row["n"]
    return totals, detail


def case_states(student_ids: list[int]) -> dict[int, tuple[str, bool, bool]]:
    """Each student's record state: latest case status, key worker assigned, archived."""
    from seip.students.models import Case, Student

    archived = dict(Student.objects.filter(pk__in=student_ids).values_list("pk", "archived_at"))
    states: dict[int, tuple[str, bool, bool]] = {}
    cases = Case.objects.filter(student_id__in=student_ids).order_by("student_id", "-opened_at")
    for sid, status, key_worker in cases.values_list("student_id", "status", "key_worker_id"):
        states.setdefault(sid, (status, key_worker is not None, archived[sid] is not None))
    return states


#: Histories copied by ``--grow``: rows with no uniqueness per student to trip over.
GROW_MODELS = [
    "behaviour.Incident",
    "behaviour.Exclusion",
    "behaviour.AttitudeRating",
    "behaviour.AttainmentResult",
    "records.CaseNote",
    "records.Contact",
    "provision.Intervention",
]


class _RollBack(Exception):
    """Raised to roll back the grown history once it has been measured."""


def grow_history(pk: int, times: int) -> int:
    """Copy the student's rows of each GROW_MODELS model ``times`` more times."""
    from django.apps import apps

    from seip.keys.fields import seal_bulk_create

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
        # Read through the models, the copies hold text; sealed again under their own rows.
        seal_bulk_create(model, copies, batch_size=500)
        added += len(copies)
    return added


def grown_profile(
    engine: str, client: Any, pk: int, student: Any, rows_before: int, args: argparse.Namespace
) -> Row:
    """The profile again after multiplying the student's history, inside a transaction
    that is rolled back, so the kept database does not change."""
    from django.db import transaction

    result: list[Row] = []
    try:
        with transaction.atomic():
            added = grow_history(pk, args.grow)
            expected = f"{student.first_name} {student.last_name}".encode()
            result.append(
                measure(
                    engine, client,
                    page=f"profile, active case with its history grown {args.grow + 1}x "
                    f"({rows_before} + {added} rows)",
                    kind="profile", login="coordinator", url=f"/students/{pk}/",
                    requests=max(2, args.requests // 5), warmup=1,
                    check=lambda r: None if expected in r.content else "page does not name them",
                    history_rows=rows_before + added,
                )
            )  # fmt: skip
            raise _RollBack
    except _RollBack:
        # The grown rows were only for measuring; the rollback removed them.
        return result[0]
    return result[0]


# Measuring ------------------------------------------------------------------------------


def _shape(sql: str) -> str:
    """The SQL with literals taken out, to spot the same query repeated (an N+1)."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\(\s*\?(?:\s*,\s*\?)*\s*\)", "(?)", sql)


def measure(
    engine: str,
    client: Any,
    *,
    page: str,
    kind: str,
    login: str,
    url: str,
    requests: int,
    warmup: int,
    check: Callable[[Any], str | None],
    history_rows: int | None = None,
) -> Row:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} as {login}: status {response.status_code}")
        return response

    for _ in range(warmup):
        problem = check(get())
        if problem:
            raise SystemExit(f"GET {url} as {login}: {problem}")
    samples: list[float] = []
    cpu: list[float] = []
    for _ in range(requests):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} as {login}: status {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        response = get()
    problem = check(response)
    if problem:
        raise SystemExit(f"GET {url} as {login}: {problem}")
    sql = [q["sql"] for q in captured.captured_queries]
    shapes = Counter(_shape(s) for s in sql)
    repeated = {s: n for s, n in shapes.items() if n > 1 and s not in {"BEGIN", "COMMIT"}}
    return Row(
        engine=engine,
        page=page,
        kind=kind,
        login=login,
        url=url,
        requests=requests,
        median_ms=round(statistics.median(samples), 2),
        p95_ms=round(p95(samples), 2),
        mean_ms=round(statistics.fmean(samples), 2),
        min_ms=round(min(samples), 2),
        max_ms=round(max(samples), 2),
        queries=len(sql),
        cpu_median_ms=round(statistics.median(cpu), 2),
        target_ms=TARGETS_MS[kind],
        history_rows=history_rows,
        response_bytes=len(response.content),
        repeated_sql=repeated,
        sql=sql,
    )


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| engine | page | median ms | p95 ms | CPU median ms | queries | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        verdict = "met" if r.met else "**missed**"
        lines.append(
            f"| {r.engine} | {r.page} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {r.cpu_median_ms:.1f} "
            f"| {r.queries} "
            f"| < {r.target_ms:.0f} ms: {verdict} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, engine: str, reuse: bool) -> int:
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils.html import escape

    from seip.accounts.models import User
    from seip.demo.generator import Scale
    from seip.referrals.models import Referral
    from seip.students.models import Student
    from seip.students.selectors import student_record_visible_to, students_visible_to
    from seip.students.views import PAGE_SIZE

    load_before = os.getloadavg()
    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_s = time.perf_counter() - start
    if engine == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
        if mode != "wal":
            raise SystemExit(f"SQLite journal_mode is {mode!r}, expected 'wal'")
    version = engine_version(engine)
    print(f"Engine: {version}, database {settings.DATABASES['default']['NAME']}", file=sys.stderr)

    scale = Scale(
        partnerships=args.partnerships,
        schools_per_partnership=args.schools_per_partnership,
        students=args.students,
    )
    have = Referral.objects.count() if reuse else 0
    if reuse and have >= args.students and User.objects.filter(email=COORDINATOR).exists():
        phases: dict[str, float] = {}
        print(f"Reusing the kept database ({have} referrals)", file=sys.stderr)
    else:
        print(f"Building the county with {args.students} referrals...", file=sys.stderr)
        phases = timed_generate(scale)
        print(f"Built in {phases['total']:.1f}s: {phases}", file=sys.stderr)
    build_load = os.getloadavg()

    coordinator = User.objects.get(email=COORDINATOR)
    key_worker = User.objects.get(email=KEY_WORKER)
    visible = list(student_record_visible_to(coordinator).values_list("pk", flat=True))
    if not visible:
        raise SystemExit(f"{COORDINATOR} sees no students")
    totals, detail = history_counts(visible)
    by_rows = sorted(visible, key=lambda pk: (totals[pk], pk))
    short_pk, long_pk = by_rows[0], by_rows[-1]
    print(
        f"{len(visible)} students visible to the co-ordinator; longest history "
        f"{totals[long_pk]} rows (student {long_pk}), shortest {totals[short_pk]} "
        f"(student {short_pk})",
        file=sys.stderr,
    )
    # The shortest history among students whose record is in the same state as the longest
    # (case status, key worker or not, archived or not), so that only the history differs.
    state = case_states(visible)
    alike = [pk for pk in by_rows if state.get(pk) == state.get(long_pk) and pk != long_pk]
    alike_pk = alike[0] if alike else short_pk
    print(
        f"Shortest history in the same state as the longest {state.get(long_pk)}: "
        f"{totals[alike_pk]} rows (student {alike_pk})",
        file=sys.stderr,
    )
    students = {s.pk: s for s in Student.objects.filter(pk__in=visible)}
    caseload = {
        "coordinator": students_visible_to(coordinator).count(),
        "key_worker": students_visible_to(key_worker).count(),
    }

    def names(student: Student) -> Callable[[Any], str | None]:
        expected = f"{student.first_name} {student.last_name}".encode()

        def check(response: Any) -> str | None:
            return None if expected in response.content else f"page does not name {student}"

        return check

    def listed(student: Student) -> Callable[[Any], str | None]:
        expected = escape(f"{student.last_name}, {student.first_name}").encode()

        def check(response: Any) -> str | None:
            return None if expected in response.content else f"the list does not name {student}"

        return check

    def pdf(response: Any) -> str | None:
        if response["Content-Type"] != "application/pdf" or not response.content.startswith(
            b"%PDF"
        ):
            return f"not a PDF ({response['Content-Type']})"
        return None

    def caseload_page(response: Any) -> str | None:
        if response.content.count(b'href="/students/') < min(10, caseload["coordinator"]):
            return "the caseload list shows too few students"
        return None

    as_coordinator = signed_in_client(coordinator)
    as_key_worker = signed_in_client(key_worker)
    common = {"warmup": args.warmup}
    rows: list[Row] = []
    profiles = [("longest history", long_pk), ("shortest history", short_pk)]
    if alike_pk != short_pk:
        profiles.append(("shortest history in the longest's case state", alike_pk))
    # The commonest page: a working record with an active case and a key worker.
    working = [pk for pk in by_rows if state.get(pk) == ACTIVE_STATE]
    if working and state.get(long_pk) != ACTIVE_STATE:
        profiles.append(("longest history, active case", working[-1]))
        profiles.append(("shortest history, active case", working[0]))
    for label, pk in profiles:
        rows.append(
            measure(
                engine, as_coordinator, page=f"profile, {label} ({totals[pk]} rows)",
                kind="profile", login="coordinator", url=f"/students/{pk}/",
                requests=args.requests, check=names(students[pk]), history_rows=totals[pk],
                **common,
            )
        )  # fmt: skip
    grow_pk = working[-1] if working else long_pk
    if args.grow:
        rows.append(
            grown_profile(engine, as_coordinator, grow_pk, students[grow_pk], totals[grow_pk], args)
        )
    for label, client in (("coordinator", as_coordinator), ("key_worker", as_key_worker)):
        rows.append(
            measure(
                engine, client, page=f"caseload `/students/`, {label.replace('_', ' ')} "
                f"({min(PAGE_SIZE, caseload[label])} of {caseload[label]} shown)",
                kind="caseload", login=label, url="/students/", requests=args.requests,
                check=caseload_page, **common,
            )
        )  # fmt: skip
    # Search: names are sealed (ADR 0034), so a name search opens the names of every
    # student the reader may see; a UPN search goes through the blind index.
    wanted = students[long_pk]
    # A first name and part of a surname, as a co-ordinator types it: at county scale a
    # surname's first letters alone match more students than one page shows.
    fragment = f"{wanted.first_name} {wanted.last_name[:4]}"
    # The list shows open and closed cases unless asked for more, and the longest history
    # may be archived: search every status, the widest (slowest) search the reader can ask.
    every = "".join(f"&status={status}" for status in ("open", "closed", "archived"))
    for label, query in (("a name", fragment), ("a UPN", wanted.upn)):
        rows.append(
            measure(
                engine, as_coordinator, page=f"search `/students/?q=`, {label} ({query!r})",
                kind="search", login="coordinator", url=f"/students/?q={quote(query)}{every}",
                requests=args.requests, check=listed(wanted), **common,
            )
        )  # fmt: skip
    for label, pk in (("longest", long_pk), ("shortest", short_pk)):
        rows.append(
            measure(
                engine, as_coordinator, page=f"progress PDF, {label} history",
                kind="progress_pdf", login="coordinator", url=f"/students/{pk}/progress.pdf",
                requests=args.pdf_requests, check=pdf, history_rows=totals[pk],
                warmup=min(args.warmup, 2),
            )
        )  # fmt: skip
    load_after = os.getloadavg()

    table = markdown_table(rows)
    print(f"\n{len(visible)} students visible to the co-ordinator, {engine}\n")
    print(table)

    failures = [
        f"{r.page}: median {r.median_ms:.1f} ms, target {r.target_ms:.0f} ms"
        for r in rows
        if not r.met
    ]
    profile_counts = [(r.page, r.queries) for r in rows if r.kind == "profile"]
    if len({q for _, q in profile_counts}) > 1:
        failures.append(
            "profile query count is not fixed: "
            + "; ".join(f"{q} queries for {page}" for page, q in profile_counts)
        )
    for r in rows:
        for shape, n in r.repeated_sql.items():
            print(f"NOTE: {r.page}: the same query {n} times: {shape[:160]}", file=sys.stderr)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"student_record-{engine}.json"
    report = {
        "benchmark": "student_record",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "code": code_version(),
        "students_requested": args.students,
        "student_records": Student.objects.count(),
        "visible_to_coordinator": len(visible),
        "caseload_counts": caseload,
        "reused_database": not phases,
        "migrate_s": round(migrate_s, 2),
        "build_phases_s": phases,
        "loadavg": {
            "before": [round(x, 2) for x in load_before],
            "after_build": [round(x, 2) for x in build_load],
            "after_measuring": [round(x, 2) for x in load_after],
        },
        "history": {
            "longest": {"student": long_pk, "rows": totals[long_pk], "by_model": detail[long_pk]},
            "shortest": {
                "student": short_pk,
                "rows": totals[short_pk],
                "by_model": detail[short_pk],
            },
            "shortest_alike": {
                "student": alike_pk,
                "rows": totals[alike_pk],
                "by_model": detail[alike_pk],
            },
            "profiled": {r.url: r.history_rows for r in rows if r.kind == "profile"},
            "states": {
                "longest": state.get(long_pk),
                "shortest": state.get(short_pk),
                "shortest_alike": state.get(alike_pk),
            },
        },
        "requests": args.requests,
        "pdf_requests": args.pdf_requests,
        "warmup": args.warmup,
        "targets_ms": TARGETS_MS,
        "passed": not failures,
        "failures": failures,
        "rows": [asdict(r) for r in rows],
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nLoad average {load_before[0]:.2f} before, {build_load[0]:.2f} after building, "
        f"{load_after[0]:.2f} after measuring. Wrote {out.relative_to(BENCH_DIR.parent)}",
        file=sys.stderr,
    )
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    original_url = os.environ.get("DATABASE_URL", "")
    engine_name = "postgresql" if original_url else "sqlite"
    if args.keep_database:
        data_dir = RESULTS_DIR / f"student_record-{engine_name}"
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = None
    else:
        tmp = tempfile.mkdtemp(prefix="seip-bench-")
        data_dir = Path(tmp)
    try:
        engine, reuse = prepare_environment(data_dir, keep=args.keep_database)
        if args.keep_database and not reuse and engine == "sqlite":
            for name in ("seip.sqlite3", "seip.sqlite3-wal", "seip.sqlite3-shm"):
                (data_dir / name).unlink(missing_ok=True)
        try:
            return run(args, engine, reuse)
        finally:
            from django.db import connections

            connections.close_all()
            if engine == "postgresql" and not args.keep_database:
                _pg_recreate(_pg_admin_url(original_url), create=False)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
