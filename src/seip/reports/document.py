"""A released report as every output sees it: the contract between the report builder
(``reports.outcomes``) and the renderers (HTML page, PDF, CSV, XLSX).

A ``ReportDocument`` holds only what has passed disclosure control and been recorded in
the release ledger (P10): each ``Figure`` is a protected table, with a number or a DfE
symbol in every cell. Renderers never see a raw table, so no output can publish a
suppressed cell.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seip.disclosure.tables import TOTAL, CellKey, Symbol

__all__ = ["TOTAL", "Chart", "Figure", "Hidden", "ReportDocument", "Section", "Shown", "Unit"]


class Unit(enum.StrEnum):
    """How a figure's numbers read."""

    COUNT = "count"  # whole students, incidents or sessions
    PERCENT = "percent"  # a rate, already multiplied by 100
    MEAN = "mean"  # an average (attitude score, incidents per student)
    MONEY = "money"  # pounds


class Chart(enum.StrEnum):
    """The chart drawn above a figure's table."""

    NONE = "none"
    BAR = "bar"  # one bar per row (1-D table), totals excluded
    GROUPED_BAR = "grouped_bar"  # rows as groups, columns as bars within the group
    #: A forest plot: one point with its interval per row, from the columns named in
    #: ``FOREST_COLUMNS``; a row whose estimate is a symbol draws no point.
    FOREST = "forest"


#: The columns a forest-plot figure must have: the estimate and its 95% interval.
FOREST_COLUMNS = ("Estimate", "Lower", "Upper")


class Hidden(enum.StrEnum):
    """Why a cell is ``c``, shown beside it as a footnote mark (ADR 0030). A count has one
    reason whatever hid it: telling a small count from its protectors would bound both.
    A rate's or mean's (whose bases the audit takes as known) and a money total's say
    which rule hid them."""

    SMALL_COUNT = "1"
    SMALL_BASE = "2"
    DOMINANT = "3"
    PROTECTS_CELL = "4"
    PROTECTS_RELEASE = "5"
    #: An ``x``: withheld, whatever its value (ADR 0036).
    WITHHELD = "6"

    @property
    def mark(self) -> str:
        return f"[{self.value}]"


#: The footnotes, for every output's key.
HIDDEN_MEANINGS: Mapping[Hidden, str] = {
    Hidden.SMALL_COUNT: "hidden: a small count, or a count hidden so that a small count "
    "(here or in an earlier report) cannot be worked out",
    Hidden.SMALL_BASE: "hidden: too few students in the base for a rate or mean",
    Hidden.DOMINANT: "hidden: one provider's share of the total would be too plain",
    Hidden.PROTECTS_CELL: "hidden so that another hidden figure in this table cannot be worked out",
    Hidden.PROTECTS_RELEASE: "hidden so that a hidden figure in an earlier report cannot "
    "be worked out",
    Hidden.WITHHELD: "not shown, whatever the figure (it may be 0), so that a figure in an "
    "earlier report, or one never published, cannot be worked out with it",
}


@dataclass(frozen=True)
class Shown:
    """One published cell: a number, or a symbol (``c``, ``z``, ``x``, ``low``) and no
    number. ``denominator`` is the published base of a rate or mean, when there is one;
    ``reason`` says why a ``c`` is hidden."""

    value: float | None = None
    symbol: Symbol | None = None
    denominator: int | None = None
    reason: Hidden | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.symbol is None):
            raise ValueError("a published cell is a number or a symbol, not both")


@dataclass(frozen=True)
class Figure:
    """One protected table of a report.

    ``rows`` and ``columns`` are display labels, in order, *without* the margins; a 1-D
    figure has no columns and keys its cells ``(row, TOTAL)``. ``cells`` holds every
    published position, margins included (``(TOTAL, column)``, ``(row, TOTAL)``,
    ``(TOTAL, TOTAL)``), except margins the figure does not publish (a mean's total, for
    example, is still a cell here when it is published).
    """

    id: str  # unique within the report, a slug: used for anchors and file sheet names
    title: str
    measure: str  # the ledger's measure name
    unit: Unit
    row_label: str  # the row breakdown's name, e.g. "Year group"
    rows: tuple[str, ...]
    cells: Mapping[CellKey, Shown]
    column_label: str | None = None
    columns: tuple[str, ...] = ()
    chart: Chart = Chart.BAR
    note: str = ""  # a plain-language line under the table (definitions, base)
    release_id: int | None = None  # the ledger row it was released as

    def cell(self, row: str, column: str = TOTAL) -> Shown | None:
        return self.cells.get((row, column))


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    summary: str  # plain language for governors, one short paragraph
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class ReportDocument:
    title: str  # "Outcomes report, 2025-26, autumn term"
    organisation: str  # branding: the partnership's name, or the county's
    scope_label: str  # "Charnwood SEIP (8 schools)", "Oakfield School", "Leicestershire"
    period_label: str  # "2025-26, autumn term" or "2025-26"
    released_at: dt.datetime
    released_to: str  # the recipient role (and organisation), e.g. "LA officer, Leicestershire"
    sections: tuple[Section, ...]
    #: Rows of the metadata sheet: population rules, policy thresholds, symbols, sources.
    metadata: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    #: The DfE open-data geographic level: "School", "Partnership" or "Local authority".
    geographic_level: str = "Partnership"

    def figures(self) -> list[Figure]:
        return [figure for section in self.sections for figure in section.figures]


#: What the symbols mean, for every output's key (GSS/DfE conventions).
SYMBOL_MEANINGS: Mapping[Symbol, str] = {
    Symbol.SUPPRESSED: "suppressed to protect confidentiality",
    Symbol.NOT_APPLICABLE: "not applicable",
    Symbol.NOT_AVAILABLE: "not available",
    Symbol.LOW: "rounds to 0, but is not 0",
}


def to_json(document: ReportDocument) -> dict[str, object]:
    """The document as JSON, to keep a generated report (it holds published cells only)."""

    def shown(s: Shown) -> dict[str, object]:
        data: dict[str, object] = {
            "value": s.value,
            "symbol": s.symbol,
            "denominator": s.denominator,
        }
        if s.reason is not None:
            data["reason"] = s.reason.value
        return data

    return {
        "title": document.title,
        "organisation": document.organisation,
        "scope_label": document.scope_label,
        "period_label": document.period_label,
        "released_at": document.released_at.isoformat(),
        "released_to": document.released_to,
        "geographic_level": document.geographic_level,
        "metadata": [list(row) for row in document.metadata],
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "summary": section.summary,
                "figures": [
                    {
                        "id": f.id,
                        "title": f.title,
                        "measure": f.measure,
                        "unit": f.unit,
                        "row_label": f.row_label,
                        "rows": list(f.rows),
                        "column_label": f.column_label,
                        "columns": list(f.columns),
                        "chart": f.chart,
                        "note": f.note,
                        "release_id": f.release_id,
                        "cells": [[r, c, shown(s)] for (r, c), s in f.cells.items()],
                    }
                    for f in section.figures
                ],
            }
            for section in document.sections
        ],
    }


def from_json(data: Mapping[str, Any]) -> ReportDocument:
    def shown(d: Mapping[str, Any]) -> Shown:
        symbol = d.get("symbol")
        return Shown(
            value=d.get("value"),
            symbol=Symbol(symbol) if symbol else None,
            denominator=d.get("denominator"),
            reason=Hidden(d["reason"]) if d.get("reason") else None,
        )

    return ReportDocument(
        title=data["title"],
        organisation=data["organisation"],
        scope_label=data["scope_label"],
        period_label=data["period_label"],
        released_at=dt.datetime.fromisoformat(data["released_at"]),
        released_to=data["released_to"],
        geographic_level=data.get("geographic_level", "Partnership"),
        metadata=tuple((k, v) for k, v in data["metadata"]),
        sections=tuple(
            Section(
                id=s["id"],
                title=s["title"],
                summary=s["summary"],
                figures=tuple(
                    Figure(
                        id=f["id"],
                        title=f["title"],
                        measure=f["measure"],
                        unit=Unit(f["unit"]),
                        row_label=f["row_label"],
                        rows=tuple(f["rows"]),
                        column_label=f["column_label"],
                        columns=tuple(f["columns"]),
                        chart=Chart(f["chart"]),
                        note=f["note"],
                        release_id=f["release_id"],
                        cells={(r, c): shown(v) for r, c, v in f["cells"]},
                    )
                    for f in s["figures"]
                ),
            )
            for s in data["sections"]
        ),
    )
