import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from seip.accounts.models import User
from seip.accounts.services import backup_codes_issue
from seip.demo.casework import MAIN_YEAR
from seip.demo.generator import DEMO_PASSWORD, Scale, generate
from seip.reports.population import Period


class Command(BaseCommand):
    help = (
        "Create or update the demo county (LA 855, five partnerships, about 40 schools, a "
        "login for every role), print the logins with one-time backup codes, and serve it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8000, help="Port on 127.0.0.1 (default 8000)"
        )
        parser.add_argument("--partnerships", type=int, default=Scale.partnerships)
        parser.add_argument(
            "--schools-per-partnership", type=int, default=Scale.schools_per_partnership
        )
        parser.add_argument(
            "--students",
            type=int,
            default=Scale.students,
            help=f"Pupils referred across the county, at every stage (default {Scale.students})",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Build the data and print the logins only"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Notification emails link back to the site: the demo's own address unless set.
        if not settings.SITE_URL:
            settings.SITE_URL = f"http://127.0.0.1:{options['port']}"
            os.environ["SEIP_SITE_URL"] = settings.SITE_URL  # for the worker it starts
        call_command("migrate", interactive=False, verbosity=0)
        scale = Scale(
            partnerships=options["partnerships"],
            schools_per_partnership=options["schools_per_partnership"],
            students=options["students"],
        )
        county, logins = generate(scale)
        self.stdout.write(
            f"Demo county: {county.authority} with {len(county.partnerships)} partnerships and "
            f"{scale.partnerships * scale.schools_per_partnership} schools."
        )
        # Most referrals are in the last complete school year (ADR 0037): only there have
        # the follow-up windows ended, so only there can the impact section estimate.
        self.stdout.write(
            f"Reports: school year {Period(MAIN_YEAR).label} is the last complete year, with "
            "impact estimates; this year's has this autumn's referrals so far."
        )
        self.stdout.write(f"\nEvery demo login uses the password: {DEMO_PASSWORD}")
        self.stdout.write(
            "Staff and partner roles then ask for a security code: use one of the backup codes "
            "below (each works once; running the demo again prints new ones). Families are "
            "emailed a sign-in code: the demo prints its emails in this console.\n"
        )
        for login in logins:
            user = User.objects.get(email=login.email)
            if user.needs_second_factor:
                codes = " ".join(backup_codes_issue(user=user, count=3, actor=None))
            else:
                codes = "(code by email, printed here)"
            self.stdout.write(
                f"  {login.role.label:<24} {login.email:<26} {codes}   ({login.where})"
            )
        if options["no_serve"]:
            return
        address = f"127.0.0.1:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"\nSEIP demo: http://{address}/  (Ctrl-C to stop)\n"))
        # Imports run as background tasks: the demo starts the worker beside the server,
        # as production runs `seip worker` beside the web server (which first fails any
        # task a killed worker left running).
        worker = subprocess.Popen([sys.executable, "-m", "seip.manage", "worker"])
        try:
            call_command("runserver", address, use_reloader=False, skip_checks=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
