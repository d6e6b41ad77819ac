"""A worker that starts fails the tasks its dead predecessors on this host left running."""

import os
import socket
import subprocess
import sys
import time

import pytest
from django_tasks_db.models import DBTaskResult

from seip.core.recovery import interrupted_tasks_fail, worker_id
from seip.imports.models import ImportRun, RunStatus
from seip.imports.runs import INTERRUPTED_IMPORT, upload_dir
from seip.imports.tasks import import_run_execute


def _dead_pid() -> int:
    """The pid of a process that has just exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _running(run_id: int, token: str, claimed_by: str) -> DBTaskResult:  # type: ignore[type-arg]
    result = import_run_execute.enqueue(run_id, token, None)
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim(claimed_by)
    return task


@pytest.fixture
def run(county, personas) -> ImportRun:
    return ImportRun.objects.create(
        school=county.school_a,
        kind="attendance",
        file_name="attendance.csv",
        status=RunStatus.RUNNING,
        created_by=personas["coordinator"],
    )


def test_worker_id_names_host_and_process() -> None:
    assert worker_id() == f"{socket.gethostname()[:48]}:{os.getpid()}"


@pytest.mark.django_db(transaction=True)
def test_a_dead_workers_import_is_failed_with_a_plain_message(run: ImportRun) -> None:
    upload = upload_dir() / "abc123.enc"
    upload.write_bytes(b"sealed")
    task = _running(run.pk, "abc123", f"{socket.gethostname()[:48]}:{_dead_pid()}")

    assert interrupted_tasks_fail() == 1

    task.refresh_from_db()
    assert task.status == "FAILED"
    assert task.exception_class_path == "seip.core.recovery.TaskInterruptedError"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.report == {"refused": INTERRUPTED_IMPORT}
    assert run.finished_at is not None
    assert not upload.exists()


@pytest.mark.django_db(transaction=True)
def test_live_and_other_hosts_workers_are_left_alone(run: ImportRun) -> None:
    here = socket.gethostname()[:48]
    elsewhere = _running(run.pk, "t1", f"another-host:{_dead_pid()}")
    free_form = _running(run.pk, "t2", "a-worker-id-without-a-pid")
    # This test process's parent is alive; pytest is not "worker", but a live pid whose
    # command line names a worker is what a running seip worker looks like.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "worker"])
    try:
        live = _running(run.pk, "t3", f"{here}:{alive.pid}")
        assert interrupted_tasks_fail() == 0
    finally:
        alive.kill()
        alive.wait()
    for task in (elsewhere, free_form, live):
        task.refresh_from_db()
        assert task.status == "RUNNING"
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_a_dead_workers_report_is_failed_and_released_nothing(county, personas) -> None:
    from seip.reports.models import Release, ReportRun
    from seip.reports.models import RunStatus as ReportStatus
    from seip.reports.runs import INTERRUPTED
    from seip.reports.tasks import report_run_execute

    report = ReportRun.objects.create(
        requested_by=personas["coordinator"], scope=f"partnership:{county.a.pk}",
        title="Outcomes report", params={"report": "outcomes", "year": "2026", "terms": "year"},
        status=ReportStatus.RUNNING,
    )  # fmt: skip
    task = DBTaskResult.objects.get(pk=report_run_execute.enqueue(report.pk).id)
    task.claim(f"{socket.gethostname()[:48]}:{_dead_pid()}")

    assert interrupted_tasks_fail() == 1

    report.refresh_from_db()
    assert (report.status, report.error) == (ReportStatus.FAILED, INTERRUPTED)
    assert not Release.objects.exists()


def test_a_process_whose_arguments_read_empty_is_not_judged_dead() -> None:
    """A process part-way through exec has no arguments yet, and neither has a zombie: on a
    busy machine a worker that had just started was failed as dead in that window."""
    from pathlib import Path

    from seip.core.recovery import _alive

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        for _ in range(3000):  # exited but not reaped: a zombie, whose cmdline is empty
            if stat.read_text().split(") ")[1].startswith("Z"):
                break
            time.sleep(0.01)
        assert Path(f"/proc/{child.pid}/cmdline").read_bytes() == b""
        assert _alive(child.pid)
    finally:
        child.wait()
    assert not _alive(child.pid)
