"""``seip worker``: the background task worker (imports, reports), with production defaults."""

from argparse import ArgumentParser

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = (
        "Run the background task worker: every queue, polling each second, no autoreload. "
        "Takes the same options as db_worker."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Autoreload would kill a task mid-run on a code change; production never wants it.
        parser.set_defaults(reload=False, interval=1, queue_name="*")
