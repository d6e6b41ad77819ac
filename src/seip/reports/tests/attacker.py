"""An attacker's LP, written independently of the engine's audit (``seip.disclosure.lp``).

The engine models cells as sums of atoms; the attacker models every published position
(margins too) as its own unknown, writes the margin equations and the relations between
releases by hand, and solves min and max of each suppressed cell with its own linprog.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
from scipy.optimize import linprog

from seip.disclosure.control import ProtectedTable
from seip.disclosure.tables import TOTAL, CellKind, Symbol


class Attacker:
    def __init__(self) -> None:
        self.index: dict[Hashable, int] = {}
        self.rows: list[tuple[dict[int, float], float]] = []
        self.upper: dict[int, float] = {}
        self.lower: dict[int, float] = {}

    def var(self, name: Hashable) -> int:
        return self.index.setdefault(name, len(self.index))

    def equal(self, terms: Mapping[Hashable, float], rhs: float = 0.0) -> None:
        self.rows.append(({self.var(n): c for n, c in terms.items()}, rhs))

    def reads(self, tag: Hashable, protected: ProtectedTable) -> None:
        """Everything a reader gets from one published table."""
        table = protected.table
        shown = protected.published()
        for key, figure in shown.items():
            name = (tag, *key)
            self.var(name)
            cell = protected.cells[key]
            if table.kind is CellKind.RATE and cell.denominator is not None:
                self.upper[self.var(name)] = cell.denominator
            if isinstance(figure, Symbol):
                if figure is Symbol.NOT_APPLICABLE:
                    self.equal({name: 1}, 0.0)
                if figure is Symbol.SUPPRESSED and table.kind is CellKind.COUNT:
                    self.lower[self.var(name)] = 1.0  # zeros are printed as 0 (ADR 0029)
                continue
            if table.kind in (CellKind.RATE, CellKind.MEAN):
                figure = figure * (cell.denominator or 0)  # the denominator is published
            self.equal({name: 1}, float(figure))
        rows, columns = table.rows, table.columns
        if columns:
            for r in rows:
                self.equal({**{(tag, r, c): 1 for c in columns}, (tag, r, TOTAL): -1})
            for c in columns:
                self.equal({**{(tag, r, c): 1 for r in rows}, (tag, TOTAL, c): -1})
        self.equal({**{(tag, r, TOTAL): 1 for r in rows}, (tag, TOTAL, TOTAL): -1})

    def interval(self, name: Hashable) -> tuple[float, float]:
        n = len(self.index)
        a_eq = np.zeros((len(self.rows), n))
        b_eq = np.zeros(len(self.rows))
        for i, (terms, rhs) in enumerate(self.rows):
            for j, coef in terms.items():
                a_eq[i, j] += coef
            b_eq[i] = rhs
        bounds = [(self.lower.get(j, 0.0), self.upper.get(j)) for j in range(n)]
        objective = np.zeros(n)
        objective[self.index[name]] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            result = linprog(sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if result.status == 3:
                ends.append(float("inf"))
            else:
                assert result.status == 0, result.message
                ends.append(sign * result.fun)
        return ends[0], ends[1]


def pinned(
    attacker: Attacker, tag: Hashable, protected: ProtectedTable, *, complements: bool = True
) -> list[str]:
    """The suppressed cells of ``protected`` the attacker narrows below protection: every
    sensitive cell, and (within one table) every complement to at least one unit."""
    from seip.disclosure.control import is_sensitive, protection_level

    table, policy = protected.table, protected.policy
    found = []
    for key in protected.suppressed:
        cell = protected.cells[key]
        if not complements and not is_sensitive(cell, table.kind, policy):
            continue
        required = (
            protection_level(cell, table.kind, policy)
            if is_sensitive(cell, table.kind, policy)
            else policy.complement_protection
        )
        low, high = attacker.interval((tag, *key))
        if high - low + 1e-6 < required:
            found.append(f"{tag} {key}: [{low:g}, {high:g}] narrower than {required:g}")
    return found
