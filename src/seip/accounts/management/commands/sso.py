"""``seip sso configure``: an organisation's OpenID Connect provider for single sign-on
(ADR 0033). The client secret is read from a file, never from the command line (which
shell history and the process list keep), and stored sealed with ``SEIP_DATA_KEY``."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from seip.accounts.models import MfaClaim, SingleSignOn
from seip.accounts.sso import sso_configure
from seip.organisations.models import PartnerOrganisation


class Command(BaseCommand):
    help = "Single sign-on: set an organisation's OpenID Connect provider, or list them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        configure = sub.add_parser(
            "configure", help="set (or replace) an organisation's OpenID Connect provider"
        )
        configure.add_argument("--organisation", required=True, type=int, metavar="ID")
        configure.add_argument(
            "--issuer",
            required=True,
            metavar="URL",
            help="the provider's issuer, e.g. https://login.microsoftonline.com/TENANT/v2.0 "
            "or https://accounts.google.com",
        )
        configure.add_argument("--client-id", required=True, metavar="X")
        configure.add_argument(
            "--client-secret-file",
            required=True,
            metavar="F",
            help="a file holding the client secret (delete it afterwards)",
        )
        configure.add_argument(
            "--domains",
            required=True,
            metavar="A,B",
            help="email domains whose people sign in through this provider",
        )
        configure.add_argument(
            "--trust-provider-mfa",
            action="store_true",
            help="the provider's MFA counts as SEIP's second factor (the ID token must "
            "say MFA was used); without it, SEIP's own second factor still follows",
        )
        configure.add_argument(
            "--mfa-claim", choices=[c.value for c in MfaClaim], default=MfaClaim.AMR
        )
        configure.add_argument(
            "--acr-values", default="", metavar="A,B", help="with --mfa-claim acr"
        )
        sub.add_parser("list", help="the organisations that sign in with a provider")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "list":
            for config in SingleSignOn.objects.select_related("organisation"):
                mfa = "provider MFA counts" if config.trust_provider_mfa else "SEIP second factor"
                self.stdout.write(
                    f"{config.organisation_id}\t{config.organisation.name}\t{config.issuer}"
                    f"\t{config.domains}\t{mfa}"
                )
            return
        organisation = PartnerOrganisation.objects.filter(pk=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with id {options['organisation']}")
        try:
            secret = Path(options["client_secret_file"]).read_text().strip()
        except OSError as error:
            raise CommandError(f"Cannot read the client secret file: {error}") from error
        try:
            sso_configure(
                organisation=organisation,
                issuer=options["issuer"],
                client_id=options["client_id"],
                client_secret=secret,
                domains=options["domains"].split(","),
                trust_provider_mfa=options["trust_provider_mfa"],
                mfa_claim=options["mfa_claim"],
                acr_values=[v for v in options["acr_values"].split(",") if v.strip()],
                actor=None,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            f"{organisation.name} now signs in through {options['issuer']}. Register this "
            "redirect URI with the provider: "
            "https://<your SEIP address>/sign-in/organisation/return/"
        )
