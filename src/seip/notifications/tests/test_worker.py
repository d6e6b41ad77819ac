"""``seip worker`` keeps one daily digest task queued, and runs it (issue 19)."""

import datetime as dt
import io
import signal

import pytest
from django.core.management import call_command
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from seip.notifications.models import Kind, SentMessage
from seip.notifications.tasks import daily_digest, digest_due_at, digest_schedule
from seip.students.models import Case


def _worker() -> str:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    out = io.StringIO()
    try:
        call_command("worker", "--batch", "--no-startup-delay", stdout=out, verbosity=0)
    finally:
        for sig, handler in handlers.items():  # the worker installs its own
            signal.signal(sig, handler)
    return out.getvalue()


def _digest_tasks(status: str) -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=daily_digest.module_path, status=status).order_by(
            "run_after"
        )
    )


# transaction=True: the worker closes its database connection on the way out, which on
# PostgreSQL would break the test's wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_todays_digest_once_and_queues_tomorrows(
    zebedee, personas, smtp, settings, database_tasks
):
    settings.DIGEST_HOUR = 0  # today's is due already, whenever the test runs
    Case.objects.filter(student=zebedee).update(opened_at=timezone.now() - dt.timedelta(days=200))
    assert "Scheduled daily digest." in _worker()
    assert len(smtp.to("key_worker@seip.test")) == 1
    assert len(_digest_tasks(TaskResultStatus.SUCCESSFUL)) == 1
    [waiting] = _digest_tasks(TaskResultStatus.READY)
    assert waiting.run_after == digest_due_at(timezone.localdate() + dt.timedelta(days=1))
    # A restart the same day queues nothing new and sends nothing twice.
    assert "Scheduled" not in _worker()
    assert digest_schedule() is False
    assert len(smtp.to("key_worker@seip.test")) == 1
    assert (
        SentMessage.objects.filter(kind=Kind.DIGEST, recipient=personas["key_worker"]).count() == 1
    )


def test_no_schedule_where_tasks_cannot_wait(immediate_tasks):
    """The immediate backend (tests, a laptop without a worker) runs at once: queueing a
    digest for 7 o'clock there would send it now, so nothing is queued."""
    assert digest_schedule() is False
