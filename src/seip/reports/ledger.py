"""The release ledger and the differencing audit (P10).

Every released table is kept with its population and its cells (true values too, so
that later releases can be audited against it; a cell names no student). Before a new
table is released it is audited **together with every earlier release of an
overlapping population** — same measure, kind, academic year and filters, sharing at
least one (school, term), or linked through a chain of such overlaps — and suppressed
further until no sensitive cell (primary in its own table), in any of those releases,
can be pinned narrower than its protection level. A complement is not protected across
releases: it may be derivable from others without harm (ADR 0021). When the same
population is released again with different figures (someone objected, P20, or was
erased), the students who dropped out form a virtual table protected in the same way
(``_dropouts``).

Formulation. The unknowns are *atoms*: the measure for one school, one term and one
combination of the categories of every breakdown used in the group (for example school
by term by year group by sex). Every published cell of every release is a sum of atoms:

    x[release, row, column] = sum of y[a] over atoms a with
        a.school in release.schools and a.term in release.terms,
        a[row breakdown] = row (unless row is the margin), a[column breakdown] = column

so every linear relation between releases is present without being enumerated: a term
plus the rest of the year makes the year to date; one school is part of all schools;
two breakdowns of one population share their grand total; a school-by-category table
and a one-school table share that school's cells. ``lp.intervals`` then minimises and
maximises each suppressed cell over all published cells of the group at once.

Greedy rule for the new release, while a cell fails:
- a failing cell of the new table: the table engine's rule (``disclosure.complement``);
- a failing cell of an earlier release: the smallest positive unsuppressed cell of the
  new table whose atoms overlap it; failing that (linked only through a third release),
  the new cell of the same category, then one in the same row or column (``ledger``).
A cell of the new table with exactly the atoms of an earlier suppressed cell is
suppressed from the start ("a cell that needs protection in one table needs it in
every table"). Suppression only removes constraints, so the loop ends.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seip.reports.disclosure import (
    Policy,
    ProtectedTable,
    Reason,
    complement,
    linked_cells,
    protect,
)
from seip.reports.lp import Interval, LinkedCell, intervals
from seip.reports.tables import TOTAL, Cell, CellKey, CellKind, Symbol, Table

#: Breakdowns that are dimensions of the population itself.
SCHOOL = "school"
TERM = "term"
#: Membership between a release and the re-run of the same population (see ``_rerun``).
COHORT = "cohort"
GONE, JOINED, STAYED = "gone", "joined", "stayed"


@dataclass(frozen=True)
class Population:
    """Which students a table counts: schools (the scope — one school, a partnership's
    schools, the county's), academic year, the terms covered (one term, or the year to
    date) and any filters (for example ``{"sen": "ehcp"}``)."""

    schools: frozenset[str]
    year: str
    terms: frozenset[str]
    filters: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "schools": sorted(self.schools),
            "year": self.year,
            "terms": sorted(self.terms),
            "filters": dict(sorted(self.filters.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Population:
        return cls(
            schools=frozenset(str(s) for s in data["schools"]),
            year=str(data["year"]),
            terms=frozenset(data["terms"]),
            filters=dict(data.get("filters", {})),
        )


@dataclass(frozen=True)
class StoredCell:
    row: str
    column: str
    value: float
    suppressed: bool
    protection: float
    upper: float
    sensitive: bool = False


@dataclass(frozen=True)
class Entry:
    """One release as the audit sees it (from the ``Release`` model or a new table)."""

    ref: Hashable
    population: Population
    measure: str
    kind: CellKind
    breakdowns: tuple[str, ...]
    cells: tuple[StoredCell, ...]

    def overlaps(self, other: Entry) -> bool:
        a, b = self.population, other.population
        return (
            self.measure == other.measure
            and self.kind is other.kind
            and a.year == b.year
            and dict(a.filters) == dict(b.filters)
            and bool(a.schools & b.schools)
            and bool(a.terms & b.terms)
        )


def entry_of(ref: Hashable, population: Population, protected: ProtectedTable) -> Entry:
    """The ledger entry for a protected table."""
    table = protected.table
    linked = linked_cells(
        table,
        protected.cells,
        protected.suppressed,
        protected.policy,
        index=lambda key: frozenset(),
    )
    return Entry(
        ref=ref,
        population=population,
        measure=table.measure,
        kind=table.kind,
        breakdowns=table.breakdowns,
        cells=tuple(
            StoredCell(key[0], key[1], c.value, c.suppressed, c.protection, c.upper, c.sensitive)
            for key, c in zip(_present(protected), linked, strict=True)
        ),
    )


def _present(protected: ProtectedTable) -> list[CellKey]:
    return [k for k, c in protected.cells.items() if c.symbol is not Symbol.NOT_AVAILABLE]


def related(new: Entry, earlier: Sequence[Entry]) -> list[Entry]:
    """Earlier releases linked to ``new`` by a chain of overlaps: a release that does not
    overlap the new one can still narrow an earlier one that does."""
    group: list[Entry] = []
    frontier = [new]
    rest = list(earlier)
    while frontier:
        current = frontier.pop()
        linked = [e for e in rest if e.overlaps(current)]
        rest = [e for e in rest if not e.overlaps(current)]
        group.extend(linked)
        frontier.extend(linked)
    return group


class AtomSpace:
    """The atoms of a group of releases, as parallel index arrays (one per dimension)."""

    def __init__(self, entries: Sequence[Entry], *, cohorts: bool = False) -> None:
        categories: dict[str, set[str]] = {SCHOOL: set(), TERM: set()}
        if cohorts:
            categories[COHORT] = {GONE, JOINED, STAYED}
        for entry in entries:
            categories[SCHOOL] |= entry.population.schools
            categories[TERM] |= entry.population.terms
            for position, breakdown in enumerate(entry.breakdowns):
                values = {c.row if position == 0 else c.column for c in entry.cells}
                categories.setdefault(breakdown, set()).update(values - {TOTAL})
        self.dims = list(categories)
        self.labels = {d: sorted(categories[d]) for d in self.dims}
        grid = np.indices([len(self.labels[d]) for d in self.dims]).reshape(len(self.dims), -1)
        self.codes = {d: grid[i] for i, d in enumerate(self.dims)}
        self.size = grid.shape[1]

    def _code(self, dim: str, label: str) -> int:
        return self.labels[dim].index(label)

    def members(self, entry: Entry, cohorts: Sequence[str] = ()) -> list[frozenset[int]]:
        """Each cell's atoms; ``cohorts`` picks which membership the release saw."""
        pop = entry.population
        base = np.isin(self.codes[SCHOOL], [self._code(SCHOOL, s) for s in pop.schools])
        base &= np.isin(self.codes[TERM], [self._code(TERM, t) for t in pop.terms])
        if COHORT in self.codes and cohorts:
            base &= np.isin(self.codes[COHORT], [self._code(COHORT, c) for c in cohorts])
        result = []
        for cell in entry.cells:
            mask = base.copy()
            for breakdown, label in zip(entry.breakdowns, (cell.row, cell.column), strict=False):
                if label != TOTAL:
                    mask &= self.codes[breakdown] == self._code(breakdown, label)
            result.append(frozenset(np.flatnonzero(mask).tolist()))
        return result


@dataclass(frozen=True)
class LedgerAudit:
    """The new table after the joint audit. ``audit`` holds, for every sensitive cell of
    the group, an interval the reader cannot narrow it below (solved when last checked;
    suppressing more since has only widened it)."""

    protected: ProtectedTable
    audit: Mapping[Hashable, Interval]  # keys: (release ref, row, column)
    compared_with: tuple[Hashable, ...]
    passed: bool


NEW = "new"


def audit_release(
    table: Table,
    population: Population,
    earlier: Sequence[Entry],
    policy: Policy | None = None,
) -> LedgerAudit:
    """Protect ``table`` on its own, then against every overlapping earlier release."""
    policy = policy or Policy()
    protected = protect(table, policy)
    new_entry = entry_of(NEW, population, protected)
    group = related(new_entry, earlier)
    if not group:
        return LedgerAudit(protected, {}, (), protected.passed)

    rerun = _rerun(new_entry, group)
    space = AtomSpace([*group, new_entry], cohorts=rerun is not None)
    linked_old: list[LinkedCell] = []
    if rerun is not None:
        linked_old.extend(_dropouts(table, space, rerun, new_entry, policy))
    for entry in group:
        for cell, members in zip(entry.cells, space.members(entry, (GONE, STAYED)), strict=True):
            linked_old.append(
                LinkedCell(
                    (entry.ref, cell.row, cell.column),
                    members,
                    cell.value,
                    cell.suppressed,
                    cell.protection,
                    cell.upper,
                    cell.sensitive,
                )
            )
    new_members = dict(
        zip(
            [(c.row, c.column) for c in new_entry.cells],
            space.members(new_entry, (JOINED, STAYED)),
            strict=True,
        )
    )
    suppressed = dict(protected.suppressed)
    secret = {c.members for c in linked_old if c.suppressed and c.ref[0] != COHORT}  # type: ignore[index]
    for key, members in new_members.items():
        if key not in suppressed and members in secret:
            suppressed[key] = Reason.LEDGER

    cells = protected.cells
    audit: dict[Hashable, Interval] = {}
    pending: set[Hashable] | None = None
    while True:
        linked_new = linked_cells(
            table,
            {k: cells[k] for k in new_members},
            suppressed,
            policy,
            index=lambda key: new_members[key],
            ref=lambda key: (NEW, *key),
        )
        linked = linked_old + linked_new
        targets = [c for c in linked if _guarded(c) and (pending is None or c.ref in pending)]
        audit.update(intervals(linked, space.size, targets, exact=False))
        failing = [c for c in linked if _guarded(c) and not audit[c.ref].ok]
        if not failing:
            break
        failing.sort(key=lambda c: (c.ref[0] != NEW, c.value))  # type: ignore[index]
        # (a failing cell of an earlier release, or of the students who dropped out)
        # One complement per failing cell per round (suppressing more never hurts a
        # cell that passes), skipping cells a complement of this round already touches.
        added: list[CellKey] = []
        for worst in failing:
            if added and any(new_members[k] & worst.members for k in added):
                continue
            for key in _next_complement(table, cells, suppressed, new_members, worst):
                suppressed[key] = Reason.LEDGER
                added.append(key)
        if not added:
            final = _with(protected, suppressed)
            return LedgerAudit(final, audit, tuple(e.ref for e in group), passed=False)
        pending = {c.ref for c in failing} | {(NEW, *k) for k in added}
    final = _with(protected, suppressed)
    own = {(r[1], r[2]): v for r, v in audit.items() if r[0] == NEW}  # type: ignore[index]
    final = ProtectedTable(
        final.table, final.policy, final.suppressed, own, passed=True, cells=final.cells
    )
    return LedgerAudit(final, audit, tuple(e.ref for e in group), passed=True)


def _next_complement(
    table: Table,
    cells: Mapping[CellKey, Cell],
    suppressed: Mapping[CellKey, Reason],
    new_members: Mapping[CellKey, frozenset[int]],
    worst: LinkedCell,
) -> list[CellKey]:
    """The greedy rule of the module docstring, for one failing cell."""
    if worst.ref[0] == NEW:  # type: ignore[index]
        key = (worst.ref[1], worst.ref[2])  # type: ignore[index]
        return complement(table, cells, suppressed, key, worst.protection)
    if worst.ref[0] == COHORT:  # type: ignore[index]
        # The dropouts are not in the new release: overlap by category instead.
        inside = set(table.members((worst.ref[2], worst.ref[3])))  # type: ignore[index]
        touching = {k for k in new_members if inside & set(table.members(k))}
    else:
        touching = {k for k, members in new_members.items() if members & worst.members}
    row, column = worst.ref[-2], worst.ref[-1]  # type: ignore[index]
    free = [k for k in new_members if k not in suppressed]
    # Linked through a third release (one school, all schools, the other school): no
    # shared atoms, so fall back to the same category.
    overlapping = (
        [k for k in free if k in touching]
        or [k for k in free if k == (row, column)]
        or [k for k in free if k[0] == row or k[1] == column]
        or free
    )
    overlapping.sort(key=lambda k: (cells[k].value <= 0, cells[k].value))
    return overlapping[:1]


def _guarded(cell: LinkedCell) -> bool:
    """Across releases, the cells that need protection are the sensitive ones. A
    complement protects others; it may be derivable from earlier releases (a school's
    total, from all schools' less the other schools') without harm, and its own table's
    audit already keeps it from being published by another route there."""
    return cell.suppressed and cell.sensitive


def _rerun(new: Entry, group: Sequence[Entry]) -> Entry | None:
    """The latest earlier release of exactly the same population and breakdowns whose
    figures differ: students dropped out (an objection, P20; an erasure) or joined since.
    Differencing the two would show which categories they were in."""
    for entry in reversed(group):
        if (
            entry.population == new.population
            and entry.breakdowns == new.breakdowns
            and {(c.row, c.column): c.value for c in entry.cells}
            != {(c.row, c.column): c.value for c in new.cells}
        ):
            return entry
    return None


def _dropouts(
    table: Table, space: AtomSpace, previous: Entry, new: Entry, policy: Policy
) -> list[LinkedCell]:
    """Virtual, never-published cells: how many students of each category dropped out
    (``gone``) between ``previous`` and the new release. Each is protected like
    a count (P10): a reader must not learn that the student who objected was, say, a
    year 9 girl. The number who dropped out in all (the grand total) is not protected:
    it says nothing about any one of them. The split is the net change per interior
    cell, so a student leaving and another joining the same cell cancel out (the
    attacker cannot see them either)."""
    before = {(c.row, c.column): c.value for c in previous.cells}
    after = {(c.row, c.column): c.value for c in new.cells}
    cells: list[LinkedCell] = []
    for cohort, sign in ((GONE, 1.0), (JOINED, -1.0)):
        change = {k: max(0.0, sign * (before[k] - after[k])) for k in table.interior}
        total = sum(change.values())
        keys = [(c.row, c.column) for c in new.cells]
        virtual = Entry(COHORT, new.population, new.measure, new.kind, new.breakdowns, new.cells)
        for key, members in zip(keys, space.members(virtual, (cohort,)), strict=True):
            value = sum(change[k] for k in table.members(key))
            sensitive = (
                table.kind is CellKind.COUNT
                and 0 < value <= policy.count_threshold
                and key != (TOTAL, TOTAL)
            )
            if cohort == JOINED:
                # Assume the reader knows exactly who joined (say, nobody joins a past
                # year): the strongest attacker, so the dropouts' protection holds anyway.
                if key in table.interior:
                    cells.append(LinkedCell((COHORT, cohort, *key), members, value, False))
                continue
            protection = min(policy.count_protection, total) if sensitive else 0.0
            cells.append(
                LinkedCell((COHORT, cohort, *key), members, value, True, protection, sensitive=True)
            )
    return cells


def _with(protected: ProtectedTable, suppressed: Mapping[CellKey, Reason]) -> ProtectedTable:
    return ProtectedTable(
        protected.table,
        protected.policy,
        dict(suppressed),
        protected.audit,
        passed=protected.passed,
        cells=protected.cells,
    )
