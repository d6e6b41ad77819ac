"""``seip serve``: the production web server (gunicorn, run in this process)."""

import os
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from seip.env import env_int, env_str

# Without the query string (%(U)s is the path alone): it carries whatever was typed into a
# search or filter, which can be a name or a date of birth. Paths keep their numeric record
# ids, which are opaque references, not personal content, and are what an operator needs
# to trace a fault. No client address, referrer or user agent either: the proxy logs those.
ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def default_workers() -> int:
    """gunicorn's usual 2 x cores + 1, capped so a big host does not exhaust the database's
    connections (each worker holds its own)."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


class SeipApplication(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Any]:
        from seip.wsgi import application

        return application


class Command(BaseCommand):
    help = "Run SEIP under gunicorn (production WSGI server; static files via WhiteNoise)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind",
            default=env_str("SEIP_BIND", "127.0.0.1:8000"),
            help="Address to listen on (env SEIP_BIND; default 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("SEIP_WORKERS", default_workers()),
            help="Worker processes (env SEIP_WORKERS; default 2 x cores + 1, at most 8).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=env_int("SEIP_THREADS", 1),
            help="Threads per worker (env SEIP_THREADS; default 1).",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="Log each request (method, path without query string, status, size, time) "
            "to standard output. Off by default: the reverse proxy usually logs requests.",
        )

    def handle(
        self, *, bind: str, workers: int, threads: int, access_log: bool, **options: Any
    ) -> None:
        from seip.audit.checks import production_problems
        from seip.keys.checks import key_store_problems

        # Refuse now, not at the thousandth audited action (ADR 0025).
        # Erasure holds only with the key store apart (P22), so the keys' problems too.
        problems = production_problems() + key_store_problems()
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(f"Serving SEIP on http://{bind} with {workers} worker(s) x {threads}")
        config: dict[str, Any] = {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "errorlog": "-",
            # Slow report pages and imports should not be killed as hung workers.
            "timeout": 120,
            "graceful_timeout": 30,
            # gunicorn 27's control socket lives at one path per user, so two servers on a
            # host would fight over it; SEIP does not use it.
            "control_socket_disable": True,
        }
        if access_log:
            config |= {"accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT}
        SeipApplication(config).run()
