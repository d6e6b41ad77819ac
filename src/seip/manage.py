"""The ``seip`` console script: Django's management commands with SEIP's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["seip", *sys.argv[1:]])


if __name__ == "__main__":
    main()
