"""``seip createadmin EMAIL --name NAME``: the first system administrator of a fresh
install, with a one-time set-up link (password, then authenticator app), so a real
deployment needs no Django shell (issue 18, ADR 0031)."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse

from seip.accounts.invitations import first_admin_create


class Command(BaseCommand):
    help = (
        "Create the first system administrator and print their one-time set-up link. "
        "Refused once an administrator exists: they invite everyone else."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", metavar="EMAIL", help="the administrator's email address")
        parser.add_argument("--name", required=True, metavar="NAME", help="their full name")
        parser.add_argument(
            "--site",
            default="",
            metavar="URL",
            help="the address SEIP is served at, e.g. https://seip.example.org (put in "
            "front of the printed link)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            validate_email(options["email"].strip())
        except ValidationError:
            raise CommandError(f"Not an email address: {options['email']}") from None
        try:
            token, invitation = first_admin_create(
                email=options["email"], full_name=options["name"], site=options["site"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        # The token is emailed and printed; only its hash is in the database.
        self.stdout.write(
            f"{options['site'].rstrip('/')}{reverse('accounts:invitation', args=[token])}"
        )
        self.stderr.write(
            f"Open this link within {settings.ENROLMENT_LINK_HOURS} hours to choose a password "
            "and set up an authenticator app. It works once. It was also emailed to "
            f"{invitation.user.email}."
        )
