"""``seip backup --out FILE``: an encrypted backup of the database and the encrypted files,
without the key store or master keys (P22). Prints counts only."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seip.backups.archive import BackupError
from seip.backups.services import backup_create


class Command(BaseCommand):
    help = (
        "Write a consistent, encrypted backup of the database (SQLite online backup, or "
        "pg_dump) and the media folder. The key store and master keys are never included."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--out", required=True, metavar="FILE", help="where to write it")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(out=Path(options["out"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Wrote a {result.engine} backup with {result.files} files "
            f"({result.size} bytes) to {result.path}."
        )
