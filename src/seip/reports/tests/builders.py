"""Small builders for tables from microdata (one dict per student, no names)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from seip.disclosure.tables import TOTAL, Cell, CellKind, Table


def count_table(
    people: Iterable[Mapping[str, str]],
    rows: tuple[str, tuple[str, ...]],
    columns: tuple[str, tuple[str, ...]] | None = None,
    *,
    measure: str = "students",
) -> Table:
    counts = Counter((p[rows[0]], p[columns[0]] if columns else TOTAL) for p in people)
    keys = [(r, c) for r in rows[1] for c in (columns[1] if columns else (TOTAL,))]
    interior = {k: Cell(float(counts[k])) for k in keys}
    breakdowns = (rows[0], columns[0]) if columns else (rows[0],)
    return Table(
        measure, CellKind.COUNT, breakdowns, rows[1], columns[1] if columns else (), interior
    )


def people(counts: Mapping[str, int], **fixed: str) -> list[dict[str, str]]:
    """``{"a": 2, "b": 20}`` by ``reason`` -> that many students, with ``fixed`` fields."""
    return [{"reason": k, **fixed} for k, n in counts.items() for _ in range(n)]
