"""Tasks left behind by a worker that died: found when a worker starts, and failed cleanly.

A worker killed in the middle of a task (``kill -9``, the out-of-memory killer, a power
cut) cannot say so. Its task stays "running" in the queue for ever, and an import run's
page would keep saying "Importing". The task's own work was one transaction, so the
database rolled it back: nothing was applied. What is left is to say so.

Each ``seip worker`` is named ``<host>:<pid>`` (see :func:`worker_id`). When a worker
starts, it looks for running tasks claimed by a worker on its own host whose process no
longer exists, and marks each one failed with :class:`TaskInterruptedError`. An import run
behind such a task is marked failed with a plain message, and its encrypted upload is
deleted (P25: it holds pupils who were never referred). Tasks claimed on another host are
left alone: this worker cannot tell whether that host's worker is alive, and that host's
worker recovers its own when it restarts.

A task is never run again by itself: an import that crashed a worker once (say, by
running out of memory) would crash it again, over and over. The person who started it
sees the failure on the page and can start it again.
"""

import logging
import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

#: What each kind of task does when its worker died, by the task's module path. Each app
#: registers its own in ``AppConfig.ready`` (``on_interrupted``), so this module imports
#: none of them (ADR 0050).
_HANDLERS: dict[str, Callable[[Sequence[Any]], None]] = {}


def on_interrupted(task: Any, handler: Callable[[Sequence[Any]], None]) -> None:
    """When ``task`` (a django-tasks task) is found interrupted, call ``handler`` with its
    positional arguments, in the transaction that marks it failed."""
    _HANDLERS[task.module_path] = handler


class TaskInterruptedError(RuntimeError):
    """Recorded as a task's failure when the worker running it died."""


def worker_id() -> str:
    """``<host>:<pid>``: unique among the workers alive at one time, and enough for a later
    worker on the same host to tell whether this one is still running."""
    return f"{socket.gethostname()[:48]}:{os.getpid()}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a dead worker's pid, reused by the worker now starting
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge, so assume alive
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        # A reused pid belonging to some other program is not a live worker.
        try:
            args = cmdline.read_bytes()
        except OSError:
            return True
        # Empty while a process is part-way through exec (its arguments are not yet in
        # place) and for a zombie: neither can be judged, so it is left for next time.
        return not args or b"worker" in args
    return True


def _dead_here(worker_ids: list[str], host: str) -> bool:
    if not worker_ids:
        return False
    claimed_host, _, pid = worker_ids[-1].rpartition(":")
    return claimed_host == host and pid.isdigit() and not _alive(int(pid))


def interrupted_tasks_fail() -> int:
    """Fail every running task whose worker on this host is gone; return how many."""
    host = socket.gethostname()[:48]
    failed = 0
    for result in DBTaskResult.objects.running().only("pk", "worker_ids", "task_path"):
        if not _dead_here(list(result.worker_ids), host):
            continue
        with transaction.atomic():
            locked = DBTaskResult.objects.select_for_update().get(pk=result.pk)
            if locked.status != "RUNNING":
                continue
            locked.set_failed(TaskInterruptedError("the worker running this task stopped"))
            handler = _HANDLERS.get(locked.task_path)
            if handler is not None:
                handler(locked.args_kwargs["args"])
        failed += 1
        # Ids only: a task's arguments can name a file.
        logger.warning("Task %s was interrupted by a worker that stopped", result.pk)
    return failed
