"""Reports asked for on a page are made in the background (issue 10), then kept as published
and read back by the person who asked for them.

``report_run_start`` records the request and queues ``tasks.report_run_execute``; the
worker makes the report with ``report_run_execute_now``. Every table of a report is
released in one transaction, so a report that fails, or a worker killed half-way,
releases nothing (``core.recovery`` marks such a run failed). The recipient check (P13) is
made again when the report is made: a membership ended in between stops it.

Progress is a small file in the data folder (``<run>: done/total``), written as each
table is released, because the report's own transaction is invisible to the page until
it commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.reports.document import ReportDocument, to_json
from seip.reports.models import ReportRun, RunStatus

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: What a failed run says: never a traceback, and nothing from the data.
FAILED_UNEXPECTEDLY = "The report could not be made, and nothing was released. Try again."
NO_LONGER_ENTITLED = "You no longer receive this report, so it was not made."
INTERRUPTED = (
    "Making the report was interrupted (the server stopped), and nothing was released. "
    "Ask for it again."
)


def report_run_create(*, scope: str, document: ReportDocument, actor: User) -> ReportRun:
    """Keep a report made at once (the command line); its releases are already recorded."""
    with transaction.atomic():
        run = ReportRun(
            requested_by=actor,
            scope=scope,
            title=document.title[:300],
            status=RunStatus.DONE,
            document=to_json(document),
            finished_at=timezone.now(),
        )
        run.full_clean()
        run.save()
        _audit_generated(run, document, actor)
    return run


@transaction.atomic
def report_run_read(*, run: ReportRun, fmt: str, actor: User) -> None:
    """Audit that ``actor`` opened or downloaded a generated report (P14). A report names
    no one (small cells are protected before release), so this is no disclosure: the run's
    id and the format are enough to say who took which figures away."""
    audit_record(actor=actor, action="read.report", obj=run, detail={"run": run.pk, "format": fmt})


def report_run_start(*, scope: str, title: str, params: dict[str, Any], actor: User) -> ReportRun:
    """Record what ``actor`` asked for and queue it. The caller has checked that ``actor``
    receives reports on ``scope``; the task checks again."""
    from seip.reports.tasks import report_run_execute

    with transaction.atomic():
        run = ReportRun(
            requested_by=actor,
            scope=scope,
            title=title[:300],
            params=params,
            status=RunStatus.QUEUED,
        )
        run.full_clean()
        run.save()
        audit_record(
            actor=actor, action="report.requested", obj=run, detail={"scope": scope, **params}
        )
    report_run_execute.enqueue(run.pk)
    run.refresh_from_db()
    return run


def report_run_execute_now(run_id: int) -> None:
    """Make the report of a queued run (the task's body)."""
    from seip.reports.requests import make_document

    claimed = ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING
    )
    if not claimed:
        return  # already made, or failed: a task is never applied twice
    run = ReportRun.objects.select_related("requested_by").get(pk=run_id)
    progress = _progress_writer(run.pk)
    try:
        with transaction.atomic():
            document = make_document(run, progress=progress)
            if document is None:
                _finish(run, RunStatus.FAILED, error=NO_LONGER_ENTITLED)
                return
            run.document = to_json(document)
            run.title = document.title[:300]
            _finish(run, RunStatus.DONE)
            _audit_generated(run, document, run.requested_by)
        _store_pdf(run, document)
    except ValueError as error:
        # The engine's refusals ("could not be protected", a breakdown a measure does
        # not have) are written for people and name no one.
        _finish(run, RunStatus.FAILED, error=str(error)[:300])
    except Exception:
        logger.exception("Report run %s failed", run.pk)
        _finish(run, RunStatus.FAILED, error=FAILED_UNEXPECTEDLY)
    finally:
        _progress_path(run.pk).unlink(missing_ok=True)


def run_logo(run: ReportRun) -> bytes | None:
    """The letterhead's logo: the partnership's PNG for a partnership's report."""
    from seip.notices.pdf import png_logo
    from seip.organisations.models import Partnership

    kind, _, number = run.scope.partition(":")
    partnership = Partnership.objects.filter(pk=number).first() if kind == "partnership" else None
    return png_logo(partnership) if partnership else None


def run_pdf(run: ReportRun, document: ReportDocument) -> bytes:
    """The run's PDF: the one rendered when it finished, else rendered now (a run
    finished before PDFs were kept, or whose rendering failed)."""
    from seip.reports.render_pdf import report_pdf

    if run.pdf:
        return bytes(run.pdf)
    return report_pdf(document, logo=run_logo(run))


def _store_pdf(run: ReportRun, document: ReportDocument) -> None:
    """A tagged PDF takes seconds to lay out for a county report (ADR 0043), and a run's
    document never changes: render it here, in the background, so the download is a read.
    A failure leaves the run done; the download then renders it."""
    from seip.reports.render_pdf import report_pdf

    try:
        pdf = report_pdf(document, logo=run_logo(run))
    except Exception:
        logger.exception("Report run %s: the PDF could not be rendered", run.pk)
        return
    ReportRun.objects.filter(pk=run.pk).update(pdf=pdf)


def report_run_interrupted(run_id: int) -> None:
    """A worker died while making the run: its transaction released nothing; say so."""
    ReportRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )
    _progress_path(run_id).unlink(missing_ok=True)


def _finish(run: ReportRun, status: RunStatus, *, error: str = "") -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    if status is RunStatus.FAILED:
        run.document = None
        # Outside the report's transaction (rolled back): the failure itself is kept.
        ReportRun.objects.filter(pk=run.pk).update(
            status=status, error=error, finished_at=run.finished_at, document=None
        )
        return
    run.save(update_fields=["status", "error", "finished_at", "document", "title"])


def _audit_generated(run: ReportRun, document: ReportDocument, actor: User) -> None:
    releases = [f.release_id for f in document.figures() if f.release_id is not None]
    audit_record(
        actor=actor,
        action="report.generated",
        obj=run,
        detail={"scope": run.scope, "figures": len(releases), "releases": releases},
    )


def _progress_path(run_id: int) -> Path:
    folder = Path(settings.DATA_DIR) / "report-progress"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{run_id}"


def _progress_writer(run_id: int) -> Progress:
    path = _progress_path(run_id)

    def write(done: int, total: int) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(f"{done}/{total}")
        temporary.replace(path)

    return write


def read_progress(run: ReportRun) -> tuple[int, int]:
    """(tables released, tables in all) of a run being made; (0, 0) before it starts."""
    try:
        done, _, total = _progress_path(run.pk).read_text().partition("/")
        return int(done), int(total)
    except (OSError, ValueError):
        return 0, 0


def runs_visible_to(user: User) -> QuerySet[ReportRun]:
    """A report is shown only to the person it was released to (default deny)."""
    if not user.is_authenticated:
        return ReportRun.objects.none()
    # The stored PDF is read only by the download, not by every list and page.
    return ReportRun.objects.filter(requested_by=user).defer("pdf")
