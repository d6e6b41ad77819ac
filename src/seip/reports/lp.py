"""The audit LP shared by the table engine and the release ledger (P10).

Every published figure is modelled as a sum of non-negative unknowns ``y`` (the
"atoms": one per interior category combination and, in the ledger, per school and
term). A published cell fixes its sum; a suppressed cell leaves it free. The reader's
best knowledge of a suppressed cell is then the interval

    [min sum(y in cell), max sum(y in cell)]  subject to  A_pub y = b_pub,
                                                           A_ub y <= upper,  y >= 0

which is what an attacker with the published margins can deduce. For a 2-D table with
its margins the constraint matrix is totally unimodular, so the LP bounds are integral
and equal the integer bounds: the continuous relaxation loses nothing. For linked
releases it is a relaxation (the true integer interval can only be narrower by less
than 1), which is why protection levels are set in whole units with room to spare.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog  # type: ignore[import-untyped]
from scipy.sparse import csr_array  # type: ignore[import-untyped]


@dataclass(frozen=True)
class LinkedCell:
    """A published or suppressed figure: the sum of ``members`` (indices into ``y``)."""

    ref: Hashable
    members: frozenset[int]
    value: float
    suppressed: bool
    protection: float = 0.0
    upper: float = math.inf  # attacker's prior upper bound (a rate's numerator <= denominator)
    sensitive: bool = False  # needs protection in every release, not just in its own table


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    required: float

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def ok(self) -> bool:
        # A tolerance for floating-point noise from the solver, far below one unit.
        return self.width + 1e-6 >= self.required


_WITNESSES = 200


class InconsistentTables(ValueError):
    """The published figures admit no solution: a bug upstream, never a protection."""


def _matrix(rows: Sequence[frozenset[int]], n_vars: int) -> csr_array:
    indptr = [0]
    indices: list[int] = []
    for members in rows:
        indices.extend(sorted(members))
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return csr_array((data, indices, indptr), shape=(len(rows), n_vars))


def intervals(
    cells: Sequence[LinkedCell],
    n_vars: int,
    targets: Iterable[LinkedCell],
    *,
    exact: bool = True,
) -> dict[Hashable, Interval]:
    """Solve min and max of each target over everything the reader can see.

    With ``exact=False`` the minimum is solved only when the maximum alone does not
    show enough room above the true value; the interval is then ``[value, max]``,
    narrower than the true one, so a pass is still a proof (and half the LPs). It also
    skips the LPs for a cell that earlier solutions (feasible points) already spread by
    its protection level; the interval is then the spread seen, again a lower bound."""
    published = [c for c in cells if not c.suppressed]
    bounded = [c for c in cells if math.isfinite(c.upper)]
    a_eq = _matrix([c.members for c in published], n_vars) if published else None
    b_eq = np.array([c.value for c in published]) if published else None
    a_ub = _matrix([c.members for c in bounded], n_vars) if bounded else None
    b_ub = np.array([c.upper for c in bounded]) if bounded else None
    result: dict[Hashable, Interval] = {}
    witnesses: list[np.ndarray] = []  # feasible points found so far (LP solutions)
    for target in targets:
        members = sorted(target.members)
        if not exact and witnesses:
            # Every solution found is a point the reader cannot rule out: if two of them
            # already spread this cell wide enough, no LP is needed.
            seen = np.stack(witnesses)[:, members].sum(axis=1)
            if seen.max() - seen.min() + 1e-6 >= target.protection:
                result[target.ref] = Interval(
                    float(seen.min()), float(seen.max()), target.protection
                )
                continue
        objective = np.zeros(n_vars)
        objective[members] = 1.0
        ends: list[float] = []
        for sign in (-1.0, 1.0):  # the maximum first
            solution = linprog(
                sign * objective,
                A_ub=a_ub,
                b_ub=b_ub,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=(0, None),
                method="highs",
            )
            if solution.status == 3:  # unbounded: only the maximum can be
                ends.append(math.inf)
            elif solution.status == 2:
                raise InconsistentTables("the published cells contradict each other")
            elif solution.status != 0:
                raise RuntimeError(f"LP audit failed: {solution.message}")
            else:
                ends.append(sign * float(solution.fun))
                if not exact and len(witnesses) < _WITNESSES:
                    witnesses.append(np.asarray(solution.x))
            if not exact and ends[0] - target.value + 1e-6 >= target.protection:
                ends.append(target.value)
                break
        result[target.ref] = Interval(ends[1], ends[0], target.protection)
    return result
