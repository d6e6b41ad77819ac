"""``seip keys status`` and ``seip keys rotate``: the per-student data keys (P14, P22)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from seip.keys.selectors import key_status
from seip.keys.services import master_key_rotate


class Command(BaseCommand):
    help = (
        "Show how many data keys each master key wraps and how many were shredded, or "
        "re-wrap every live data key under the current (first) master key."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("status", help="counts of data keys by master key id, and shredded")
        sub.add_parser("rotate", help="re-wrap every live data key under the current master key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "rotate":
            moved = master_key_rotate(actor=None)
            self.stdout.write(f"Re-wrapped {moved} data keys under the current master key.")
        self.status()

    def status(self) -> None:
        status = key_status()
        self.stdout.write(f"Current master key: {status.current_master_key_id}")
        for key_id, count in status.by_master_key.items():
            self.stdout.write(f"  {key_id}: {count} live data keys")
        self.stdout.write(f"Shredded: {status.shredded}")
        if status.missing_secret:
            self.stderr.write(
                f"Warning: {status.missing_secret} live data keys have lost their key-store "
                "secret; their records cannot be decrypted."
            )
