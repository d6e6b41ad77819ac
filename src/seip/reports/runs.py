"""Generated reports: kept as published, read back by the person who asked for them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.reports.document import ReportDocument, to_json
from seip.reports.models import ReportRun


def report_run_create(*, scope: str, document: ReportDocument, actor: User) -> ReportRun:
    """Keep a released report for its requester; the releases are already in the ledger."""
    with transaction.atomic():
        run = ReportRun(
            requested_by=actor, scope=scope, title=document.title[:300], document=to_json(document)
        )
        run.full_clean()
        run.save()
        releases = [f.release_id for f in document.figures() if f.release_id is not None]
        audit_record(
            actor=actor,
            action="report.generated",
            obj=run,
            detail={"scope": scope, "figures": len(releases), "releases": releases},
        )
    return run


def runs_visible_to(user: User) -> QuerySet[ReportRun]:
    """A report is shown only to the person it was released to (default deny)."""
    if not user.is_authenticated:
        return ReportRun.objects.none()
    return ReportRun.objects.filter(requested_by=user)
