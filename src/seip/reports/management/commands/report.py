"""Outcome reports from the command line (P04, P10, P13):

    seip report outcomes (--partnership NAME | --school URN | --county LA_CODE)
        --period 2025-26 [--term autumn|spring|summer|autumn-spring]
        --format html|pdf|csv|xlsx --out FILE --as EMAIL
    seip report impact (--partnership NAME | --county LA_CODE) --period 2025-26 ...

``impact`` is what helps, what slows progress and value for money (P05, P06), the same
section the partnership and county outcome reports end with, on its own.

The report is released exactly as the page releases it: to the person named by ``--as``,
who must be entitled to it (a co-ordinator, the school's contact, an LA officer), and
every table is protected and recorded in the release ledger first.
"""

import re
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.template.loader import render_to_string

from seip.accounts.models import User
from seip.impact.report import impact_report
from seip.notices.pdf import png_logo
from seip.organisations.models import LocalAuthority, Partnership, School
from seip.reports import render_files, render_pdf
from seip.reports.forms import PERIODS
from seip.reports.outcomes import outcome_report
from seip.reports.permissions import scope_for
from seip.reports.population import Period
from seip.reports.runs import report_run_create


def parse_period(text: str, term: str | None) -> Period:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise CommandError(f"--period {text!r}: give a school year such as 2025-26")
    if term is not None and term not in PERIODS:
        raise CommandError(f"--term {term!r}: choose from {', '.join(PERIODS)}")
    return Period(int(match[1]), PERIODS[term or "year"])


class Command(BaseCommand):
    help = "Make an outcome report that identifies no one, and write it to a file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True)
        for name, text in (
            ("outcomes", "the standard outcome report"),
            ("impact", "impact and value for money (partnership or county)"),
        ):
            report = sub.add_parser(name, help=text)
            where = report.add_mutually_exclusive_group(required=True)
            where.add_argument("--partnership", metavar="NAME", help="a partnership, by name")
            if name == "outcomes":
                where.add_argument("--school", metavar="URN", help="one member school")
            where.add_argument("--county", metavar="LA_CODE", help="every partnership of an LA")
            report.add_argument("--period", required=True, help="school year, e.g. 2025-26")
            report.add_argument("--term", help=f"one of {', '.join(PERIODS)} (default: year)")
            report.add_argument(
                "--format", choices=["html", "pdf", "csv", "xlsx"], required=True, dest="fmt"
            )
            report.add_argument("--out", type=Path, required=True, metavar="FILE")
            report.add_argument(
                "--as", dest="actor", required=True, metavar="EMAIL", help="who receives it"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        period = parse_period(options["period"], options["term"])
        actor = User.objects.filter(email=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"--as {options['actor']!r}: no active user has that email")
        key = self._scope_key(options)
        allowed = scope_for(actor, key)
        if allowed is None:
            raise CommandError(
                f"{actor.email} may not receive that report: reports go only to the "
                "partnership's co-ordinator, the school's own contacts and LA officers (P13)"
            )
        scope, recipient = allowed
        build = impact_report if options["report"] == "impact" else outcome_report
        try:
            # One transaction: a report that fails half-way releases nothing.
            with transaction.atomic():
                document = build(scope=scope, period=period, recipient=recipient, actor=actor)
                report_run_create(scope=key, document=document, actor=actor)
        except ValueError as error:
            raise CommandError(str(error)) from error
        fmt, out = options["fmt"], options["out"]
        if fmt == "pdf":
            logo = png_logo(scope.partnership) if scope.partnership else None
            out.write_bytes(render_pdf.report_pdf(document, logo=logo))
        elif fmt == "xlsx":
            out.write_bytes(render_files.report_xlsx(document))
        elif fmt == "csv":
            out.write_text(
                render_files.report_csv(document, geographic_level=document.geographic_level),
                encoding="utf-8",
            )
            meta = out.with_name(out.stem + ".meta.csv")
            meta.write_text(render_files.report_csv_metadata(document), encoding="utf-8")
            self.stdout.write(f"metadata: {meta}")
        else:
            out.write_text(
                render_to_string("reports/standalone.html", {"document": document}),
                encoding="utf-8",
            )
        figures = document.figures()
        self.stdout.write(
            f"{document.title} ({document.scope_label}): {len(figures)} tables released to "
            f"{document.released_to}, written to {out}"
        )

    @staticmethod
    def _scope_key(options: dict[str, Any]) -> str:
        if options["partnership"]:
            partnership = Partnership.objects.filter(name=options["partnership"]).first()
            if partnership is None:
                raise CommandError(f"--partnership {options['partnership']!r}: no such partnership")
            return f"partnership:{partnership.pk}"
        if options.get("school"):
            school = School.objects.filter(urn=options["school"]).first()
            if school is None:
                raise CommandError(f"--school {options['school']!r}: no school has that URN")
            return f"school:{school.pk}"
        authority = LocalAuthority.objects.filter(la_code=options["county"]).first()
        if authority is None:
            raise CommandError(f"--county {options['county']!r}: no local authority has that code")
        return f"county:{authority.pk}"
