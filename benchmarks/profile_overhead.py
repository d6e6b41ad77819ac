"""Benchmark: what scoping and decryption cost on the student profile page (P14).

Builds the demo county (``--students`` referrals, default 10,000, as ``student_record.py``
does) in a fresh database, signs the co-ordinator in past both factors, and times the
profile page ``/students/<pk>/`` (``students:detail``) through the whole Django stack
(test client: middleware, view, template) in two forms, request by request, alternating:

- **scoped**: the page as it is;
- **unscoped baseline**: the same view code and template, with, inside this process only,
  (1) the scoping selector ``student_record_visible_to`` replaced, wherever it was imported,
  by ``lambda user: Student.objects.all()``, and (2) every decryption function, found by
  name at run time (functions and methods whose name contains ``decrypt``, ``unwrap`` or
  ``sealer`` in ``seip.*.crypto`` and ``seip.keys.*``), replaced by a lookup of the
  plaintext it returned during the warm-up requests: identity over pre-decrypted text.

A third form, "unscoped, decrypting" (scoping replaced, decryption real), splits the
difference between the two. ``time_selector`` also times the scoped fetch alone, built and
compiled by the ORM, and built, compiled and run.

Everything else stays in all forms: field-level checks inside the panels (they decide what
the page shows), the session, the second factor, and any audit event the page writes. When the
per-student key module offers ``cache_clear``, the scoped page is also timed with the
unwrapped-key cache emptied before each request ("cold key"): the first view of a student
after the cache expires.

The profile shows no encrypted field today, so the chronology page
(``/students/<pk>/chronology/``), which decrypts every case note, is measured the same way,
to show the cost of decryption itself. The report gives the median and p95 of each form,
the ratio of medians (target for the profile: 1.3 or less; exit 1 above ``--target``), the
decryption calls and queries of one request, and whether the two forms rendered the same
page.

    uv run python benchmarks/profile_overhead.py [--students 10000] [--requests 60]

SQLite (default) uses a fresh ``<tmp>/seip.sqlite3``; with ``DATABASE_URL`` set to a
PostgreSQL server, the script drops and recreates ``--pg-database`` (default
``seip_bench_profile``), never the database the URL names, and drops it at the end.

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
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit_verify import _pg_recreate, _pg_url, engine_version, prepare_environment
from home_page import p95, signed_in_client

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
COORDINATOR = "coordinator@seip.example"
SCOPING_SELECTOR = ("seip.students.selectors", "student_record_visible_to")
DECRYPT_NAME = re.compile(r"decrypt|unwrap|sealer", re.IGNORECASE)
# Per-request values that differ between any two renderings of the same page.
VOLATILE = re.compile(rb'(nonce="|name="csrfmiddlewaretoken" value=")[^"]*"')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000, help="referrals (demo --students)")
    parser.add_argument("--partnerships", type=int, default=5)
    parser.add_argument("--schools-per-partnership", type=int, default=8)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per form")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per form first")
    parser.add_argument("--target", type=float, default=1.3, help="profile: scoped/unscoped")
    parser.add_argument("--pg-database", default="seip_bench_profile")
    args = parser.parse_args(argv)
    if args.requests < 2 or args.warmup < 1 or args.students < 10:
        parser.error("--requests must be at least 2, --warmup 1 or more, --students 10 or more")
    return args


# The unscoped baseline: patches applied and removed around each request -----------------


@dataclass
class Patch:
    owner: Any
    name: str
    original: Any
    replacement: Any

    def apply(self) -> None:
        setattr(self.owner, self.name, self.replacement)

    def undo(self) -> None:
        setattr(self.owner, self.name, self.original)


def _norm(value: Any) -> Any:
    """A hashable stand-in for an argument, to look a call's result up again."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if value is None or isinstance(value, int | str | float | bool):
        return value
    meta = getattr(value, "_meta", None)
    if meta is not None:
        return (meta.label_lower, value.pk)
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted((_norm(v) for v in value), key=repr))
    if isinstance(value, dict):
        return tuple(sorted((k, _norm(v)) for k, v in value.items()))
    # A key holder such as a sealer: what it opens, not which copy of it.
    return (type(value).__qualname__, getattr(value, "subject_id", getattr(value, "pk", None)))


@dataclass
class Decryptor:
    """One decryption function found by name, with its call counts."""

    label: str
    calls: int = 0
    hits: int = 0
    misses: int = 0
    store: dict[Any, Any] = field(default_factory=dict, repr=False)


def find_decryptors() -> list[tuple[Any, str, Callable[..., Any], str]]:
    """(owner, attribute, function, label) for every decryption function loaded: module
    functions and class methods whose name matches ``DECRYPT_NAME``, in the crypto and key
    modules. Found at run time, so the benchmark follows the code as it changes."""
    found = []
    for name, module in sorted(sys.modules.items()):
        if module is None or not (
            name.startswith("seip.keys") or (name.startswith("seip.") and name.endswith("crypto"))
        ):
            continue
        if ".tests" in name:
            continue
        for attr, value in sorted(vars(module).items()):
            if attr.startswith("__"):
                continue
            if getattr(value, "__module__", None) != name:
                continue  # imported from elsewhere; patched where it is defined
            if isinstance(value, type):
                for method, fn in sorted(vars(value).items()):
                    if callable(fn) and DECRYPT_NAME.search(method) and not method.startswith("__"):
                        found.append((value, method, fn, f"{name}.{attr}.{method}"))
            elif callable(value) and DECRYPT_NAME.search(attr) and not attr.startswith("_"):
                found.append((module, attr, value, f"{name}.{attr}"))
    return found


def _everywhere(original: Any, replacement: Any) -> list[Patch]:
    """Patches replacing ``original`` in every ``seip`` module that holds it by name."""
    patches = []
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("seip"):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                patches.append(Patch(module, attr, original, replacement))
    return patches


class Baseline:
    """Switches the page between scoped (as shipped) and the unscoped baseline."""

    def __init__(self) -> None:
        import importlib

        from seip.students.models import Student

        module = importlib.import_module(SCOPING_SELECTOR[0])
        selector = getattr(module, SCOPING_SELECTOR[1])
        self.scoping = _everywhere(selector, lambda user: Student.objects.all())
        if not self.scoping:
            raise SystemExit(f"{'.'.join(SCOPING_SELECTOR)} is not used by any module")
        self.decryptors: list[Decryptor] = []
        self.memo: list[Patch] = []
        self.count: list[Patch] = []
        for owner, attr, fn, label in find_decryptors():
            record = Decryptor(label)
            self.decryptors.append(record)
            memo, counted = self._wrappers(fn, record)
            targets = [(owner, attr)]
            if not isinstance(owner, type):
                targets += [
                    (p.owner, p.name) for p in _everywhere(fn, None) if p.owner is not owner
                ]
            for target, name in targets:
                self.memo.append(Patch(target, name, fn, memo))
                self.count.append(Patch(target, name, fn, counted))

    @staticmethod
    def _wrappers(
        fn: Callable[..., Any], record: Decryptor
    ) -> tuple[Callable[..., Any], Callable[..., Any]]:
        @functools.wraps(fn)
        def memo(*args: Any, **kwargs: Any) -> Any:
            key = (_norm(args), _norm(kwargs))
            try:
                result = record.store[key]
            except KeyError:
                record.misses += 1
                result = record.store[key] = fn(*args, **kwargs)
            else:
                record.hits += 1
            return result

        @functools.wraps(fn)
        def counted(*args: Any, **kwargs: Any) -> Any:
            record.calls += 1
            return fn(*args, **kwargs)

        return memo, counted

    def scoped(self) -> None:
        """The page as shipped."""
        for patch in self.scoping + self.memo + self.count:
            patch.undo()

    def unscoped(self) -> None:
        """The baseline: neither scoping nor decryption."""
        self.scoped()
        for patch in self.scoping + self.memo:
            patch.apply()

    def scoping_only_removed(self) -> None:
        """Scoping replaced, decryption real: splits the overhead between the two."""
        self.scoped()
        for patch in self.scoping:
            patch.apply()

    def counting(self) -> None:
        for patch in self.count:
            patch.apply()

    def reset_counts(self) -> None:
        for record in self.decryptors:
            record.calls = record.hits = record.misses = 0


# Measuring ------------------------------------------------------------------------------


@dataclass
class Form:
    name: str
    samples: list[float] = field(default_factory=list)
    queries: int = 0
    # Calls of each decryption function in one request. They nest (a ``decrypt_for``
    # finds a sealer and calls its ``decrypt``), so the largest is the number of
    # ciphertexts opened.
    decrypt_calls: dict[str, int] = field(default_factory=dict)
    sql: list[tuple[str, float]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "median_ms": round(statistics.median(self.samples), 2),
            "p95_ms": round(p95(self.samples), 2),
            "mean_ms": round(statistics.fmean(self.samples), 2),
            "min_ms": round(min(self.samples), 2),
            "max_ms": round(max(self.samples), 2),
            "queries": self.queries,
            "decrypt_calls": self.decrypt_calls,
            "decryptions": max(self.decrypt_calls.values(), default=0),
            "sql_ms": [(sql, ms) for sql, ms in self.sql],
        }


@dataclass
class Row:
    engine: str
    page: str
    student: int
    notes: int
    forms: dict[str, dict[str, Any]]
    ratio_median: float
    ratio_p95: float
    cold_ratio_median: float | None
    # The difference in medians split: scoped - (unscoped, decrypting) is scoping's share,
    # (unscoped, decrypting) - unscoped is decryption's.
    scoping_ms: float
    decryption_ms: float
    # The queries of the scoped page that the baseline does not make, with their times.
    scoping_sql: list[tuple[str, float]]
    baseline_misses: int
    same_page: bool
    target: float | None


def _shape(sql: str) -> str:
    """The SQL with literals taken out (the session's expiry differs on every request)."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    return re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)


def measure_page(
    client: Any,
    baseline: Baseline,
    url: str,
    expect: bytes,
    args: argparse.Namespace,
    clear_keys: Callable[[], None] | None,
) -> tuple[dict[str, Form], int, bool]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: status {response.status_code}")
        if expect not in response.content:
            raise SystemExit(f"GET {url}: the page does not name the student")
        return response

    forms = {name: Form(name) for name in ("scoped", "unscoped", "unscoped, decrypting")}
    setups: dict[str, Callable[[], None]] = {
        "scoped": baseline.scoped,
        "unscoped": baseline.unscoped,
        "unscoped, decrypting": baseline.scoping_only_removed,
    }
    if clear_keys is not None:
        forms["scoped, cold key"] = Form("scoped, cold key")

        def cold() -> None:
            baseline.scoped()
            clear_keys()

        setups["scoped, cold key"] = cold

    bodies: dict[str, bytes] = {}
    for name, setup in setups.items():
        for _ in range(args.warmup):
            setup()
            bodies[name] = VOLATILE.sub(rb"\1", get().content)
    # One counted request per form: queries and decryption calls.
    for name, setup in setups.items():
        setup()
        baseline.reset_counts()
        if name != "unscoped":
            baseline.counting()
        with CaptureQueriesContext(connection) as captured:
            get()
        forms[name].queries = len(captured.captured_queries)
        forms[name].sql = [(q["sql"], round(float(q["time"]) * 1000, 3)) for q in captured]
        forms[name].decrypt_calls = {
            r.label: r.calls if name != "unscoped" else r.hits + r.misses
            for r in baseline.decryptors
        }
    baseline.reset_counts()
    order = list(setups)
    for i in range(args.requests):
        # Rotate the order each round, so that no form always follows the same one.
        for name in order[i % len(order) :] + order[: i % len(order)]:
            setups[name]()
            start = time.perf_counter()
            response = client.get(url)
            forms[name].samples.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} ({name}): status {response.status_code}")
    misses = sum(r.misses for r in baseline.decryptors)
    baseline.scoped()
    same = bodies["scoped"] == bodies["unscoped"]
    return forms, misses, same


def pick_students(visible: list[int]) -> list[tuple[str, int, int]]:
    """(label, student, case notes) for the students with the most, the median number
    and the fewest case notes among those the co-ordinator sees."""
    from django.db.models import Count

    from seip.students.models import Student

    counts = dict(
        Student.objects.filter(pk__in=visible)
        .annotate(notes=Count("case_notes"))
        .values_list("pk", "notes")
    )
    ranked = sorted(visible, key=lambda pk: (counts[pk], pk))
    picks = [
        ("most case notes", ranked[-1]),
        ("median case notes", ranked[len(ranked) // 2]),
        ("fewest case notes", ranked[0]),
    ]
    seen: set[int] = set()
    chosen = []
    for label, pk in picks:
        if pk not in seen:
            seen.add(pk)
            chosen.append((label, pk, counts[pk]))
    return chosen


def time_selector(user: Any, pk: int, repeats: int = 200) -> dict[str, Any]:
    """Median ms to build and compile the scoped fetch of one student in Python, and to
    build, compile and run it, and the database's plan for it: where scoping's share of
    the page goes."""
    from django.db import connection

    from seip.students.selectors import student_record_visible_to

    def fetch() -> Any:
        return (
            student_record_visible_to(user)
            .select_related("school", "partnership", "referral")
            .filter(pk=pk)
        )

    compile_ms, run_ms = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        fetch().query.get_compiler(connection=connection).as_sql()
        compile_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        list(fetch())
        run_ms.append((time.perf_counter() - start) * 1000)
    analyze = {"analyze": True} if connection.vendor == "postgresql" else {}
    return {
        "build_and_compile_ms": round(statistics.median(compile_ms), 3),
        "build_compile_and_run_ms": round(statistics.median(run_ms), 3),
        "sql": str(fetch().query),
        "plan": fetch().explain(**analyze).splitlines(),
    }


def run(args: argparse.Namespace, engine: str) -> int:
    import importlib

    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils.html import escape

    from seip.accounts.models import User
    from seip.demo.generator import Scale, generate
    from seip.students.models import Student
    from seip.students.selectors import student_record_visible_to

    load_before = os.getloadavg()
    call_command("migrate", interactive=False, verbosity=0)
    version = engine_version(engine)
    print(f"Engine: {version}. Building the county ({args.students} referrals)...", file=sys.stderr)
    start = time.perf_counter()
    generate(
        Scale(
            partnerships=args.partnerships,
            schools_per_partnership=args.schools_per_partnership,
            students=args.students,
        )
    )
    build_s = time.perf_counter() - start
    print(f"Built in {build_s:.1f}s", file=sys.stderr)
    build_load = os.getloadavg()

    coordinator = User.objects.get(email=COORDINATOR)
    visible = list(student_record_visible_to(coordinator).values_list("pk", flat=True))
    if not visible:
        raise SystemExit(f"{COORDINATOR} sees no students")
    picks = pick_students(visible)
    client = signed_in_client(coordinator)
    # One request of each page loads every module the pages use, so that the search for
    # decryption functions and scoping imports sees them all.
    for _, pk, _ in picks[:1]:
        client.get(reverse("students:detail", args=[pk]))
        client.get(reverse("records:chronology", args=[pk]))
    baseline = Baseline()
    clear_keys = None
    for module_name in ("seip.keys.crypto", "seip.keys"):
        try:
            clear_keys = getattr(importlib.import_module(module_name), "cache_clear", None)
        except ImportError:
            continue
        if clear_keys is not None:
            break
    print(
        f"Scoping selector patched in {len(baseline.scoping)} module(s): "
        + ", ".join(sorted(p.owner.__name__ for p in baseline.scoping)),
        file=sys.stderr,
    )
    print(
        "Decryption functions found: " + ", ".join(r.label for r in baseline.decryptors),
        file=sys.stderr,
    )

    selector = time_selector(coordinator, picks[0][1])
    print(
        f"Scoped fetch of one student: built and compiled in {selector['build_and_compile_ms']}"
        f" ms, with the query {selector['build_compile_and_run_ms']} ms (median)",
        file=sys.stderr,
    )
    rows: list[Row] = []
    students = {s.pk: s for s in Student.objects.filter(pk__in=[pk for _, pk, _ in picks])}
    for page, url_name, target in (
        ("profile", "students:detail", args.target),
        ("chronology", "records:chronology", None),
    ):
        for label, pk, notes in picks:
            student = students[pk]
            expect = escape(f"{student.first_name} {student.last_name}").encode()
            url = reverse(url_name, args=[pk])
            forms, misses, same = measure_page(client, baseline, url, expect, args, clear_keys)
            summaries = {name: form.summary() for name, form in forms.items()}
            scoped, unscoped = summaries["scoped"], summaries["unscoped"]
            cold = summaries.get("scoped, cold key")
            decrypting = summaries["unscoped, decrypting"]
            rows.append(
                Row(
                    engine=engine,
                    page=f"{page}, {label}",
                    student=pk,
                    notes=notes,
                    forms=summaries,
                    ratio_median=round(scoped["median_ms"] / unscoped["median_ms"], 3),
                    ratio_p95=round(scoped["p95_ms"] / unscoped["p95_ms"], 3),
                    cold_ratio_median=(
                        round(cold["median_ms"] / unscoped["median_ms"], 3) if cold else None
                    ),
                    scoping_ms=round(scoped["median_ms"] - decrypting["median_ms"], 2),
                    decryption_ms=round(decrypting["median_ms"] - unscoped["median_ms"], 2),
                    scoping_sql=[
                        (sql, ms)
                        for sql, ms in scoped["sql_ms"]
                        if _shape(sql) not in {_shape(q) for q, _ in unscoped["sql_ms"]}
                    ],
                    baseline_misses=misses,
                    same_page=same,
                    target=target,
                )
            )
            print(f"  measured {page} of student {pk} ({notes} notes)", file=sys.stderr)
    load_after = os.getloadavg()

    print(f"\n{version}; {len(visible):,} students visible to the co-ordinator\n")
    print(
        "| engine | page (student's case notes) | decryptions | queries scoped/unscoped "
        "| scoped median / p95 ms | unscoped median / p95 ms | ratio median (p95) "
        "| scoping / decryption ms | cold key median ms (ratio) | same page |"
    )
    print("|---|---|---:|---|---|---|---|---|---|---|")
    failures = []
    for r in rows:
        s, u = r.forms["scoped"], r.forms["unscoped"]
        c = r.forms.get("scoped, cold key")
        cold = f"{c['median_ms']:.1f} ({r.cold_ratio_median:.2f}x)" if c else "n/a"
        print(
            f"| {r.engine} | {r.page} ({r.notes}) | {s['decryptions']} "
            f"| {s['queries']}/{u['queries']} | {s['median_ms']:.1f} / {s['p95_ms']:.1f} "
            f"| {u['median_ms']:.1f} / {u['p95_ms']:.1f} "
            f"| {r.ratio_median:.2f}x ({r.ratio_p95:.2f}x) "
            f"| {r.scoping_ms:+.1f} / {r.decryption_ms:+.1f} | {cold} | {r.same_page} |"
        )
        if r.target is not None and r.ratio_median > r.target:
            failures.append(f"{r.page}: {r.ratio_median:.2f}x, target {r.target:.2f}x")
        if r.scoping_sql:
            ms = ", ".join(f"{t:.2f}" for _, t in r.scoping_sql)
            print(
                f"NOTE: {r.page}: queries only the scoped page makes took {ms} ms",
                file=sys.stderr,
            )
        if r.baseline_misses:
            print(
                f"NOTE: {r.page}: {r.baseline_misses} baseline decryptions were not cached",
                file=sys.stderr,
            )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"profile_overhead-{engine}.json"
    report = {
        "benchmark": "profile_overhead",
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "engine_version": version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "students_requested": args.students,
        "student_records": Student.objects.count(),
        "visible_to_coordinator": len(visible),
        "build_s": round(build_s, 1),
        "loadavg": {"before": load_before, "after_build": build_load, "after": load_after},
        "scoping_patched_in": sorted(p.owner.__name__ for p in baseline.scoping),
        "decryption_functions": [r.label for r in baseline.decryptors],
        "key_cache_clear": clear_keys is not None,
        "scoped_fetch": selector,
        "requests": args.requests,
        "warmup": args.warmup,
        "target": args.target,
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
    with tempfile.TemporaryDirectory(prefix="seip-bench-") as tmp:
        engine = prepare_environment(Path(tmp), args.pg_database)
        try:
            return run(args, engine)
        finally:
            from django.db import connections

            connections.close_all()
            if engine == "postgresql":
                _pg_recreate(_pg_url(original_url, "postgres"), args.pg_database, create=False)


if __name__ == "__main__":
    sys.exit(main())
