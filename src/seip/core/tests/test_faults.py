"""Faults: the server and the worker killed mid-work, a read-only database, a full disk.

The kill tests run the real thing: ``seip serve`` (gunicorn) and ``seip worker`` as
processes on a small demo county of their own (a data folder, and on PostgreSQL a
database, beside the test database), killed with SIGKILL, which no code can catch. Every
write is one transaction, so the database must hold either all of a write or none of it,
the audit chain must still verify, and a task that was running must end up failed with a
plain message, not "running" for ever.

The error-page tests run in process: the database is made read-only for real (SQLite's
``query_only``, PostgreSQL's read-only transaction), and a full disk is simulated by
failing writes with the error each engine raises.
"""

import contextlib
import csv
import errno
import io
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from seip.conftest import signed_in
from seip.core.errors import storage_unavailable

SEIP = [sys.executable, "-m", "seip.manage"]
PASSWORD = "fault-test-pass-855-county"
KILL_AFTER_S = 1.5


# A site of its own ----------------------------------------------------------------------


@dataclass
class Site:
    data_dir: Path
    env: dict[str, str]
    facts: dict[str, Any]
    codes: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SEIP, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def query(self, code: str) -> Any:
        """Run ``code`` in ``seip shell`` against the site; it prints one JSON value."""
        done = self.run("shell", "-c", textwrap.dedent(code))
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        # A session of its own, so the kill reaches gunicorn's master and workers at once.
        process = subprocess.Popen(
            [*SEIP, *args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def serve(self) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = self.start("serve", "--bind", f"127.0.0.1:{port}", "--workers", "2")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, "seip serve exited"
            with contextlib.suppress(requests.ConnectionError):  # not listening yet
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    return base
            time.sleep(0.2)
        raise AssertionError("seip serve did not become healthy")

    def session(self, base: str) -> requests.Session:
        """Signed in as the co-ordinator through both steps, with a fresh backup code."""
        http = requests.Session()
        http.get(f"{base}/sign-in/", timeout=10)
        form = {"email": self.facts["email"], "password": PASSWORD}
        self.post(http, f"{base}/sign-in/", form, expect="/sign-in/security-code/")
        self.post(http, f"{base}/sign-in/security-code/", {"token": self.codes.pop()}, expect="/")
        return http

    @staticmethod
    def post(
        http: requests.Session, url: str, data: dict[str, str], *, expect: str, **kwargs: Any
    ) -> str:
        data = {**data, "csrfmiddlewaretoken": http.cookies.get("csrftoken", "")}
        response = http.post(url, data=data, allow_redirects=False, timeout=30, **kwargs)
        location = response.headers.get("Location", "")
        assert response.status_code == 302, (response.status_code, response.text[:500])
        assert location.startswith(expect), location
        return location

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.processes.clear()

    def audit_verifies(self) -> None:
        done = self.run("audit", "verify")
        assert done.returncode == 0, done.stdout + done.stderr


SETUP = """
import json
from django.utils import timezone
from seip.accounts.models import User
from seip.accounts.services import backup_codes_issue
from seip.students.models import Case
user = User.objects.get(email="coordinator@seip.example")  # the demo login, who decides
user.set_password(%r)
user.save(update_fields=["password"])
codes = backup_codes_issue(user=user, count=40, actor=None)
cases = Case.objects.filter(status__in=["accepted", "active"]).select_related("student")
schools = {c.student.school_id for c in cases}
school = max(schools, key=lambda s: cases.filter(student__school_id=s).count())
pupils = [(c.student_id, c.student.upn) for c in cases.filter(student__school_id=school)]
print(json.dumps({"email": user.email, "codes": codes, "school": school, "pupils": pupils,
                  "today": timezone.localdate().isoformat()}))
"""


def _pg_admin(url: str, database: str, *, create: bool) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A small demo county served from its own data folder and database."""
    data_dir = tmp_path_factory.mktemp("faults")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "SEIP_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "seip.settings",
        "SEIP_LOG_LEVEL": "WARNING",
    }
    url = os.environ.get("DATABASE_URL", "")
    database = f"{settings.DATABASES['default']['NAME']}_faults"
    if url:
        _pg_admin(url, database, create=True)
        parts = urlsplit(url)
        env["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))
    site = Site(data_dir=data_dir, env=env, facts={})
    built = site.run(
        "demo", "--students", "200", "--partnerships", "1", "--schools-per-partnership", "2",
        "--no-serve", timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    site.facts = site.query(SETUP % PASSWORD)
    site.codes = list(site.facts["codes"])
    try:
        yield site
    finally:
        site.kill_all()
        if url:
            _pg_admin(url, database, create=False)


def _attendance_csv(pupils: list[list[Any]], today: str) -> bytes:
    """Every pupil present on every weekday of the last 60 days: a second or two of work."""
    import datetime as dt

    end = dt.date.fromisoformat(today)
    days = [end - dt.timedelta(days=n) for n in range(1, 61)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["UPN", "Date", "AM", "PM"])
    for _, upn in pupils:
        for day in days:
            if day.weekday() < 5:
                writer.writerow([upn, day.isoformat(), "/", "\\"])
    return out.getvalue().encode()


STATE = """
import hashlib, json
from django_tasks_db.models import DBTaskResult
from seip.attendance.models import AttendanceYear
from seip.audit.models import AuditEvent
from seip.behaviour.models import AttitudeRating
from seip.imports.models import ImportRun
from seip.progress.models import Review
marks = hashlib.sha256()
for row in AttendanceYear.objects.order_by("pk").values_list("pk", "marks"):
    marks.update(repr(row).encode())
runs = list(ImportRun.objects.order_by("pk").values("pk", "status", "report"))
tasks = list(DBTaskResult.objects.order_by("enqueued_at").values(
    "status", "exception_class_path", "task_path"
))
reviews = list(Review.objects.values_list("pk", flat=True))
print(json.dumps({
    "marks": marks.hexdigest(),
    "csv_imports": AuditEvent.objects.filter(action="imports.csv").count(),
    "runs": runs, "tasks": tasks,
    "reviews": len(reviews),
    "review_events": AuditEvent.objects.filter(action="review.record").count(),
    "rated_reviews": AttitudeRating.objects.filter(review_id__in=reviews)
        .values("review_id").distinct().count(),
}, default=str))
"""


def _progress(site: Site, run_id: int) -> tuple[int, int] | None:
    try:
        done, total = (site.data_dir / "imports" / f"run-{run_id}.progress").read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


def _upload(site: Site, http: requests.Session, base: str, content: bytes) -> int:
    location = site.post(
        http,
        f"{base}/imports/",
        {"school": str(site.facts["school"]), "kind": "attendance",
         "columns": "upn=UPN,date=Date,am=AM,pm=PM"},
        files={"file": ("attendance.csv", content, "text/csv")},
        expect="/imports/runs/",
    )  # fmt: skip
    return int(location.rstrip("/").rsplit("/", 1)[1])


def _wait_for(condition: Callable[[], Any], timeout: float, step: float = 0.005) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def test_kill_mid_import_applies_nothing_and_the_run_says_it_failed(site: Site) -> None:
    before = site.query(STATE)
    base = site.serve()
    http = site.session(base)
    content = _attendance_csv(site.facts["pupils"], site.facts["today"])
    run_id = _upload(site, http, base, content)
    site.start("worker")
    # Killed at the first pupil's progress: the import's transaction is open.
    done, total = _wait_for(lambda: _progress(site, run_id), timeout=60)
    site.kill_all()
    assert done < total, "the import finished before the kill: make the file bigger"

    after_kill = site.query(STATE)
    assert after_kill["marks"] == before["marks"], "half an import was applied"
    assert after_kill["csv_imports"] == before["csv_imports"]
    assert after_kill["runs"][-1]["status"] == "running"  # what a dead worker leaves
    site.audit_verifies()

    # The next worker to start fails the interrupted task and says so on the run.
    restarted = site.run("worker", "--batch", "--no-startup-delay")
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    assert "Marked 1 interrupted task(s) failed." in restarted.stdout
    state = site.query(STATE)
    run = state["runs"][-1]
    assert run["status"] == "failed"
    assert "interrupted" in run["report"]["refused"]
    assert "nothing was changed" in run["report"]["refused"]
    # The worker also queues the daily digest as it starts (ADR 0041): the import's task
    # is the last one that is not the digest.
    imports = [t for t in state["tasks"] if "digest" not in t["task_path"]]
    assert imports[-1]["exception_class_path"].endswith("TaskInterruptedError")
    assert state["marks"] == before["marks"]
    assert not list((site.data_dir / "imports").glob("*.enc")), "the upload was kept"
    site.audit_verifies()

    # Uploaded again, the same file imports whole.
    base = site.serve()
    second = _upload(site, site.session(base), base, content)
    site.run("worker", "--batch", "--no-startup-delay")
    state = site.query(STATE)
    assert [r["status"] for r in state["runs"] if r["pk"] == second] == ["done"]
    assert state["marks"] != before["marks"]
    assert state["csv_imports"] == before["csv_imports"] + 1
    site.kill_all()
    site.audit_verifies()


def test_kill_mid_review_save_leaves_whole_reviews_only(site: Site) -> None:
    before = site.query(STATE)
    base = site.serve()
    site.start("worker")
    sessions = [site.session(base) for _ in range(6)]
    form = {
        "held_on": site.facts["today"],
        "attendance_progress": "Steadier since half term.",
        "behaviour_progress": "Fewer incidents.",
        "attainment_progress": "Keeping up.",
        "next_steps": "Review in six weeks.",
        "engagement": "3", "relationships": "4", "self_regulation": "3",
        "attitude_to_learning": "4",
    }  # fmt: skip
    saved: list[int] = []
    cut: list[str] = []
    unexpected: list[int] = []
    stop = threading.Event()

    def save_reviews(http: requests.Session, n: int) -> None:
        pupils = site.facts["pupils"]
        while not stop.is_set():
            pk = pupils[(n + len(saved)) % len(pupils)][0]
            data = {**form, "csrfmiddlewaretoken": http.cookies.get("csrftoken", "")}
            try:
                response = http.post(
                    f"{base}/students/{pk}/reviews/new/", data=data, allow_redirects=False,
                    timeout=30,
                )  # fmt: skip
            except requests.RequestException as exc:
                cut.append(type(exc).__name__)
                return
            if response.status_code == 302:
                saved.append(pk)
            else:
                unexpected.append(response.status_code)

    threads = [threading.Thread(target=save_reviews, args=(h, n)) for n, h in enumerate(sessions)]
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER_S)
    site.kill_all()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not unexpected, unexpected
    assert saved, "no review was saved before the kill"
    assert cut, "no request was in flight when the server was killed"

    state = site.query(STATE)
    new_reviews = state["reviews"] - before["reviews"]
    assert new_reviews >= len(saved)  # every answered save is there
    assert new_reviews <= len(saved) + len(cut)  # and at most the ones cut off
    # Each review came with its audit event and its ratings, or not at all.
    assert state["review_events"] - before["review_events"] == new_reviews
    assert state["rated_reviews"] - before["rated_reviews"] == new_reviews
    site.audit_verifies()

    # The service comes back.
    base = site.serve()
    assert requests.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
    site.kill_all()


# Read-only database and full disk: a 503 page -------------------------------------------


@pytest.fixture
def coordinator_client(client: Client, personas: dict[str, Any]) -> Client:
    # The 503 and 500 handlers run only when the exception is not re-raised into the test.
    client.raise_request_exception = False
    return signed_in(client, personas["coordinator"])


@pytest.fixture
def read_only_database() -> Iterator[None]:
    """The test's database refuses writes, as a standby or a read-only volume does."""
    on, off = (
        ("PRAGMA query_only = ON", "PRAGMA query_only = OFF")
        if connection.vendor == "sqlite"
        else (
            "SET SESSION default_transaction_read_only = on",
            "SET SESSION default_transaction_read_only = off",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(on)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(off)


def _assert_unavailable_page(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Sorry, the service is unavailable" in page
    assert "Nothing you entered has been half-saved" in page
    assert "Traceback" not in page
    assert "sqlite" not in page.lower()
    assert "postgres" not in page.lower()


# transaction=True: each request's writes are then transactions of their own, as in
# production, and a read-only session setting can be lifted again for the teardown.
@pytest.mark.django_db(transaction=True)
def test_read_only_database_gives_the_503_page(
    coordinator_client: Client, read_only_database: None
) -> None:
    # Every page saves the session, so even reading one is a write.
    _assert_unavailable_page(coordinator_client.get(reverse("core:home")))


@pytest.mark.django_db
def test_full_disk_gives_the_503_page(coordinator_client: Client) -> None:
    if connection.vendor == "sqlite":
        error: Exception = OperationalError("database or disk is full")
    else:
        import psycopg

        error = OperationalError("could not extend file: No space left on device")
        error.__cause__ = psycopg.errors.DiskFull("could not extend file")

    def full(execute: Any, sql: str, *args: Any) -> Any:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise error
        return execute(sql, *args)

    with connection.execute_wrapper(full):
        response = coordinator_client.get(reverse("core:home"))
    _assert_unavailable_page(response)


@pytest.mark.django_db
def test_a_full_disk_for_an_upload_gives_the_503_page(
    coordinator_client: Client, county: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", no_space)
    response = coordinator_client.post(
        reverse("imports:upload"),
        {
            "school": county.school_a.pk,
            "kind": "attendance",
            "columns": "upn=UPN,date=Date,am=AM,pm=PM",
            "file": io.BytesIO(b"UPN,Date,AM,PM\n"),
        },
    )
    _assert_unavailable_page(response)


@pytest.mark.django_db
def test_other_errors_still_give_the_500_page(
    coordinator_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("seip.home.views.next_steps", broken)
    response = coordinator_client.get(reverse("core:home"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (OperationalError("attempt to write a readonly database"), True),
        (OperationalError("database or disk is full"), True),
        (OperationalError("disk I/O error"), True),
        (OperationalError("database is locked"), False),
        (OperationalError("no such table: students_student"), False),
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EROFS, "Read-only file system"), True),
        (OSError(errno.ENOENT, "No such file"), False),
        (ValueError("readonly database"), False),
    ],
)
def test_storage_unavailable_recognises_only_storage_faults(
    exc: BaseException, expected: bool
) -> None:
    assert storage_unavailable(exc) is expected


def test_storage_unavailable_reads_postgresql_sqlstates() -> None:
    import psycopg

    for cause, expected in [
        (psycopg.errors.ReadOnlySqlTransaction("read-only"), True),
        (psycopg.errors.DiskFull("full"), True),
        (psycopg.errors.UniqueViolation("duplicate"), False),
    ]:
        wrapped = OperationalError(str(cause))
        wrapped.__cause__ = cause
        assert storage_unavailable(wrapped) is expected
