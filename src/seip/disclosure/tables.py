"""A small typed model of an aggregate table, the input of disclosure control (P10).

A table has up to two breakdowns: rows, and optionally columns. Its interior cells are
keyed ``(row, column)``; a 1-D table keys them ``(row, TOTAL)``. Margins (row totals,
column totals, the grand total) are *computed* from the interior, never typed in, so a
published margin can never disagree with its cells and every linear relation the reader
could use is known to the engine.

Every cell kind is additive in one quantity, the one an attacker would solve for:
a count, the numerator of a rate or mean (its denominator is published), or a money
total (the sum of its providers' contributions).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

TOTAL = "Total"

CellKey = tuple[str, str]


class Symbol(enum.StrEnum):
    """DfE and GSS symbols for cells that carry no number."""

    SUPPRESSED = "c"
    NOT_APPLICABLE = "z"
    NOT_AVAILABLE = "x"
    LOW = "low"


class CellKind(enum.StrEnum):
    COUNT = "count"
    RATE = "rate"  # numerator / denominator, each a count of the same students
    MEAN = "mean"  # numerator is a sum of values, denominator a count of contributors
    MONEY = "money"  # total of contributions by provider


@dataclass(frozen=True)
class Cell:
    """One cell. ``value`` is the additive quantity (count, numerator or money total).

    ``denominator`` is set for rates and means; ``contributions`` maps a provider to its
    share of a money total (for the p% rule). ``symbol`` marks a cell that is not
    applicable or not available: such a cell holds no number and is never audited.
    """

    value: float
    denominator: int | None = None
    contributions: Mapping[str, float] = field(default_factory=dict)
    symbol: Symbol | None = None

    def shown(self, kind: CellKind) -> float:
        """The figure a reader sees: the count or total, or the rate or mean."""
        if kind in (CellKind.RATE, CellKind.MEAN):
            if not self.denominator:
                return math.nan
            return self.value / self.denominator
        return self.value


def _combine(cells: list[Cell]) -> Cell:
    contributions: dict[str, float] = {}
    for cell in cells:
        for provider, amount in cell.contributions.items():
            contributions[provider] = contributions.get(provider, 0.0) + amount
    denominators = [c.denominator for c in cells if c.denominator is not None]
    return Cell(
        value=sum(c.value for c in cells),
        denominator=sum(denominators) if denominators else None,
        contributions=contributions,
    )


@dataclass(frozen=True)
class Table:
    """An aggregate table: ``measure`` of ``kind``, broken down by ``breakdowns``.

    ``rows`` and ``columns`` list every category, including those with a zero, because a
    margin is the sum over all of them. ``columns`` is empty for a 1-D table.
    """

    measure: str
    kind: CellKind
    breakdowns: tuple[str, ...]
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    interior: Mapping[CellKey, Cell]

    def __post_init__(self) -> None:
        if len(self.breakdowns) != 1 + bool(self.columns):
            raise ValueError("name one breakdown per dimension (rows, then columns)")
        if TOTAL in self.rows or TOTAL in self.columns:
            raise ValueError(f"{TOTAL!r} is reserved for margins")
        expected = set(self.interior_keys())
        if set(self.interior) != expected:
            raise ValueError("the interior must have exactly one cell per row and column")

    def interior_keys(self) -> Iterator[CellKey]:
        for row in self.rows:
            if self.columns:
                for column in self.columns:
                    yield (row, column)
            else:
                yield (row, TOTAL)

    def keys(self) -> Iterator[CellKey]:
        """Every published position: interior, then row totals, column totals, grand total."""
        yield from self.interior_keys()
        if self.columns:
            for row in self.rows:
                yield (row, TOTAL)
            for column in self.columns:
                yield (TOTAL, column)
        yield (TOTAL, TOTAL)

    def members(self, key: CellKey) -> list[CellKey]:
        """The interior cells that add up to ``key`` (itself, for an interior cell)."""
        row, column = key
        rows = self.rows if row == TOTAL else (row,)
        if not self.columns:
            return [(r, TOTAL) for r in rows]
        columns = self.columns if column == TOTAL else (column,)
        return [(r, c) for r in rows for c in columns]

    def cell(self, key: CellKey) -> Cell:
        if key in self.interior:
            return self.interior[key]
        return _combine([self.interior[k] for k in self.members(key)])

    def cells(self) -> dict[CellKey, Cell]:
        return {key: self.cell(key) for key in self.keys()}

    @classmethod
    def of_counts(
        cls,
        measure: str,
        counts: Mapping[str, Mapping[str, int]] | Mapping[str, int],
        *,
        breakdowns: tuple[str, ...],
    ) -> Table:
        """A count table from ``{row: {column: n}}`` (2-D) or ``{row: n}`` (1-D)."""
        rows = tuple(counts)
        interior: dict[CellKey, Cell] = {}
        columns: tuple[str, ...] = ()
        for row, value in counts.items():
            if isinstance(value, Mapping):
                columns = tuple(value)
                for column, n in value.items():
                    interior[(row, column)] = Cell(float(n))
            else:
                interior[(row, TOTAL)] = Cell(float(value))
        return cls(measure, CellKind.COUNT, breakdowns, rows, columns, interior)
