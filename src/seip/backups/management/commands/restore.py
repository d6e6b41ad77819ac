"""``seip restore FILE``: restore a backup into an empty data folder or database, then erase
again everyone erased since it was taken (P22). Prints ids and counts only."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seip.backups.archive import BackupError
from seip.backups.services import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by 'seip backup' into an empty data folder or empty "
        "database, verify its checksums, and replay erasures and disposals against the live "
        "key store so nothing erased comes back."
    )
    # The target database is empty until the restore loads it: nothing to check yet.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="a backup written by 'seip backup'")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        try:
            result = backup_restore(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored a {result.engine} backup taken {result.created_at} "
            f"with {result.files} files."
        )
        self.stdout.write(f"Erased again since the backup: {len(result.replayed)}")
        for referral_id in result.replayed:
            self.stdout.write(f"  referral {referral_id}")
