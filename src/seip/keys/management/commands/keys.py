"""``seip keys status``, ``seip keys rotate`` and ``seip keys rebind``: the per-student
data keys and the ciphertext sealed under them (P14, P22)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seip.keys import crypto
from seip.keys.sealing import plain_rows, remaining
from seip.keys.selectors import key_status
from seip.keys.services import REBIND_BATCH, master_key_rotate, sealed_rows_rebind


class Command(BaseCommand):
    help = (
        "Show how many data keys each master key wraps and how many were shredded, or "
        "re-wrap every live data key under the current (first) master key, or re-seal "
        "encrypted rows written before ciphertext was bound to its row."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser(
            "status",
            help="counts of data keys by master key id and shredded, and how many rows of "
            "sealed fields are still in plain text (during a migration)",
        )
        sub.add_parser("rotate", help="re-wrap every live data key under the current master key")
        rebind = sub.add_parser(
            "rebind",
            help="re-seal old (v1) encrypted columns bound to their row as well (v2); "
            "resumable: run it again after an interruption",
        )
        rebind.add_argument("--batch", type=int, default=REBIND_BATCH, help="rows per commit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "rebind":
            self.rebind(options["batch"])
            return
        if options["subcommand"] == "rotate":
            moved = master_key_rotate(actor=None)
            self.stdout.write(f"Re-wrapped {moved} data keys under the current master key.")
        self.status()

    def rebind(self, batch: int) -> None:
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        total = sum(sealed.model._default_manager.count() for sealed in crypto.sealed_columns())
        seen = 0

        def progress(rows: int) -> None:
            nonlocal seen
            seen += rows
            if self.stdout.isatty():  # a progress line in a terminal, nothing in a log
                self.stdout.write(f"\rLooked at {seen} of {total} rows", ending="")

        done = sealed_rows_rebind(actor=None, batch=batch, progress=progress)
        if self.stdout.isatty():
            self.stdout.write("")
        self.stdout.write(
            f"Re-sealed {done.resealed} rows bound to their row; {done.erased} belong to "
            f"erased records; {done.unreadable} could not be read."
        )
        if done.unreadable:
            self.stderr.write(
                "Warning: some rows could not be opened (a lost key, or ciphertext that "
                "fails its integrity check); they were left as they are."
            )

    def status(self) -> None:
        status = key_status()
        self.stdout.write(f"Current master key: {status.current_master_key_id}")
        for key_id, count in status.by_master_key.items():
            self.stdout.write(f"  {key_id}: {count} live data keys")
        self.stdout.write(f"Shredded: {status.shredded}")
        columns = plain_rows()
        left = remaining(columns)
        self.stdout.write(
            f"Sealed fields: {len(columns)}; rows still in plain text: {left}"
            + ("" if left else " (every sealed field is encrypted)")
        )
        for column in columns:
            if column.rows:
                self.stdout.write(f"  {column.label}.{column.field}: {column.rows} rows")
        if status.missing_secret:
            self.stderr.write(
                f"Warning: {status.missing_secret} live data keys have lost their key-store "
                "secret; their records cannot be decrypted."
            )
