"""Run by test_chain_concurrency in its own process, against a real SQLite file.

Eight threads each make 25 audited writes at once; the chain must come out with positions
1..200, no gaps, no forks, and verify.
"""

import os
import sys
import threading

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from seip.audit.models import AuditEvent
    from seip.audit.selectors import verify
    from seip.audit.services import audit_record

    call_command("migrate", verbosity=0)
    errors: list[str] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(25):
                with transaction.atomic():
                    audit_record(actor=None, action="test.write", detail={"n": n, "i": i})
        except Exception as exc:  # report every failure, whatever it is
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    result = verify()
    gapless = seqs == list(range(1, len(seqs) + 1))
    print(len(seqs), len(errors), gapless, result.ok, errors[:3], result.problems[:3])
    return 0 if not errors and gapless and result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
