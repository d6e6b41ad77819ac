"""``seip accounts enrolment-link EMAIL --by EMAIL``: a one-time second-factor set-up link
for someone who has lost theirs, issued by a system administrator (P14, ADR 0024)."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from seip.accounts.invitations import accounts_unused
from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.accounts.services import enrolment_link_issue


def _user(email: str) -> User:
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None:
        raise CommandError(f"No active user with the email {email}")
    return user


class Command(BaseCommand):
    help = (
        "Account tasks for administrators: issue a one-time second-factor set-up link; "
        "list unused accounts."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        link = sub.add_parser(
            "enrolment-link",
            help="print a one-time link (valid for SEIP_ENROLMENT_LINK_HOURS) that, with "
            "their password, lets EMAIL set up an authenticator app",
        )
        link.add_argument("email", metavar="EMAIL", help="whose link it is")
        link.add_argument(
            "--by", required=True, metavar="EMAIL", help="the system administrator issuing it"
        )
        link.add_argument(
            "--site",
            default="",
            metavar="URL",
            help="the address SEIP is served at, e.g. https://seip.example.org",
        )

        unused = sub.add_parser(
            "unused",
            help="list open accounts not signed in for DAYS days (run daily: leavers "
            "nobody told us about)",
        )
        unused.add_argument("--days", type=int, default=90, metavar="DAYS")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "unused":
            self._unused(options["days"])
            return
        user = _user(options["email"])
        actor = _user(options["by"])
        # The command line is for administrators; co-ordinators use the People page.
        if not has_role(actor, [Role.SYSTEM_ADMIN]):
            raise CommandError(f"{options['by']} is not a system administrator")
        try:
            token = enrolment_link_issue(user=user, actor=actor)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        path = reverse("accounts:enrol", args=[token])
        self.stdout.write(f"{options['site'].rstrip('/')}{path}")
        self.stderr.write(
            "Give this link to its owner yourself. It works once, with their password; "
            "any earlier link for them no longer works."
        )

    def _unused(self, days: int) -> None:
        if days < 1:
            raise CommandError("--days must be 1 or more")
        users = accounts_unused(days=days).order_by("last_login", "email")
        for user in users:
            last = user.last_login.date().isoformat() if user.last_login else "never"
            roles = ", ".join(sorted(user.roles)) or "no role"
            self.stdout.write(f"{user.email}\t{last}\t{roles}")
        self.stderr.write(f"{users.count()} open account(s) not used for {days} days.")
