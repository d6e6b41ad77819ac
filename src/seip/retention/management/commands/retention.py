"""``seip retention sweep [--dry-run]``: dispose of what the retention schedule says is due
(P17). ``seip retention replay [--apply]``: after restoring a backup, erase again whoever
was erased since it was taken (P22). Both print ids and dates only, never a name."""

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from seip.retention.selectors import Due
from seip.retention.services import erasures_replay, retention_sweep


class Command(BaseCommand):
    help = (
        "Dispose of records whose retention period has ended, by crypto-shredding and "
        "deletion, and write the disposal log. Safe to run daily. With --dry-run, list what "
        "would go and change nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sweep = sub.add_parser("sweep", help="dispose of everything that is due")
        sweep.add_argument(
            "--dry-run", action="store_true", help="list what would go; change nothing"
        )
        sweep.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="with --dry-run: what would go on that date (for planning)",
        )

        replay = sub.add_parser(
            "replay",
            help="after restoring a backup: list (or, with --apply, erase again) the "
            "subjects erased since the backup was taken",
        )
        replay.add_argument("--apply", action="store_true", help="erase them again")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "replay":
            self.replay(apply=options["apply"])
            return
        now = None
        if options["as_of"] is not None:
            if not options["dry_run"]:
                raise CommandError("--as-of needs --dry-run: disposal only ever runs as of now.")
            now = timezone.make_aware(dt.datetime.combine(options["as_of"], dt.time(12)))
        result = retention_sweep(now=now, dry_run=options["dry_run"])
        verb = "Would dispose of" if result.dry_run else "Disposed of"
        self.stdout.write(f"Retention sweep for {result.today:%Y-%m-%d}")
        self.stdout.write(f"{verb} {len(result.disposed)} records:")
        self._list(result.disposed)
        self.stdout.write(f"Kept under a legal hold: {len(result.held)}")
        self._list(result.held)
        self.stdout.write(f"Due for the DPO's review (not disposed of): {len(result.review)}")
        self._list(result.review)
        drafts = "would be purged" if result.dry_run else "purged"
        self.stdout.write(f"Unsigned drafts {drafts}: {result.drafts}")

    def replay(self, *, apply: bool) -> None:
        found = erasures_replay(apply=apply)
        verb = "Erased again" if apply else "Erased since the backup (run with --apply)"
        self.stdout.write(f"{verb}: {len(found)}")
        for referral_id in found:
            self.stdout.write(f"  referral {referral_id}")

    def _list(self, items: list[Due]) -> None:
        for due in items:
            student = f" student {due.student_id}" if due.student_id else ""
            self.stdout.write(
                f"  referral {due.referral_id}{student}  {due.record_type}  "
                f"due {due.due_on:%Y-%m-%d}"
            )
