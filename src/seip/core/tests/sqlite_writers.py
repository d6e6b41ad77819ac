"""Run by test_sqlite_concurrency in its own process, against a real SQLite file.

Eight threads each make 25 audited writes at once. With IMMEDIATE transactions and a busy
timeout none of them may fail with "database is locked".
"""

import os
import sys
import threading

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from seip.organisations.models import LocalAuthority
    from seip.organisations.services import local_authority_create, partnership_create

    call_command("migrate", verbosity=0)
    authority = local_authority_create(name="Test County", la_code="999", actor=None)
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                partnership_create(
                    local_authority=LocalAuthority.objects.get(pk=authority.pk),
                    name=f"P {n}-{i}",
                    slug=f"p-{n}-{i}",
                    address="1 Road",
                    phone="1",
                    email="a@b.example",
                    coordinator_name="C",
                    coordinator_email="c@b.example",
                    coordinator_phone="2",
                    dpo_name="D",
                    dpo_email="d@b.example",
                    actor=None,
                )
        except Exception as exc:  # report every failure, whatever it is
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    from seip.organisations.models import Partnership

    print(Partnership.objects.count(), len(errors), errors[:3])
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
