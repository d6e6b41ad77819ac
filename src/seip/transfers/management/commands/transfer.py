"""``seip transfer export | open | keygen``: signed, encrypted transfer packages (P15).

Nothing personal is printed: paths, ids, checksums and key ids only.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from seip.accounts.models import User
from seip.organisations.models import PartnerOrganisation, Partnership
from seip.students.selectors import student_record_visible_to
from seip.transfers import keys, package
from seip.transfers.services import (
    TransferRefused,
    organisation_identity_create,
    organisation_recipient_set,
    partnership_signing_key_publish,
    transfer_export,
    transfer_open,
)


def _user(email: str | None) -> User | None:
    if email is None:
        return None
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None:
        raise CommandError(f"No active user with the email {email}")
    return user


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} {path}: {exc.strerror}") from None


class Command(BaseCommand):
    help = (
        "Send a student's record as a signed package encrypted to a partner organisation, "
        "open and verify a package, or make the keys they need."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        export = sub.add_parser("export", help="build a package for one student")
        export.add_argument("--student", type=int, required=True, metavar="ID")
        export.add_argument("--to", type=int, required=True, metavar="ORG_ID")
        export.add_argument("--purpose", required=True, metavar="TEXT")
        export.add_argument("--by", required=True, metavar="EMAIL", help="who is sending it")
        export.add_argument(
            "--out", type=Path, metavar="FILE", help="a new file, or a folder to put it in"
        )
        opening = sub.add_parser("open", help="decrypt and verify a package")
        opening.add_argument("package", type=Path, metavar="PACKAGE")
        opening.add_argument("--identity", type=Path, required=True, metavar="FILE")
        opening.add_argument(
            "--signer", type=Path, metavar="PUBKEYFILE",
            help="the sender's Ed25519 public key (PEM or base64), if not in this database",
        )  # fmt: skip
        opening.add_argument("--out", type=Path, metavar="DIR")
        opening.add_argument("--by", metavar="EMAIL", help="who is opening it, for the log")
        keygen = sub.add_parser("keygen", help="make a signing key or a recipient key")
        whose = keygen.add_mutually_exclusive_group(required=True)
        whose.add_argument("--partnership", metavar="SLUG")
        whose.add_argument("--organisation", type=int, metavar="ID")
        keygen.add_argument("--identity-out", type=Path, metavar="FILE")
        keygen.add_argument("--recipient", metavar="AGE1...", help="record a key they made")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['subcommand']}")(options)
        except (TransferRefused, package.PackageError) as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    def do_export(self, options: dict[str, Any]) -> None:
        actor = _user(options["by"])
        assert actor is not None  # noqa: S101 - --by is required by the parser
        # Scoped like every read: a student the sender may not see is "not found".
        student = student_record_visible_to(actor).filter(pk=options["student"]).first()
        if student is None:
            raise CommandError(f"No student {options['student']} that {options['by']} can see")
        organisation = PartnerOrganisation.objects.filter(pk=options["to"]).first()
        if organisation is None:
            raise CommandError(f"No organisation {options['to']}")
        done = transfer_export(
            student=student,
            organisation=organisation,
            purpose=options["purpose"],
            actor=actor,
            out=options["out"],
        )
        self.stdout.write(f"Package: {done.path}")
        self.stdout.write(f"SHA-256: {done.sha256}")
        self.stdout.write(f"Package id: {done.package_id} ({done.files} files)")

    def do_open(self, options: dict[str, Any]) -> None:
        data = _read(options["package"], "package")
        identity = _read(options["identity"], "identity file").decode("utf-8", "replace")
        signer = None
        if options["signer"] is not None:
            text = _read(options["signer"], "signer's public key").decode("utf-8", "replace")
            try:
                signer = keys.parse_public_key(text)
            except ValueError as exc:
                raise CommandError(f"{options['signer']}: {exc}") from None
        out = options["out"] or Path.cwd() / options["package"].name.removesuffix(".age")
        done = transfer_open(
            data=data, identity_text=identity, out_dir=out, actor=_user(options["by"]),
            signer=signer,
        )  # fmt: skip
        self.stdout.write("Decrypted with your identity: the package was encrypted to you.")
        self.stdout.write(
            f"Signature verified: signed by {done.sender} (key {done.signer_key_id})."
        )
        self.stdout.write(f"All {done.files} files match their SHA-256 in the manifest.")
        self.stdout.write(f"Package {done.package_id} opened into {done.path}")

    def do_keygen(self, options: dict[str, Any]) -> None:
        if options["partnership"] is not None:
            partnership = Partnership.objects.filter(slug=options["partnership"]).first()
            if partnership is None:
                raise CommandError(f"No partnership {options['partnership']}")
            public = partnership_signing_key_publish(partnership=partnership, actor=None)
            self.stdout.write(f"Signing key {package.key_id(public)} for {partnership.slug}.")
            self.stdout.write("Give this public key to your recipients (--signer FILE):")
            self.stdout.write(keys.public_pem(public), ending="")
            return
        organisation = PartnerOrganisation.objects.filter(pk=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation {options['organisation']}")
        if options["recipient"]:
            organisation_recipient_set(
                organisation=organisation, recipient=options["recipient"], actor=None
            )
            recipient = organisation.age_recipient
        elif options["identity_out"] is not None:
            try:
                recipient = organisation_identity_create(
                    organisation=organisation, identity_out=options["identity_out"], actor=None
                )
            except FileExistsError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Identity written to {options['identity_out']} (keep it secret).")
        else:
            raise CommandError("Give --identity-out FILE, or --recipient with their age key")
        self.stdout.write(f"Organisation {organisation.pk} now receives packages as {recipient}")
