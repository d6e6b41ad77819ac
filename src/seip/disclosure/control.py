"""The disclosure-control engine every aggregate output passes through (P10).

``protect(table, policy)`` returns the table as it may be published:

1. **Primary suppression** (symbol ``c``), defaults from ``Policy``:
   - counts of 1 to 5 (``count_threshold``); zero is shown, as in DfE practice, and is
     never suppressed as a complement either (so a ``c`` is never 0);
   - rates and means whose denominator is under 10 (``min_denominator``);
   - money totals that fail the **p% rule** (``p_percent``, default 10, the ACRO
     default): with the largest contributions ``x1 >= x2`` of a total ``T``, the cell
     is sensitive when ``T - x1 - x2 < p/100 * x1`` — the second-largest provider,
     subtracting its own share, would estimate the largest one's to within p%.
   Margins are cells too and are checked by the same rules.

2. **Secondary suppression with an LP audit** (``lp.intervals``): every suppressed
   cell's feasible interval, given all published cells and margins, must be at least
   as wide as its protection level:
   - count: ``count_protection - 1`` (default 4). Zeros are printed as 0 and never
     suppressed, so every ``c`` is at least 1 and the audit says so (a lower bound of 1
     on each suppressed count); the reader must not narrow a small count below the
     range 1 to ``count_protection`` that the rule itself reveals (ADR 0029);
   - rate or mean: ``relative_protection`` (default 20%) of the denominator for a rate
     (its numerator is at most the denominator), of the value for a mean;
   - money: ``p/100 * x1``, the p% rule's own margin;
   - a cell suppressed only to protect another (secondary, or by the ledger):
     ``complement_protection`` (default 1), so it is never published by another route,
     without demanding a sensitive cell's margin for a figure that is not sensitive.
   While a cell fails, the engine suppresses more, by a documented greedy rule:
   - an interior cell of a 2-D table: the cheapest *rectangle* (hypercube method):
     cells ``(i,l), (k,j), (k,l)`` whose own freedom ``min(x_ij, x_kl) +
     min(x_il, x_kj)`` reaches the protection level, least total value first (else the
     widest one);
   - otherwise: the smallest positive unsuppressed cell in the same row or column
     (interior before margins; a zero only when nothing else is left).
   Suppressing more only removes constraints, so intervals only widen: cells that pass
   stay passed, and the loop ends (at worst with everything suppressed).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from seip.disclosure.lp import Audit, Interval, LinkedCell, intervals
from seip.disclosure.tables import TOTAL, Cell, CellKey, CellKind, Symbol, Table


@dataclass(frozen=True)
class Policy:
    """Disclosure-control thresholds; a partnership may change them (defaults documented
    in the module docstring and ADR 0021)."""

    count_threshold: int = 5
    min_denominator: int = 10
    p_percent: float = 10.0
    count_protection: float = 5.0
    relative_protection: float = 0.2
    complement_protection: float = 1.0
    decimals: int = 1  # rates and means are shown to this many places (for ``low``)

    def __post_init__(self) -> None:
        if self.count_threshold < 0 or self.min_denominator < 0 or self.p_percent < 0:
            raise ValueError("thresholds cannot be negative")


class Reason(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    LEDGER = "ledger"  # suppressed so that earlier releases cannot be differenced
    #: Not shown (``x``), whatever its value, zero and small counts included: the last
    #: resort of the ledger when no ``c`` can protect an earlier release (ADR 0036). An
    #: ``x`` says nothing about its value, so it carries no lower bound of 1.
    WITHHELD = "withheld"


def is_sensitive(cell: Cell, kind: CellKind, policy: Policy) -> bool:
    """The primary rules (P10): would publishing this cell alone disclose too much?"""
    if cell.symbol is not None:
        return False
    if kind is CellKind.COUNT:
        return 0 < cell.value <= policy.count_threshold
    if kind in (CellKind.RATE, CellKind.MEAN):
        return cell.denominator is not None and 0 < cell.denominator < policy.min_denominator
    shares = [*sorted(cell.contributions.values(), reverse=True), 0.0, 0.0]
    x1, x2 = shares[0], shares[1]
    return cell.value > 0 and cell.value - x1 - x2 < policy.p_percent / 100 * x1


def protection_level(cell: Cell, kind: CellKind, policy: Policy) -> float:
    if kind is CellKind.COUNT:
        # Every ``c`` is known to be at least 1 (zeros are printed as 0, ADR 0029), so the
        # widest a small count can look is 1 to ``count_protection``: the reader must not
        # narrow it below the range the rule itself reveals.
        return max(1.0, policy.count_protection - 1)
    if kind is CellKind.RATE:
        return max(1.0, policy.relative_protection * (cell.denominator or 0))
    if kind is CellKind.MEAN:
        return max(1.0, policy.relative_protection * cell.value)
    largest = max(cell.contributions.values(), default=cell.value)
    return max(1.0, policy.p_percent / 100 * largest)


def upper_bound(cell: Cell, kind: CellKind) -> float:
    """What the reader knows without the table: a rate's numerator is at most its
    (published) denominator."""
    if kind is CellKind.RATE and cell.denominator is not None:
        return float(cell.denominator)
    return math.inf


def lower_bound(cell: Cell, kind: CellKind) -> float:
    """What the reader knows of a ``c`` without the table: a count shown as ``c`` is at
    least 1, because a zero is always printed as 0 (ADR 0029). (Every hidden count has
    the same footnote, so that the reason does not tell a small count from one hidden to
    protect it: ADR 0030.)"""
    return 1.0 if kind is CellKind.COUNT and cell.value >= 1 else 0.0


def hideable(cell: Cell, kind: CellKind) -> bool:
    """Whether a cell may be suppressed to protect another: never a zero count, which is
    printed as 0 so that every ``c`` is at least 1 (the audit's lower bound)."""
    return cell.symbol is None and not (kind is CellKind.COUNT and cell.value <= 0)


@dataclass(frozen=True)
class ProtectedTable:
    """A table with its suppression pattern, the reasons, and the LP audit."""

    table: Table
    policy: Policy
    suppressed: Mapping[CellKey, Reason]
    audit: Mapping[CellKey, Interval]
    passed: bool = True
    cells: Mapping[CellKey, Cell] = field(default_factory=dict)

    def published(self) -> dict[CellKey, float | Symbol]:
        """What may be shown: the figure, or a symbol (``c``, ``z``, ``x``, ``low``)."""
        shown: dict[CellKey, float | Symbol] = {}
        for key, cell in self.cells.items():
            if self.suppressed.get(key) is Reason.WITHHELD:
                shown[key] = Symbol.NOT_AVAILABLE
            elif key in self.suppressed:
                shown[key] = Symbol.SUPPRESSED
            elif cell.symbol is not None:
                shown[key] = cell.symbol
            else:
                figure = cell.shown(self.table.kind)
                if figure and round(figure, self.policy.decimals) == 0:
                    shown[key] = Symbol.LOW
                else:
                    shown[key] = figure
        return shown


def linked_cells(
    table: Table,
    cells: Mapping[CellKey, Cell],
    suppressed: Mapping[CellKey, Reason] | set[CellKey],
    policy: Policy,
    index: Callable[[CellKey], frozenset[int]],
    ref: Callable[[CellKey], object] = lambda key: key,
) -> list[LinkedCell]:
    """The table's cells as sums of LP unknowns; ``index`` maps a position to its atoms."""
    linked = []
    for key, cell in cells.items():
        if cell.symbol is Symbol.NOT_AVAILABLE:
            continue  # carries no number: neither a constraint nor a secret
        linked.append(
            LinkedCell(
                ref=ref(key),
                members=index(key),
                value=cell.value,
                suppressed=key in suppressed,
                protection=(
                    protection_level(cell, table.kind, policy)
                    if is_sensitive(cell, table.kind, policy)
                    else policy.complement_protection
                ),
                upper=upper_bound(cell, table.kind),
                sensitive=is_sensitive(cell, table.kind, policy),
                lower=0.0 if _withheld(suppressed, key) else lower_bound(cell, table.kind),
            )
        )
    return linked


def _withheld(suppressed: Mapping[CellKey, Reason] | set[CellKey], key: CellKey) -> bool:
    return isinstance(suppressed, Mapping) and suppressed.get(key) is Reason.WITHHELD


def complement(
    table: Table,
    cells: Mapping[CellKey, Cell],
    suppressed: Mapping[CellKey, Reason],
    key: CellKey,
    required: float,
) -> list[CellKey]:
    """The greedy rule: which cells to suppress next to protect ``key``."""

    def free(k: CellKey) -> bool:
        return k not in suppressed and hideable(cells[k], table.kind)

    row, column = key
    if table.columns and len(table.rows) > 1 and len(table.columns) > 1 and TOTAL not in key:
        best: tuple[bool, float, float, list[CellKey]] | None = None
        for k in table.rows:
            for col in table.columns:
                if k == row or col == column:
                    continue
                corners = [(row, col), (k, column), (k, col)]
                new = [c for c in corners if free(c)]
                if not new or any(c not in suppressed and not free(c) for c in corners):
                    continue  # a corner that must stay shown (a zero) closes no cycle
                v = {c: cells[c].value for c in corners}
                width = min(cells[key].value, v[(k, col)]) + min(v[(row, col)], v[(k, column)])
                cost = sum(cells[c].value for c in new)
                # Enough width first, then least information lost, then widest.
                rank = (width + 1e-9 < required, cost if width >= required else -width, -width)
                if best is None or rank < best[:3]:
                    best = (*rank, new)
        if best is not None:
            return best[3]
    line = [k for k in cells if (k[0] == row or k[1] == column) and k != key and free(k)]
    if not line:
        line = [k for k in cells if free(k)]
    if not line:
        return []
    line.sort(key=lambda k: (TOTAL in k, cells[k].value <= 0, cells[k].value))
    return [line[0]]


def _interior_index(table: Table) -> Callable[[CellKey], frozenset[int]]:
    position = {key: i for i, key in enumerate(table.interior_keys())}

    def index(key: CellKey) -> frozenset[int]:
        return frozenset(position[k] for k in table.members(key))

    return index


def protect(table: Table, policy: Policy | None = None) -> ProtectedTable:
    """Suppress ``table`` until no suppressed cell can be narrowed below its protection
    level from what is published (P10). Pure: no database, no side effects."""
    policy = policy or Policy()
    cells = table.cells()
    suppressed: dict[CellKey, Reason] = {
        key: Reason.PRIMARY for key, cell in cells.items() if is_sensitive(cell, table.kind, policy)
    }
    index = _interior_index(table)
    n_vars = len(table.interior)
    audit: dict[CellKey, Interval] = {}
    pending = set(suppressed)
    # One LP for every round: suppressing more only relaxes rows of it.
    reader = Audit(linked_cells(table, cells, suppressed, policy, index), n_vars)
    while pending:
        linked = linked_cells(table, cells, suppressed, policy, index)
        for key in pending:
            reader.suppress(key)
        targets = [c for c in linked if c.ref in pending]
        found = reader.intervals(targets, exact=False)
        audit.update({k: v for k, v in found.items() if isinstance(k, tuple)})
        failing = sorted(
            (k for k in pending if not audit[k].ok),
            key=lambda k: (suppressed[k] is not Reason.PRIMARY, cells[k].value, k),
        )
        if not failing:
            break
        worst = failing[0]
        added = complement(table, cells, suppressed, worst, audit[worst].required)
        if not added:
            return ProtectedTable(table, policy, suppressed, audit, passed=False, cells=cells)
        for key in added:
            suppressed[key] = Reason.SECONDARY
        pending = set(failing) | set(added)
    # The loop's intervals are lower bounds; report the exact final ones.
    linked = linked_cells(table, cells, suppressed, policy, index)
    found = intervals(linked, n_vars, [c for c in linked if c.suppressed])
    audit = {k: v for k, v in found.items() if isinstance(k, tuple)}
    return ProtectedTable(table, policy, suppressed, audit, passed=True, cells=cells)
