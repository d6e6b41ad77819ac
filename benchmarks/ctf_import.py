"""Benchmark: reading and importing a large secondary school's Common Transfer File.

Generates a CTF of ``--pupils`` pupils (default 1,500, a large secondary school), each
with ``--years`` years of session marks (default 5) and the usual SEN, FSM, looked-after,
language and contact details, with ``seip.imports.fixtures``. Then:

1. **parse and validate**: ``read_ctf`` over the file, timed (best of ``--repeat``), in
   pupils per second; then once more under ``tracemalloc`` for its peak Python memory.
2. **full import**: a fresh database holding the demo county, where every pupil in the file
   is a student with a signed, accepted referral (written in bulk by the demo's own
   ``bulk_pupils``, as the county-scale demo does), is imported as the co-ordinator with
   ``ctf_import``: every fact through the record services, audited. This is the worst
   case: in a real school file most pupils are not referred and are skipped unread.
3. **the same file again**: every pupil unchanged.

    uv run python benchmarks/ctf_import.py [--pupils 1500] [--years 5]

SQLite (the default) uses a fresh ``<tmp>/seip.sqlite3``. With ``DATABASE_URL`` set to a
PostgreSQL server, the script drops and recreates the database ``seip_bench_ctf`` on that
server (never the database the URL names) and drops it at the end.

Targets (exit 1 if one is missed): parse and validate at least 1,000 pupils/s; the full
import under 30 s.

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PG_DATABASE = "seip_bench_ctf"
TARGET_PUPILS_PER_S = 1000.0
TARGET_IMPORT_S = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--years", type=int, default=5, help="years of marks per pupil")
    parser.add_argument("--repeat", type=int, default=3, help="timed parse runs (best counts)")
    return parser.parse_args(argv)


def _pg(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def _pg_recreate(url: str, *, create: bool = True) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_pg(url, "postgres"), autocommit=True) as conn:
        name = sql.Identifier(PG_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def prepare_environment(data_dir: Path) -> tuple[str, str]:
    """Point the settings at a fresh database; return the engine and the admin URL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    os.environ["SEIP_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SEIP_LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite", ""
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {urlsplit(url).scheme!r}")
    _pg_recreate(url)
    os.environ["DATABASE_URL"] = _pg(url, PG_DATABASE)
    return "postgresql", url


def build_students(pupils: int) -> tuple[Any, Any, list[Any]]:
    """The demo county's first school, its co-ordinator, and ``pupils`` students there
    with accepted referrals (the demo's bulk path: the rows its services would write)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from seip.accounts.models import Role
    from seip.demo.casework import STAGES, bulk_pupils
    from seip.demo.generator import Scale, generate
    from seip.imports.fixtures import make_upn
    from seip.notices.models import NoticeVersion

    county, _ = generate(Scale(partnerships=1, schools_per_partnership=1, students=5))
    partnership = county.partnerships[0]
    school = partnership.schools.select_related("local_authority").first()
    users = get_user_model().objects
    coordinator = users.get(email="coordinator@seip.example")
    contact = users.filter(memberships__role=Role.SCHOOL_CONTACT).first()
    key_workers = list(users.filter(memberships__role=Role.KEY_WORKER))
    notice = NoticeVersion.objects.filter(partnership=partnership).latest("number")
    active = [n for n, stage in enumerate(STAGES) if stage == "active"]
    # Indices whose demo stage is "active", so every student has an open, accepted case.
    indices = [len(STAGES) * (k // len(active)) + active[k % len(active)] for k in range(pupils)]
    la, estab = school.local_authority.la_code, school.establishment_number
    items = [(i, school, make_upn(la, estab, 20 + n % 5, n // 5)) for n, i in enumerate(indices)]
    with transaction.atomic():
        students = bulk_pupils(
            items,
            {school.pk: contact},
            coordinator,
            key_workers or [coordinator],
            notice,
            seed=1,
        )
    return school, coordinator, students


def write_file(path: Path, school: Any, students: list[Any], years: int) -> int:
    from seip.imports.fixtures import PupilSpec, SchoolSpec, secondary_school, write_ctf

    spec = SchoolSpec(
        lea=school.local_authority.la_code,
        estab=school.establishment_number,
        urn=school.urn,
        name=school.name,
    )
    invented = secondary_school(len(students), years=years, school=spec)
    pupils = (
        PupilSpec(
            **{
                **pupil.__dict__,
                "upn": s.upn,
                "forename": s.first_name,
                "surname": s.last_name,
                "dob": s.date_of_birth.isoformat(),
                "sex": s.sex,
                "nc_year": str(s.nc_year),
            }
        )
        for s, pupil in zip(students, invented, strict=True)
    )
    write_ctf(path, pupils, school=spec)
    return path.stat().st_size


def measure_parse(path: Path, repeat: int) -> dict[str, Any]:
    from seip.imports.ctf import read_ctf

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        ctf = read_ctf(path)
        times.append(time.perf_counter() - started)
    if ctf.errors:
        raise SystemExit(f"the generated file is invalid: {ctf.errors[0]}")
    tracemalloc.start()
    read_ctf(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best = min(times)
    return {
        "pupils": len(ctf.pupils),
        "seconds": round(best, 3),
        "pupils_per_s": round(len(ctf.pupils) / best, 1),
        "all_runs_s": [round(t, 3) for t in times],
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
    }


def measure_import(path: Path, coordinator: Any) -> dict[str, Any]:
    from django.db import connection

    from seip.imports.services import Outcome, ctf_import

    result: dict[str, Any] = {}
    for run in ("first", "again"):
        queries: list[int] = []

        def count(execute: Any, sql: str, *args: Any, seen: list[int] = queries) -> Any:
            seen.append(1)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            report = ctf_import(source=path, actor=coordinator)
            elapsed = time.perf_counter() - started
        if not report.applied:
            raise SystemExit(f"the import was refused: {report.refused} {report.rejected[:3]}")
        result[run] = {
            "seconds": round(elapsed, 2),
            "queries": len(queries),
            **{outcome.name.lower(): report.count(outcome) for outcome in Outcome},
        }
    return result


def engine_version(engine: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if engine == "sqlite":
            cursor.execute("select sqlite_version()")
        else:
            cursor.execute("show server_version")
        return str(cursor.fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(BENCH_DIR.parent / "src"))
    with tempfile.TemporaryDirectory(prefix="seip-ctf-bench-") as tmp:
        engine, admin_url = prepare_environment(Path(tmp))
        try:
            import django
            from django.core.management import call_command

            django.setup()
            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            school, coordinator, students = build_students(args.pupils)
            build_s = time.perf_counter() - started
            path = Path(tmp) / "ctf.xml"
            size = write_file(path, school, students, args.years)
            parse = measure_parse(path, args.repeat)
            imported = measure_import(path, coordinator)
            result = {
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "engine": engine,
                "engine_version": engine_version(engine),
                "python": platform.python_version(),
                "machine": f"{os.cpu_count()} cpus, {platform.machine()}",
                "pupils": args.pupils,
                "years_of_marks": args.years,
                "file_mb": round(size / 2**20, 1),
                "students_built_s": round(build_s, 1),
                "parse_validate": parse,
                "import": imported,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        finally:
            if admin_url:
                from django.db import connections

                connections.close_all()
                _pg_recreate(admin_url, create=False)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"ctf_import-{engine}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    failures = []
    if parse["pupils_per_s"] < TARGET_PUPILS_PER_S:
        failures.append(f"parse and validate {parse['pupils_per_s']}/s < {TARGET_PUPILS_PER_S}/s")
    if imported["first"]["seconds"] >= TARGET_IMPORT_S:
        failures.append(f"import {imported['first']['seconds']} s >= {TARGET_IMPORT_S} s")
    for failure in failures:
        print(f"MISSED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
