"""Import school data into the records of referred students, printing each file's report:

- ``seip import ctf FILE... [--school URN] [--valid-only] --as EMAIL``: Common Transfer
  Files;
- ``seip import csv KIND FILE --school URN [--mapping FIELD=COLUMN,...] [--preview]
  [--valid-only] --as EMAIL``: an MIS export of attendance marks, behaviour incidents,
  suspensions and exclusions, or assessment results, with its column mapping remembered
  for the school.

The file's own name can name a pupil, so what is stored (the facts' source notes, the
report) carries only the neutral label the web upload uses (``file_label``, ADR 0035); the
name is shown on the terminal only, to say which file a message is about.
"""

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from seip.accounts.models import User
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.imports.mis import FIELDS, OPTIONAL, parse_mapping
from seip.imports.models import ImportKind, MappingKind, file_label
from seip.imports.runs import csv_import, csv_preview
from seip.imports.services import ctf_import
from seip.imports.validation import ImportValidationError
from seip.organisations.models import School


class Command(BaseCommand):
    help = (
        "Import school data. `import ctf FILE...` reads Common Transfer Files (versions 12.0 "
        "to 25.0) and updates the records of the referred students in them; every other "
        "pupil is skipped and counted as not referred."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="format", required=True)
        ctf = sub.add_parser("ctf", help="import Common Transfer Files")
        ctf.add_argument("files", nargs="+", type=Path, metavar="FILE")
        ctf.add_argument("--school", metavar="URN", help="the school the files come from")
        ctf.add_argument(
            "--valid-only",
            action="store_true",
            help="import the valid pupils and reject the others (each pupil all or nothing)",
        )
        ctf.add_argument(
            "--max-mb",
            type=int,
            default=DEFAULT_MAX_BYTES // 2**20,
            help="refuse a file larger than this many MB (default %(default)s)",
        )
        ctf.add_argument(
            "--as",
            dest="actor",
            required=True,
            metavar="EMAIL",
            help="who imports: the co-ordinator, the safeguarding lead or a school contact",
        )

        mis = sub.add_parser("csv", help="import an MIS CSV export")
        mis.add_argument("kind", choices=list(MappingKind.values))
        mis.add_argument("file", type=Path, metavar="FILE")
        mis.add_argument("--school", metavar="URN", required=True)
        mis.add_argument(
            "--mapping",
            metavar="FIELD=COLUMN,...",
            help="which column holds each field, e.g. upn=UPN,date=Date,am=AM,pm=PM for "
            "attendance; fields: "
            + "; ".join(
                f"{kind}: {', '.join(FIELDS[kind])}"
                + (f" [{', '.join(OPTIONAL[kind])}]" if kind in OPTIONAL else "")
                for kind in MappingKind.values
            )
            + "; remembered for the school (default: the remembered mapping)",
        )
        mis.add_argument(
            "--preview", action="store_true", help="show the first rows as mapped; import nothing"
        )
        mis.add_argument("--valid-only", action="store_true")
        mis.add_argument("--as", dest="actor", required=True, metavar="EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(email__iexact=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user has the email {options['actor']}")
        if options["format"] == "csv":
            self.csv(actor, options)
            return
        failed = 0
        for path in options["files"]:
            try:
                report = ctf_import(
                    source=path,
                    file_name=file_label(ImportKind.CTF, path.name),
                    actor=actor,
                    school_urn=options["school"],
                    valid_only=options["valid_only"],
                    max_bytes=options["max_mb"] * 2**20,
                    progress=self._progress,
                )
            except (ImportValidationError, PermissionDenied, OSError) as exc:
                self.stderr.write("")
                self.stdout.write(f"{path.name}: refused, nothing was changed: {exc}")
                failed += 1
                continue
            self.stderr.write("")
            self.stdout.write("\n".join(report.lines()))
            failed += not report.applied
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files were not imported")

    def csv(self, actor: User, options: dict[str, Any]) -> None:
        school = School.objects.filter(urn=options["school"]).first()
        if school is None:
            raise CommandError(f"There is no school with URN {options['school']}")
        path: Path = options["file"]
        try:
            columns = (
                parse_mapping(options["mapping"], options["kind"]) if options["mapping"] else None
            )
            if options["preview"]:
                lines = csv_preview(
                    options["kind"], path, school=school, columns=columns, actor=actor
                )
                self.stdout.write("\n".join(lines))
                return
            report = csv_import(
                options["kind"],
                source=path,
                school=school,
                actor=actor,
                columns=columns,
                file_name=file_label(options["kind"], path.name),
                valid_only=options["valid_only"],
                progress=self._progress,
            )
        except (ImportValidationError, PermissionDenied, OSError) as exc:
            raise CommandError(f"{path.name}: refused, nothing was changed: {exc}") from None
        self.stdout.write("\n".join(report.lines()))
        if not report.applied:
            raise CommandError(f"{path.name} was not imported")

    def _progress(self, done: int, total: int) -> None:
        # One line rewritten in place on a terminal; every 100 pupils (and the last) when
        # the output is captured, so logs stay short.
        if done == total or done % 100 == 0 or self.stderr.isatty():
            end = "\r" if self.stderr.isatty() and done < total else "\n"
            self.stderr.write(f"  pupils {done}/{total}", ending=end)
            if self.stderr.isatty():
                sys.stderr.flush()
