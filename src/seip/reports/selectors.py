"""Reads for reports: the ledger as the differencing audit needs it (P10)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

from seip.disclosure.tables import CellKind
from seip.reports.ledger import Entry, Population, StoredCell
from seip.reports.models import Release


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
        fingerprint = _fingerprint(population, breakdowns, kind, cells)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        entries.append(_entry(pk, measure, population, breakdowns, kind, cells))
    return entries


class LedgerCache:
    """The ledger as one report's tables read it: each earlier release parsed once.

    A county report audits 27 tables against the same few dozen releases of a handful
    of measures; reading and parsing them again for every table was most of the
    ledger's cost that was not the audit itself. The cache never decides *which*
    releases a table is audited against: the caller passes the ids it has just locked
    (``entries``), so a release made meanwhile by someone else is read, and one gone is
    left out, exactly as ``ledger_entries`` would. Releases are never changed once
    recorded, so a parsed release stays true.
    """

    def __init__(self) -> None:
        #: id -> (order in the ledger, fingerprint, parsed entry)
        self._rows: dict[int, tuple[tuple[dt.datetime, int], str, Entry]] = {}

    def entries(self, measure: str, ids: Iterable[int]) -> list[Entry]:
        """What ``ledger_entries(measure)`` returns, when ``ids`` are the ids of every
        release of ``measure`` (read under the caller's lock)."""
        present = set(ids)
        missing = present - self._rows.keys()
        if missing:
            for population, breakdowns, kind, cells, pk, released_at in Release.objects.filter(
                pk__in=missing
            ).values_list("population", "breakdowns", "kind", "cells", "pk", "released_at"):
                self._remember(pk, released_at, measure, population, breakdowns, kind, cells)
        rows = sorted((self._rows[pk] for pk in present), key=lambda row: row[0])
        entries: list[Entry] = []
        seen: set[str] = set()
        for _, fingerprint, entry in rows:
            if fingerprint not in seen:
                seen.add(fingerprint)
                entries.append(entry)
        return entries

    def add(self, release: Release) -> None:
        """A release just recorded, as the database will hand it back (JSON both ways),
        so that the next table need not read it."""
        population, breakdowns, cells = json.loads(
            json.dumps([release.population, release.breakdowns, release.cells])
        )
        self._remember(
            release.pk,
            release.released_at,
            release.measure,
            population,
            breakdowns,
            release.kind,
            cells,
        )

    def _remember(
        self,
        pk: int,
        released_at: dt.datetime,
        measure: str,
        population: dict[str, Any],
        breakdowns: list[str],
        kind: str,
        cells: list[dict[str, Any]],
    ) -> None:
        self._rows[pk] = (
            (released_at, pk),  # the model's ordering
            _fingerprint(population, breakdowns, kind, cells),
            _entry(pk, measure, population, breakdowns, kind, cells),
        )


def _fingerprint(
    population: dict[str, Any], breakdowns: list[str], kind: str, cells: list[dict[str, Any]]
) -> str:
    return json.dumps([population, breakdowns, kind, cells], sort_keys=True)


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
