"""Reads for reports: the ledger as the differencing audit needs it (P10)."""

from __future__ import annotations

import json
import math
from typing import Any

from seip.reports.ledger import Entry, Population, StoredCell
from seip.reports.models import Release
from seip.reports.tables import CellKind


def ledger_entries(measure: str) -> list[Entry]:
    """Every earlier release of ``measure``; ``ledger.related`` picks the overlapping ones.

    A report made again on unchanged figures repeats earlier releases exactly (same
    population, breakdowns and published cells): a repeat tells a reader nothing new, so
    only its first release is audited against (the repeats stay in the ledger, with who
    received them). Without this, every re-run would grow the audit.
    """
    entries: list[Entry] = []
    seen: set[str] = set()
    for population, breakdowns, kind, cells, pk in Release.objects.filter(
        measure=measure
    ).values_list("population", "breakdowns", "kind", "cells", "pk"):
        fingerprint = json.dumps([population, breakdowns, kind, cells], sort_keys=True)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        entries.append(_entry(pk, measure, population, breakdowns, kind, cells))
    return entries


def entry_from(release: Release) -> Entry:
    return _entry(
        release.pk,
        release.measure,
        release.population,
        release.breakdowns,
        release.kind,
        release.cells,
    )


def _entry(
    pk: int,
    measure: str,
    population: dict[str, Any],
    breakdowns: list[str],
    kind: str,
    cells: list[dict[str, Any]],
) -> Entry:
    return Entry(
        ref=pk,
        population=Population.from_json(population),
        measure=measure,
        kind=CellKind(kind),
        breakdowns=tuple(breakdowns),
        cells=tuple(
            StoredCell(
                row=c["row"],
                column=c["column"],
                value=float(c["value"]),
                suppressed=bool(c["suppressed"]),
                protection=float(c["protection"]),
                upper=math.inf if c["upper"] is None else float(c["upper"]),
                sensitive=bool(c.get("sensitive", False)),
                # Releases before ADR 0030 showed no reasons: a c was only known >= 1.
                lower=float(
                    c.get("lower", 1.0 if kind == CellKind.COUNT and c["value"] >= 1 else 0.0)
                ),
            )
            for c in cells
        ),
    )
