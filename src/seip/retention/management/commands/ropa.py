"""``seip ropa``: the record of processing activities (Article 30) from the live
configuration (P24)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seip.organisations.models import Partnership
from seip.retention.ropa import build_ropa, to_csv, to_markdown


class Command(BaseCommand):
    help = (
        "Write the Article 30 record of processing for one partnership, or all of them, "
        "from the live configuration: controller, purposes, lawful basis, categories, "
        "recipients, transfers, retention and security measures."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=["markdown", "csv"], default="markdown")
        parser.add_argument("--partnership", metavar="SLUG", help="one partnership only")
        parser.add_argument("--out", metavar="FILE", help="write to FILE, not the screen")

    def handle(self, *args: Any, **options: Any) -> None:
        partnerships = Partnership.objects.select_related("local_authority").order_by("name")
        if options["partnership"]:
            partnerships = partnerships.filter(slug=options["partnership"])
            if not partnerships:
                raise CommandError(f"No partnership {options['partnership']!r}.")
        ropas = [build_ropa(p) for p in partnerships]
        text = to_csv(ropas) if options["format"] == "csv" else to_markdown(ropas)
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(
                f"Wrote the record of processing for {len(ropas)} partnership"
                f"{'s' if len(ropas) != 1 else ''} to {options['out']}."
            )
        else:
            self.stdout.write(text, ending="")
