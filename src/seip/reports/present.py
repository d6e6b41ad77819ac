"""How a published cell reads, shared by every renderer (HTML, PDF, CSV, XLSX) (P10).

Renderers format a ``Shown`` cell here and nowhere else, so the page, the PDF and the
files always agree on precision, and a symbol is always shown as its letter: no output
can invent a number for a cell that has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from seip.disclosure.tables import Symbol
from seip.reports.document import (
    HIDDEN_MEANINGS,
    SYMBOL_MEANINGS,
    TOTAL,
    Figure,
    Hidden,
    Shown,
    Unit,
)

__all__ = [
    "CellView",
    "Grid",
    "GridRow",
    "axis_label",
    "format_value",
    "grid",
    "present",
    "published_value",
    "sheet_names",
    "value_header",
]

#: Decimal places each unit is published to. Files publish the same precision as the
#: page, so a reader of the CSV learns nothing the page does not show.
DECIMALS: dict[Unit, int] = {Unit.COUNT: 0, Unit.PERCENT: 1, Unit.MEAN: 1, Unit.MONEY: 0}

_VALUE_HEADERS: dict[Unit, str] = {
    Unit.COUNT: "Number",
    Unit.PERCENT: "Percentage",
    Unit.MEAN: "Mean",
    Unit.MONEY: "Amount",
}


def published_value(value: float, unit: Unit) -> float:
    """The number as published: rounded to the unit's precision (half away from zero,
    as readers round, not Python's banker's rounding)."""
    # Through the shortest decimal repr, so 89.55 rounds to 89.6 as a reader expects,
    # not to 89.5 as its binary value (89.549999...) would.
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-DECIMALS[unit]), ROUND_HALF_UP)
    return float(exact) or 0.0


def format_value(value: float, unit: Unit) -> str:
    """A number as a reader sees it: ``1,234``, ``45.3%``, ``2.4``, ``£1,235``."""
    number = published_value(value, unit)
    sign = "-" if number < 0 else ""
    magnitude = abs(number)
    if unit is Unit.COUNT:
        return f"{sign}{magnitude:,.0f}"
    if unit is Unit.PERCENT:
        return f"{sign}{magnitude:,.1f}%"
    if unit is Unit.MEAN:
        return f"{sign}{magnitude:,.1f}"
    return f"{sign}£{magnitude:,.0f}"


def axis_label(value: float, unit: Unit) -> str:
    """A tick label: like ``format_value`` but without a decimal place on round ticks."""
    if unit is Unit.MEAN and value == int(value):
        return f"{value:,.0f}"
    if unit is Unit.PERCENT and value == int(value):
        return f"{value:,.0f}%"
    return format_value(value, unit)


def value_header(unit: Unit) -> str:
    return _VALUE_HEADERS[unit]


@dataclass(frozen=True)
class CellView:
    """One cell ready for any output. ``symbol`` is set for a cell without a number, and
    ``meaning`` then says why; ``published`` is ``None`` for a position the figure does
    not publish at all (a margin it leaves out)."""

    text: str
    symbol: str | None = None
    meaning: str = ""
    number: float | None = None  # the published (rounded) number, when there is one
    base: str = ""  # the formatted denominator of a rate or mean
    denominator: int | None = None
    published: bool = True
    total: bool = False
    mark: str = ""  # the footnote of a hidden cell's reason, "[1]" (``Hidden``)


def present(shown: Shown | None, unit: Unit, *, total: bool = False) -> CellView:
    if shown is None:
        return CellView(text="", meaning="not published", published=False, total=total)
    base = f"{shown.denominator:,}" if shown.denominator is not None else ""
    if shown.symbol is not None:
        mark = shown.reason.mark if shown.reason is not None else ""
        return CellView(
            text=f"{shown.symbol.value} {mark}" if mark else shown.symbol.value,
            symbol=shown.symbol.value,
            mark=mark,
            meaning=HIDDEN_MEANINGS[shown.reason]
            if shown.reason is not None
            else SYMBOL_MEANINGS[shown.symbol],
            base=base,
            denominator=shown.denominator,
            total=total,
        )
    assert shown.value is not None  # noqa: S101 - Shown guarantees a number or a symbol
    return CellView(
        text=format_value(shown.value, unit),
        number=published_value(shown.value, unit),
        base=base,
        denominator=shown.denominator,
        total=total,
    )


@dataclass(frozen=True)
class GridRow:
    label: str
    cells: tuple[CellView, ...]
    total: bool = False


@dataclass(frozen=True)
class Grid:
    """A figure laid out as a table: column headers, then one row per row label, the
    margins labelled "Total". A 1-D figure has one value column (and a "Base" column when
    its cells have published denominators); a 2-D figure has one column per category."""

    row_label: str
    column_label: str | None
    headers: tuple[str, ...]  # value column headers, after the row-label column
    rows: tuple[GridRow, ...]
    base_column: bool  # a 1-D figure whose cells carry a published base
    two_way: bool

    def symbols(self) -> set[str]:
        return {c.symbol for row in self.rows for c in row.cells if c.symbol}


#: Columns that hold numbers of students in any figure (a forest plot's group sizes).
COUNT_COLUMNS = frozenset({"Students"})


def _has_total_row(figure: Figure) -> bool:
    return any(row == TOTAL for row, _ in figure.cells)


def grid(figure: Figure) -> Grid:
    """The table of ``figure``, margins included where it publishes them."""
    rows = list(figure.rows) + ([TOTAL] if _has_total_row(figure) else [])
    if not figure.columns:
        cells = {row: present(figure.cell(row), figure.unit, total=row == TOTAL) for row in rows}
        base_column = any(cell.base for cell in cells.values())
        return Grid(
            row_label=figure.row_label,
            column_label=None,
            headers=(value_header(figure.unit),),
            rows=tuple(GridRow(row, (cells[row],), total=row == TOTAL) for row in rows),
            base_column=base_column,
            two_way=False,
        )
    has_total_column = any(col == TOTAL and row != TOTAL for row, col in figure.cells)
    columns = list(figure.columns) + ([TOTAL] if has_total_column else [])
    return Grid(
        row_label=figure.row_label,
        column_label=figure.column_label,
        headers=tuple(columns),
        rows=tuple(
            GridRow(
                row,
                tuple(
                    present(
                        figure.cell(row, column),
                        # A forest plot's group sizes are counts, whatever its unit.
                        Unit.COUNT if column in COUNT_COLUMNS else figure.unit,
                        total=TOTAL in (row, column),
                    )
                    for column in columns
                ),
                total=row == TOTAL,
            )
            for row in rows
        ),
        base_column=False,
        two_way=True,
    )


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_names(ids: list[str], *, reserved: tuple[str, ...] = ()) -> list[str]:
    """Excel sheet names for ``ids``: at most 31 characters, none of ``[]:*?/\\``, and
    unique (case-insensitively, as Excel compares them) among themselves and ``reserved``."""
    taken = {name.casefold() for name in reserved}
    names: list[str] = []
    for raw in ids:
        base = _SHEET_FORBIDDEN.sub("-", raw).strip("'") or "Figure"
        name = base[:31]
        n = 2
        while name.casefold() in taken:
            suffix = f"-{n}"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        taken.add(name.casefold())
        names.append(name)
    return names


def symbol_key() -> list[tuple[str, str]]:
    """The symbols and what they mean, in the DfE order, for every output's key."""
    return [(symbol.value, SYMBOL_MEANINGS[symbol]) for symbol in Symbol] + [
        (f"{'x' if reason is Hidden.WITHHELD else 'c'} {reason.mark}", meaning)
        for reason, meaning in HIDDEN_MEANINGS.items()
    ]
