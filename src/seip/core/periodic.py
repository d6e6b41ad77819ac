"""Work the background worker does on a schedule, registered by the apps that own it.

An app registers a scheduler in its ``AppConfig.ready()``: a function that makes sure the
app's next periodic task is waiting in the queue (with ``run_after``), and does nothing
when one already is. ``seip worker`` calls every scheduler as it starts, and each periodic
task queues its own next run when it ends, so the schedule lives in the task queue (one
row to look at) and survives a restart. ``core`` knows no app's tasks: apps come to it.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_schedulers: dict[str, Callable[[], bool]] = {}


def register(name: str, scheduler: Callable[[], bool]) -> None:
    """Have ``seip worker`` call ``scheduler`` at start; it returns whether it queued a
    task. Registering a name again replaces the scheduler (``ready()`` may run twice)."""
    _schedulers[name] = scheduler


def schedule_all() -> list[str]:
    """Call every registered scheduler; return the names of those that queued a task."""
    queued = []
    for name, scheduler in sorted(_schedulers.items()):
        if scheduler():
            logger.info("Scheduled periodic task %s", name)
            queued.append(name)
    return queued
