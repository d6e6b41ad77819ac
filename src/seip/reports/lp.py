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

Speed. One HiGHS model (``highspy``) is built per call with every constraint; each
target then changes only the objective (its members' costs and the sense) and re-solves
from the previous optimal basis. A cost change keeps that basis primal feasible, so a
re-solve is a few simplex pivots rather than a fresh solve (presolve is off: it would
throw the basis away). ``links`` are extra equalities ``sum(left) == sum(right)``: the
ledger uses them to make its atom blocks agree on shared margins (``ledger.AtomSpace``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import threading
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
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
    #: The reader's prior lower bound when suppressed: a suppressed count is at least 1,
    #: because zeros are printed as 0 and never suppressed (ADR 0029).
    lower: float = 0.0


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
#: How far a point inherited from another audit may miss a constraint and still count
#: as feasible: HiGHS's own feasibility tolerance is 1e-7, and protection levels are
#: whole units.
_FEASIBLE = 1e-6
#: Numbers kept per LP size for the thread's next audit (``Audit._bequeath``).
_POOL = 250_000

#: ``sum(y[left]) == sum(y[right])``.
Link = tuple[Sequence[int], Sequence[int]]


class InconsistentTables(ValueError):
    """The published figures admit no solution: a bug upstream, never a protection."""


def _matrix(links: Sequence[Link], rows: Sequence[frozenset[int]], n_vars: int) -> csr_array:
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for left, right in links:
        indices.extend(left)
        data.extend([1.0] * len(left))
        indices.extend(right)
        data.extend([-1.0] * len(right))
        indptr.append(len(indices))
    for members in rows:
        indices.extend(sorted(members))
        data.extend([1.0] * len(members))
        indptr.append(len(indices))
    return csr_array(
        (np.array(data), np.array(indices, dtype=np.int32), indptr),
        shape=(len(links) + len(rows), n_vars),
    )


_local = threading.local()


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints its banner from C to file descriptor 1 when an instance is made,
    before any option can turn output off; a command's output (``seip report``) and a
    server's log must not carry it. Once per thread, so the brief redirect is cheap."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _solver() -> highspy.Highs:
    """This thread's HiGHS instance: creating one costs more than many warm solves."""
    highs: highspy.Highs | None = getattr(_local, "highs", None)
    if highs is None:
        with _quiet_stdout():
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "off")  # keep the basis between solves
        _local.highs = highs
    return highs


class _Model:
    """One HiGHS model with a row per link and per cell (in that order); only the
    objective changes per solve, and a cell suppressed later only loses its row's bounds.

    The thread's HiGHS instance is shared: a model that finds another one loaded passes
    itself in again (its basis is then lost, never its answers). A new model starts from
    the last basis of the thread when the shapes allow (same atoms, at least as many
    rows): the audits of one report differ by a table, so that basis is nearly optimal.
    Any starting basis gives the same optimum; it only saves pivots."""

    def __init__(
        self,
        cells: Sequence[LinkedCell],
        suppressed: set[int],
        links: Sequence[Link],
        n_vars: int,
        matrix: csr_array | None = None,
    ) -> None:
        inf = highspy.kHighsInf
        self.offset = len(links)
        self.lower = np.array(
            [0.0] * len(links)
            + [c.lower if i in suppressed else c.value for i, c in enumerate(cells)]
        )
        self.upper = np.array(
            [0.0] * len(links)
            + [
                (c.upper if math.isfinite(c.upper) else inf) if i in suppressed else c.value
                for i, c in enumerate(cells)
            ]
        )
        if matrix is None:
            matrix = _matrix(links, [c.members for c in cells], n_vars)
        matrix = matrix.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_ = n_vars
        lp.num_row_ = len(links) + len(cells)
        lp.col_cost_ = np.zeros(n_vars)
        lp.col_lower_ = np.zeros(n_vars)
        lp.col_upper_ = np.full(n_vars, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self.lp = lp
        self.n_vars = n_vars
        self.highs = _solver()
        self.costed: np.ndarray = np.zeros(0, dtype=np.int32)
        self.feasible = False
        # The last model of this thread is a fair start only if its rows are the first
        # rows of this one (the earlier releases of the group, in the same atoms).
        self.shape = (n_vars, len(links), len(cells), hash(tuple(c.members for c in cells)))
        last = getattr(_local, "last", None)
        start = None
        if (
            last is not None
            and last[0][:2] == self.shape[:2]
            and last[0][2] <= len(cells)
            and hash(tuple(c.members for c in cells[: last[0][2]])) == last[0][3]
        ):
            start = last[1]
        self._load(start=start)

    def _load(self, start: highspy.HighsBasis | None = None) -> None:
        self.lp.row_lower_ = self.lower
        self.lp.row_upper_ = self.upper
        self.lp.col_cost_ = np.zeros(self.n_vars)
        self.highs.passModel(self.lp)
        self.costed = np.zeros(0, dtype=np.int32)
        self.feasible = False
        self.warm = False
        _local.owner = self
        rows = self.lp.num_row_
        if start is not None:
            basis = highspy.HighsBasis()
            basis.col_status = list(start.col_status)
            extra = rows - len(start.row_status)
            basis.row_status = [*start.row_status, *[highspy.HighsBasisStatus.kBasic] * extra]
            basis.valid = True
            self.highs.setBasis(basis)
            self.warm = True

    def relax(self, row: int, lower: float, upper: float) -> None:
        """A cell is suppressed: its sum is free (within the reader's prior bounds)."""
        self.lower[self.offset + row] = lower
        self.upper[self.offset + row] = upper
        if _local.owner is self:
            self.highs.changeRowBounds(self.offset + row, lower, upper)

    def solve(
        self, columns: np.ndarray, sense: highspy.ObjSense, costs: np.ndarray | None = None
    ) -> float:
        """The optimum of ``sum(costs * y[columns])`` (costs 1 by default; ``inf`` when
        unbounded above)."""
        if getattr(_local, "owner", None) is not self:
            self._load()
        highs = self.highs
        if len(self.costed):
            highs.changeColsCost(len(self.costed), self.costed, np.zeros(len(self.costed)))
        if costs is None:
            costs = np.ones(len(columns))
        highs.changeColsCost(len(columns), columns, costs)
        self.costed = columns
        highs.changeObjectiveSense(sense)
        # Dual simplex finds the first optimum fastest; after that only costs (and
        # relaxed rows) change, the basis stays primal feasible, and primal simplex
        # goes on from it in a few pivots.
        highs.setOptionValue("simplex_strategy", 4 if self.feasible or self.warm else 1)
        highs.run()
        status = highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnknown:
            # A warm start can stall (seen with the lower bounds of ADR 0029): solve this
            # objective again from scratch, with dual simplex, before giving up.
            highs.clearSolver()
            highs.setOptionValue("simplex_strategy", 1)
            highs.run()
            status = highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            self.feasible = True
            _local.last = (self.shape, highs.getBasis())
            return float(highs.getInfo().objective_function_value)
        if status == highspy.HighsModelStatus.kUnbounded or (
            # Without presolve HiGHS tells the two apart; if not, a model already
            # solved once is feasible, so it can only be unbounded.
            status == highspy.HighsModelStatus.kUnboundedOrInfeasible and self.feasible
        ):
            return math.inf
        if status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            raise InconsistentTables("the published cells contradict each other")
        raise RuntimeError(f"LP audit failed: {highs.modelStatusToString(status)}")

    def point(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_value, dtype=float)


class Audit:
    """The reader's LP over ``cells`` (and ``links``), kept while more cells are
    suppressed: suppressing only removes constraints, so the model, its basis and every
    feasible point found (``witnesses``) stay valid; nothing is rebuilt."""

    def __init__(
        self,
        cells: Sequence[LinkedCell],
        n_vars: int,
        links: Sequence[Link] = (),
        *,
        matrix: csr_array | None = None,
    ):
        """``matrix``: the rows of ``links`` and ``cells`` as ``_matrix`` builds them, when
        the caller keeps them between audits (the ledger: ``ledger._Group``)."""
        self.cells = list(cells)
        self._matrix = matrix
        self.row = {c.ref: i for i, c in enumerate(self.cells)}
        self.suppressed = {i for i, c in enumerate(self.cells) if c.suppressed}
        self.links = links
        self.n_vars = n_vars
        self.model: _Model | None = None
        # At most about 20 MB of points, however large the LP.
        self._capacity = min(_WITNESSES, max(4, 2_500_000 // max(n_vars, 1)))
        self._points = np.zeros((self._capacity, n_vars))
        self._count = 0
        self._probes = np.random.default_rng(0)  # seeded: the same audit every time
        self._inherited = False

    @property
    def witnesses(self) -> np.ndarray:
        """Feasible points found so far (rows): points the reader cannot rule out."""
        return self._points[: self._count]

    def _keep(self) -> None:
        if self._count < self._capacity and self.model is not None:
            self._points[self._count] = self.model.point()
            self._count += 1

    def _inherit(self) -> None:
        """Start from the points earlier audits of this thread found, those that are
        feasible here too (checked against every link and cell of this LP): the tables
        of one report are audited one after another against the same earlier releases,
        in the same atoms, and a table the earlier ones already imply leaves their points
        feasible, so its audit needs few LPs or none. A point is only ever used once it
        satisfies this LP's constraints, wherever it came from, so it proves what
        ``_Spreads`` says of it (an interval at least that wide)."""
        self._inherited = True
        pool: np.ndarray | None = getattr(_local, "witnesses", {}).get(self.n_vars)
        if pool is None or not len(pool) or self._count:
            return
        sums = self.matrix() @ pool.T  # one column per point
        low = np.array(
            [0.0] * len(self.links)
            + [c.lower if i in self.suppressed else c.value for i, c in enumerate(self.cells)]
        )
        high = np.array(
            [0.0] * len(self.links)
            + [c.upper if i in self.suppressed else c.value for i, c in enumerate(self.cells)]
        )
        slack = _FEASIBLE * (1.0 + np.abs(low))
        fits = (
            np.all(sums >= (low - slack)[:, None], axis=0)
            & np.all(sums <= (high + _FEASIBLE * (1.0 + np.abs(high)))[:, None], axis=0)
            & np.all(pool >= -_FEASIBLE, axis=1)
        )
        kept = pool[fits][: self._capacity]
        self._points[: len(kept)] = kept
        self._count = len(kept)

    def matrix(self) -> csr_array:
        """The LP's rows: one per link, then one per cell."""
        if self._matrix is None:
            self._matrix = _matrix(self.links, [c.members for c in self.cells], self.n_vars)
        return self._matrix

    def _bequeath(self) -> None:
        """Leave this audit's points for the next audit of the thread (``_inherit``)."""
        if not self._count:
            return
        pools: dict[int, np.ndarray] = getattr(_local, "witnesses", {})
        pools.pop(self.n_vars, None)
        # A few sizes (a table's own LP, the ledger's), a few MB at most, per thread.
        pools[self.n_vars] = self.witnesses[: max(1, _POOL // self.n_vars)].copy()
        while len(pools) > 4:
            del pools[next(iter(pools))]
        _local.witnesses = pools

    def _model(self) -> _Model:
        if self.model is None:
            self.model = _Model(self.cells, self.suppressed, self.links, self.n_vars, self.matrix())
        return self.model

    def probe(self, targets: Sequence[LinkedCell], *, rounds: int = 6) -> None:
        """Find feasible points that spread many targets at once, so that most need no LP
        of their own: maximise and minimise a random signed sum of the targets not yet
        spread. Each pair of solves pushes every such target towards one end and then
        the other; a target linked to others may be pulled back, and gets its own LPs."""
        spreads = _Spreads(self, targets)
        columns = spreads.columns
        left = [i for i, t in enumerate(targets) if spreads.spread(i) is None]
        for _ in range(rounds):
            if len(left) < 4 or self._count + 2 > self._capacity:
                return
            costs = np.zeros(self.n_vars)
            for i in left:
                costs[columns[i]] += self._probes.choice((-1.0, 1.0))
            used = np.flatnonzero(costs).astype(np.int32)
            model = self._model()
            for sense in (highspy.ObjSense.kMaximize, highspy.ObjSense.kMinimize):
                if math.isfinite(model.solve(used, sense, costs[used])):
                    self._keep()
            still = [i for i in left if spreads.spread(i) is None]
            if len(still) > 0.8 * len(left):  # diminishing returns: stop probing
                return
            left = still

    def suppress(self, ref: Hashable) -> None:
        i = self.row[ref]
        if i in self.suppressed:
            return
        self.suppressed.add(i)
        if self.model is not None:
            upper = self.cells[i].upper
            self.model.relax(
                i, self.cells[i].lower, upper if math.isfinite(upper) else highspy.kHighsInf
            )

    def withhold(self, ref: Hashable) -> None:
        """The cell is withheld (``x``): suppressed, and the reader no longer knows it is at
        least 1, since an ``x`` may hide a zero (ADR 0036). Only removes knowledge, so
        the model, its basis and the witnesses stay valid."""
        i = self.row[ref]
        self.suppressed.add(i)
        self.cells[i] = dataclasses.replace(self.cells[i], lower=0.0)
        if self.model is not None:
            upper = self.cells[i].upper
            self.model.relax(i, 0.0, upper if math.isfinite(upper) else highspy.kHighsInf)

    def intervals(
        self, targets: Iterable[LinkedCell], *, exact: bool = True
    ) -> dict[Hashable, Interval]:
        """Min and max of each target; see ``intervals``."""
        result: dict[Hashable, Interval] = {}
        targets = list(targets)
        if not exact and targets and not self._inherited:
            self._inherit()
        if not exact:
            self.probe(targets)
        spreads = _Spreads(self, targets)
        for i, target in enumerate(targets):
            members = spreads.columns[i]
            if not exact:
                # Every solution found is a point the reader cannot rule out: if two of
                # them already spread this cell wide enough, no LP is needed.
                spread = spreads.spread(i)
                if spread is not None:
                    result[target.ref] = spread
                    continue
            model = self._model()
            ends: list[float] = []
            for sense in (highspy.ObjSense.kMaximize, highspy.ObjSense.kMinimize):
                end = model.solve(members, sense)
                ends.append(end)
                if math.isfinite(end) and not exact:
                    self._keep()
                if not exact and ends[0] - target.value + 1e-6 >= target.protection:
                    ends.append(target.value)
                    break
            result[target.ref] = Interval(ends[1], ends[0], target.protection)
        if not exact:
            self._bequeath()
        return result


_COLUMNS = 50_000


def _columns(members: frozenset[int]) -> np.ndarray:
    """A cell's atoms as a sorted array, kept per thread: the ledger's earlier cells are
    the targets of audit after audit."""
    known: dict[frozenset[int], np.ndarray] = getattr(_local, "columns", {})
    found = known.get(members)
    if found is None:
        if len(known) >= _COLUMNS:
            known.clear()
        found = known[members] = np.array(sorted(members), dtype=np.int32)
        _local.columns = known
    return found


class _Spreads:
    """How far apart the audit's witnesses put each target: the running minimum and
    maximum of its sum over them, brought up to date with the points found since (one
    sparse product for every target, where a sum per target and point was slow)."""

    def __init__(self, audit: Audit, targets: Sequence[LinkedCell]) -> None:
        self.audit = audit
        self.targets = targets
        self.columns = [_columns(t.members) for t in targets]
        lengths = np.fromiter((len(c) for c in self.columns), dtype=np.int64, count=len(targets))
        indptr = np.zeros(len(targets) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate(self.columns) if targets else np.zeros(0, dtype=np.int32)
        self.rows = csr_array(
            (np.ones(len(indices)), indices, indptr), shape=(len(targets), audit.n_vars)
        )
        self.low = np.full(len(targets), math.inf)
        self.high = np.full(len(targets), -math.inf)
        self.seen = 0

    def _update(self) -> None:
        count = self.audit._count
        if count > self.seen:
            sums = self.rows @ self.audit._points[self.seen : count].T
            np.minimum(self.low, sums.min(axis=1), out=self.low)
            np.maximum(self.high, sums.max(axis=1), out=self.high)
            self.seen = count

    def spread(self, i: int) -> Interval | None:
        """The witnesses' interval for target ``i`` when at least its protection wide."""
        self._update()
        if not self.seen:
            return None
        low, high, target = float(self.low[i]), float(self.high[i]), self.targets[i]
        if high - low + 1e-6 >= target.protection:
            return Interval(low, high, target.protection)
        return None


def intervals(
    cells: Sequence[LinkedCell],
    n_vars: int,
    targets: Iterable[LinkedCell],
    *,
    exact: bool = True,
    links: Sequence[Link] = (),
) -> dict[Hashable, Interval]:
    """Solve min and max of each target over everything the reader can see.

    With ``exact=False`` the minimum is solved only when the maximum alone does not
    show enough room above the true value; the interval is then ``[value, max]``,
    narrower than the true one, so a pass is still a proof (and half the LPs). It also
    skips the LPs for a cell that earlier solutions (feasible points) already spread by
    its protection level; the interval is then the spread seen, again a lower bound."""
    return Audit(cells, n_vars, links).intervals(targets, exact=exact)
