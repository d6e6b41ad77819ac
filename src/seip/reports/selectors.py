"""Reads for reports: the ledger as the differencing audit needs it (P10)."""

from __future__ import annotations

import math

from seip.reports.ledger import Entry, Population, StoredCell
from seip.reports.models import Release
from seip.reports.tables import CellKind


def ledger_entries(measure: str) -> list[Entry]:
    """Every earlier release of ``measure``; ``ledger.related`` picks the overlapping ones."""
    return [entry_from(release) for release in Release.objects.filter(measure=measure)]


def entry_from(release: Release) -> Entry:
    return Entry(
        ref=release.pk,
        population=Population.from_json(release.population),
        measure=release.measure,
        kind=CellKind(release.kind),
        breakdowns=tuple(release.breakdowns),
        cells=tuple(
            StoredCell(
                row=c["row"],
                column=c["column"],
                value=float(c["value"]),
                suppressed=bool(c["suppressed"]),
                protection=float(c["protection"]),
                upper=math.inf if c["upper"] is None else float(c["upper"]),
                sensitive=bool(c.get("sensitive", False)),
            )
            for c in release.cells
        ),
    )
