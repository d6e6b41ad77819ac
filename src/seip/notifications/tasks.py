"""The daily digest as a periodic background task, run by ``seip worker``.

There is always one digest task waiting in the queue, due at ``DIGEST_HOUR`` (local
time). ``seip worker`` queues it for today when it starts and none is waiting, and each
run queues the next for tomorrow before it ends. A worker that was down at that hour runs
the waiting task as soon as it is back, and a run that comes twice in one day (a restart
after the hour) sends nothing twice: ``digests_send`` is idempotent per person and day.
"""

import datetime as dt

from django.conf import settings
from django.tasks import task
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from seip.notifications.services import digests_send


@task()
def daily_digest() -> int:
    """Send today's digests and queue tomorrow's run; return how many were sent."""
    try:
        return digests_send()
    finally:
        digest_schedule(day=timezone.localdate() + dt.timedelta(days=1))


def digest_due_at(day: dt.date) -> dt.datetime:
    """The moment ``day``'s digest is due: ``DIGEST_HOUR`` o'clock, local time."""
    hour = dt.time(hour=settings.DIGEST_HOUR)
    return timezone.make_aware(dt.datetime.combine(day, hour))


def digest_schedule(*, day: dt.date | None = None) -> bool:
    """Queue the digest for ``day`` (today by default) unless one is already waiting;
    return whether one was queued. Today's may be due already, and then runs at once.
    Only a backend that can hold a task until later (the database) keeps a schedule."""
    if not daily_digest.get_backend().supports_defer:
        return False
    waiting = DBTaskResult.objects.filter(
        task_path=daily_digest.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    run_after = digest_due_at(day or timezone.localdate())
    daily_digest.using(run_after=run_after).enqueue()
    return True
