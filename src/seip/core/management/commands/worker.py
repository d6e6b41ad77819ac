"""``seip worker``: the background task worker (imports, reports, the daily digest), with
production defaults."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from seip.core.periodic import schedule_all
from seip.core.recovery import interrupted_tasks_fail, worker_id


class Command(DbWorkerCommand):
    help = (
        "Run the background task worker: every queue, polling each second, no autoreload. "
        "First marks failed any task a worker on this host left running when it died, then "
        "queues the periodic tasks (the daily digest) that are not queued yet. "
        "Takes the same options as db_worker."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Autoreload would kill a task mid-run on a code change; production never wants it.
        # The worker id names the host and process, so a later worker can tell whether the
        # one that claimed a task is still alive (seip.core.recovery).
        parser.set_defaults(reload=False, interval=1, queue_name="*", worker_id=worker_id())

    def handle(self, *args: Any, **options: Any) -> None:
        from seip.audit.checks import production_problems
        from seip.keys.checks import key_store_problems

        # Tasks write audit events too: refuse now, not at the thousandth (ADR 0025).
        # Erasure holds only with the key store apart (P22), so the keys' problems too.
        problems = production_problems() + key_store_problems()
        if problems:
            raise CommandError("; ".join(problems))
        failed = interrupted_tasks_fail()
        if failed:
            self.stdout.write(f"Marked {failed} interrupted task(s) failed.")
        # After recovery: a periodic task the dead worker left running is failed above, and
        # its next run is queued here (seip.core.periodic).
        for name in schedule_all():
            self.stdout.write(f"Scheduled {name}.")
        super().handle(*args, **options)
