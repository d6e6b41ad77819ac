"""Sections and reports that other apps add to the reports app.

The impact analysis builds on the outcome reports (their facts, ledger and renderers),
so the reports app must not import it back. Instead an app that adds a section to the
outcome report, or a report of its own that the worker can make, registers it here in
its ``AppConfig.ready`` (as crash-recovery handlers do with ``core.recovery``), and
reports calls whatever is registered (ADR 0052).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from seip.accounts.models import User
    from seip.disclosure.control import Policy
    from seip.reports.document import ReportDocument, Section
    from seip.reports.facts import StudentFacts
    from seip.reports.measures import Observed
    from seip.reports.outcomes import Recipient
    from seip.reports.population import Period, Scope


class SectionBuilder(Protocol):
    """A section of the outcome report, released to ``recipient`` under ``policy``."""

    def __call__(
        self,
        *,
        scope: Scope,
        period: Period,
        recipient: Recipient,
        actor: User,
        policy: Policy,
        facts: Sequence[StudentFacts] | Observed | None = None,
        today: dt.date | None = None,
    ) -> Section: ...


class ReportBuilder(Protocol):
    """A whole report that a queued run can name (``ReportRun.params["report"]``)."""

    def __call__(
        self, *, scope: Scope, period: Period, recipient: Recipient, actor: User
    ) -> ReportDocument: ...


_SECTIONS: list[SectionBuilder] = []
_REPORTS: dict[str, ReportBuilder] = {}


def add_section(builder: SectionBuilder) -> None:
    """Append ``builder``'s section to every partnership and county outcome report (a
    school's groups are too small for anything built on top of the outcomes)."""
    if builder not in _SECTIONS:
        _SECTIONS.append(builder)


def added_sections() -> tuple[SectionBuilder, ...]:
    return tuple(_SECTIONS)


def add_report(name: str, builder: ReportBuilder) -> None:
    """Let a report run named ``name`` be made by ``builder``."""
    _REPORTS[name] = builder


def added_report(name: str) -> ReportBuilder | None:
    return _REPORTS.get(name)
