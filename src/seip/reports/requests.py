"""What a queued report run asked for, made into its document by the worker.

A run's ``params`` name the report (``outcomes``, ``impact`` or ``table``), the school
year and the terms, and for a table its measure and breakdowns. Making it checks again
that the person who asked still receives reports on that scope (P13).
"""

from __future__ import annotations

from collections.abc import Callable

from seip.reports.document import ReportDocument
from seip.reports.forms import PERIODS
from seip.reports.models import ReportRun
from seip.reports.outcomes import outcome_report, table_report
from seip.reports.permissions import builder_scopes, scope_for
from seip.reports.population import Period
from seip.reports.registry import added_report

REPORTS = ("outcomes", "impact", "table")


def period_of(params: dict[str, str]) -> Period:
    return Period(int(params["year"]), PERIODS[params["terms"]])


def make_document(
    run: ReportRun, *, progress: Callable[[int, int], None] | None = None
) -> ReportDocument | None:
    """The run's report, released to its requester; None if they no longer receive it."""
    user, params = run.requested_by, run.params
    allowed = scope_for(user, run.scope)
    if allowed is None:
        return None
    scope, recipient = allowed
    period = period_of(params)
    report = params.get("report", "outcomes")
    if report == "outcomes":
        return outcome_report(
            scope=scope, period=period, recipient=recipient, actor=user, progress=progress
        )
    added = added_report(report)  # the impact report, registered by the impact app
    if added is not None:
        return added(scope=scope, period=period, recipient=recipient, actor=user)
    if report == "table":
        if all(key != run.scope for key, _, _ in builder_scopes(user)):
            return None
        return table_report(
            scope=scope,
            period=period,
            measure=params["measure"],
            rows=params["rows"],
            columns=params.get("columns") or None,
            recipient=recipient,
            actor=user,
        )
    raise ValueError(f"unknown report {report!r}")
