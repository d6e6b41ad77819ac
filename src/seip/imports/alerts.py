"""The email that tells whoever started an import that it has ended (ADR 0041).

Here, not in notifications: it reads the import's run, and the imports app builds on
notifications (ADR 0052). It sends through notifications' ``deliver`` like every alert.
"""

from django.db import transaction
from django.urls import reverse

from seip.imports.models import ImportRun
from seip.notifications.models import Kind
from seip.notifications.services import Message, deliver, site_link

#: What the person who started an import is told, by the run's final status.
_IMPORT_SUBJECTS = {
    "done": "SEIP: your import has finished",
    "refused": "SEIP: your import was refused and nothing was changed",
    "failed": "SEIP: your import failed and nothing was changed",
}


def import_finished_alert(*, run_id: int) -> None:
    """Tell whoever started an import that it has ended, and how (counts only). Call
    where the run's end is written; sent once that commits."""

    def send() -> None:
        run = ImportRun.objects.select_related("created_by").get(pk=run_id)
        if run.created_by is None or run.status not in _IMPORT_SUBJECTS:
            return
        counts = {
            str(outcome): int(n)
            for outcome, n in (run.report.get("counts") or {}).items()
            if isinstance(n, int)
        }
        summary = "".join(f"\n- {outcome}: {n}" for outcome, n in sorted(counts.items()) if n)
        message = Message(
            kind=Kind.IMPORT_FINISHED,
            subject=_IMPORT_SUBJECTS[run.status],
            body=(
                f"The {run.get_kind_display()} import you started has ended: "
                f"{run.get_status_display().lower()}.{summary}\n\n"
                f"See its report: {site_link(reverse('imports:run', args=[run.pk]))}"
            ),
            counts={"pupils": run.total, **counts},
        )
        deliver(message, [run.created_by])

    transaction.on_commit(send, robust=True)
