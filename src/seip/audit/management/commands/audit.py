"""``seip audit verify`` and ``seip audit checkpoint``: the tamper-evident trail (P14)."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from seip.audit.selectors import verify
from seip.audit.services import checkpoint_create, checkpoint_export
from seip.audit.witness import witness_path


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain, its signed checkpoints and the witness "
        "outside the database, or sign a new checkpoint (optionally exporting it for the "
        "DPO to keep offline)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser(
            "verify", help="recompute the chain and check every checkpoint; exit 1 if broken"
        )
        check.add_argument(
            "--against", type=Path, metavar="FILE", help="also check an exported checkpoint"
        )
        witness = check.add_mutually_exclusive_group()
        witness.add_argument(
            "--witness",
            type=Path,
            metavar="FILE",
            help="the witness to hold the database to (default: SEIP_AUDIT_WITNESS)",
        )
        witness.add_argument(
            "--no-witness", action="store_true", help="check the database on its own"
        )
        sign = sub.add_parser("checkpoint", help="sign the end of the chain now")
        sign.add_argument(
            "--export", type=Path, metavar="FILE", help="write the signed checkpoint as JSON"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(options["against"], options["witness"], not options["no_witness"])
        else:
            self.checkpoint(options["export"])

    def verify(self, against: Path | None, witness: Path | None, use_witness: bool) -> None:
        exported = None
        if against is not None:
            try:
                exported = json.loads(against.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read {against}: {exc}") from None
            if not isinstance(exported, dict):
                raise CommandError(f"{against} does not hold an exported checkpoint")
        if witness is not None and not witness.is_file():
            raise CommandError(f"the witness {witness} is not a file")
        result = verify(against=exported, witness=witness, use_witness=use_witness)
        for note in result.notes:
            self.stderr.write(f"Note: {note}")
        if not result.ok:
            raise CommandError(
                f"audit trail broken after {result.events} good events: "
                + "; ".join(result.problems),
                returncode=1,
            )
        self.stdout.write(
            f"{result.events} events verified, {result.checkpoints} checkpoints, "
            f"{result.witnessed} witnessed"
        )

    def checkpoint(self, export: Path | None) -> None:
        checkpoint = checkpoint_create(actor=None)
        self.stdout.write(
            f"Signed checkpoint at position {checkpoint.seq} with key {checkpoint.key_id}"
        )
        try:
            self.stdout.write(f"Appended to the witness {witness_path()}")
        except ImproperlyConfigured as exc:
            self.stderr.write(f"Not witnessed: {exc}")
        if export is not None:
            export.write_text(
                json.dumps(checkpoint_export(checkpoint), indent=2) + "\n", encoding="utf-8"
            )
            self.stdout.write(f"Exported to {export}")
