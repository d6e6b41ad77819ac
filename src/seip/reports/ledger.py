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
and a one-school table share that school's cells. ``lp.Audit`` then minimises and
maximises each suppressed cell over all published cells of the group at once.

A breakdown whose categories are groups of schools (a county report by partnership,
``Population.school_groups``) is not a dimension of the atoms: its cell is the sum over
the atoms of the group's schools. Every reader knows which school is in which
partnership, so a partnership can never be treated as a free category (the county less
the other partnerships' published schools would give it away).

Blocks instead of the full cross product. The atoms above, for every breakdown of the
group at once, grow as the product of their category counts (a county report by year
group, sex, SEN, disadvantage, ethnicity and tier: 1,260 per school and term). Yet a
cell only ever sums atoms over the breakdowns of its own table. So ``AtomSpace`` keeps
one *block* of atoms per clique — a maximal set of breakdowns used together by some
release — always with school and term (and cohort), and adds equalities (``links``)
making two blocks agree on their shared margin: school x term x the breakdowns both
hold. The links follow a junction tree of the cliques (a maximum spanning tree by
shared breakdowns, checked for the running-intersection property).

Why this loses nothing: every cell is a linear function of one block, so both
formulations give the same intervals exactly when they allow the same block tables.
Any full table gives consistent blocks (its marginals). Conversely, if the cliques are
decomposable (acyclic, i.e. have a junction tree), non-negative block tables that agree
on the separators of the tree extend to one non-negative full table with those block
marginals: build it along the tree, ``y = prod(blocks) / prod(separators)`` (zero where a
separator is zero), the product form of a decomposable model; each factor adds the
next clique's breakdowns conditionally on the separator, which leaves the earlier
marginals untouched. Over the reals (the LP is real-valued) this holds for any
counts. For cliques that are *not* decomposable (year x sex, sex x reason, reason x
year) pairwise-consistent margins need not come from any table, so the blocks would be
weaker than the truth and an attack could succeed that the audit misses: such a
component of breakdowns (linked by releases) is merged into a single block, its full
cross product (the GYO reduction decides, ``_acyclic``). Components share only school
and term, so the whole is decomposable. ``tests/test_ledger_decomposition.py`` checks
on random small groups that both formulations give every suppressed cell the same
interval.

Greedy rule for the new release, while a cell fails:
- a failing cell of the new table: the table engine's rule (``disclosure.complement``);
- a failing cell of an earlier release: the smallest positive unsuppressed cell of the
  new table that counts some of the same students (``Counts.touches``); failing that
  (linked only through a third release), the new cell of the same category, then one
  in the same row or column (``ledger``).
A cell of the new table that counts exactly what an earlier suppressed cell counts
(``Counts``: the same schools, terms and categories) is suppressed from the start ("a
cell that needs protection in one table needs it in every table"). Suppression only
removes constraints, so the loop ends.
"""

from __future__ import annotations

import itertools
import operator
import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse import csr_array  # type: ignore[import-untyped]

from seip.disclosure.control import (
    Policy,
    ProtectedTable,
    Reason,
    complement,
    hideable,
    linked_cells,
    protect,
)
from seip.disclosure.lp import Audit, Interval, Link, LinkedCell, _columns
from seip.disclosure.lp import _matrix as lp_matrix
from seip.disclosure.tables import TOTAL, Cell, CellKey, CellKind, Symbol, Table

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
    date) and any filters (for example ``{"sen": "ehcp"}``).

    ``school_groups`` names the breakdowns whose categories are groups of schools
    (``{"partnership": {"North": frozenset({"1", "2"}), ...}}``): a cell of such a
    breakdown is the sum of its schools, which every reader knows, so the audit maps it
    onto the school dimension instead of treating it as a free category."""

    schools: frozenset[str]
    year: str
    terms: frozenset[str]
    filters: Mapping[str, str] = field(default_factory=dict)
    school_groups: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schools": sorted(self.schools),
            "year": self.year,
            "terms": sorted(self.terms),
            "filters": dict(sorted(self.filters.items())),
        }
        if self.school_groups:  # absent otherwise: earlier releases' JSON is unchanged
            data["school_groups"] = {
                breakdown: {label: sorted(schools) for label, schools in sorted(groups.items())}
                for breakdown, groups in sorted(self.school_groups.items())
            }
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Population:
        return cls(
            schools=frozenset(str(s) for s in data["schools"]),
            year=str(data["year"]),
            terms=frozenset(data["terms"]),
            filters=dict(data.get("filters", {})),
            school_groups={
                str(breakdown): {
                    str(label): frozenset(str(s) for s in schools)
                    for label, schools in groups.items()
                }
                for breakdown, groups in data.get("school_groups", {}).items()
            },
        )

    def check_groups(self) -> None:
        """Each grouping must split the population's schools: disjoint groups that cover
        them, or the published total would not be the sum of its rows."""
        for breakdown, groups in self.school_groups.items():
            seen: set[str] = set()
            for schools in groups.values():
                if seen & schools:
                    raise ValueError(f"the groups of {breakdown!r} overlap")
                seen |= schools
            if not self.schools <= seen:
                raise ValueError(f"the groups of {breakdown!r} leave out some schools")


@dataclass(frozen=True)
class StoredCell:
    row: str
    column: str
    value: float
    suppressed: bool
    protection: float
    upper: float
    sensitive: bool = False
    #: The reader's lower bound when suppressed (``disclosure.lower_bound``).
    lower: float = 0.0


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
            StoredCell(
                key[0], key[1], c.value, c.suppressed, c.protection, c.upper, c.sensitive, c.lower
            )
            for key, c in zip(_present(protected), linked, strict=True)
        ),
    )


def _present(protected: ProtectedTable) -> list[CellKey]:
    return [k for k, c in protected.cells.items() if c.symbol is not Symbol.NOT_AVAILABLE]


def related(new: Entry, earlier: Sequence[Entry]) -> list[Entry]:
    """Earlier releases linked to ``new`` by a chain of overlaps: a release that does not
    overlap the new one can still narrow an earlier one that does. In ledger order.

    Two populations overlap when they share a (school, term) pair, so the chains are
    found through an index of the pairs: linear in the pairs, where comparing every
    release with every other grew with the square of a year's releases. The index is
    kept for the thread's next call on the same ledger with more releases (``_Related``),
    and the chains are followed between distinct populations (every table of a report
    has the same one), so a call costs the populations of the year, not its releases."""
    return [earlier[i] for i in _Related.of(earlier).find(new)]


#: ``_Related`` indexes kept per thread: one per ledger (measure) in use.
_RELATED = 8
_related = threading.local()

_Alike = tuple[str, CellKind, str, tuple[tuple[str, str], ...]]
_Place = tuple[frozenset[str], frozenset[str]]


def _alike(entry: Entry) -> _Alike:
    """What two entries must share to overlap, besides a (school, term) pair."""
    population = entry.population
    return (entry.measure, entry.kind, population.year, tuple(sorted(population.filters.items())))


class _Related:
    """An index of a ledger's releases for ``related``: per kind of release (``_alike``),
    each distinct population's releases and the populations holding each (school, term)
    pair. Extended when the ledger passed in starts with the releases already indexed
    (the same objects: entries are immutable), rebuilt otherwise."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.places: dict[_Alike, dict[_Place, list[int]]] = {}
        self.holding: dict[_Alike, dict[tuple[str, str], list[_Place]]] = {}

    @classmethod
    def of(cls, earlier: Sequence[Entry]) -> _Related:
        known: list[_Related] = getattr(_related, "indexes", [])
        for index in known:
            n = len(index.entries)
            if (
                n
                and len(earlier) >= n
                and earlier[0] is index.entries[0]
                and all(map(operator.is_, itertools.islice(earlier, n), index.entries))
            ):
                known.remove(index)
                break
        else:
            index = cls()
        index.extend(earlier)
        known.append(index)  # the most recent last
        del known[:-_RELATED]
        _related.indexes = known
        return index

    def extend(self, earlier: Sequence[Entry]) -> None:
        for i in range(len(self.entries), len(earlier)):
            entry = earlier[i]
            self.entries.append(entry)
            alike = _alike(entry)
            places = self.places.setdefault(alike, {})
            place = (entry.population.schools, entry.population.terms)
            if place not in places:
                places[place] = []
                holding = self.holding.setdefault(alike, {})
                for pair in itertools.product(*place):
                    holding.setdefault(pair, []).append(place)
            places[place].append(i)

    def find(self, new: Entry) -> list[int]:
        alike = _alike(new)
        places = self.places.get(alike, {})
        holding = self.holding.get(alike, {})
        found: set[_Place] = set()
        seen: set[tuple[str, str]] = set()
        frontier = [(new.population.schools, new.population.terms)]
        while frontier:
            place = frontier.pop()
            for pair in itertools.product(*place):
                if pair in seen:
                    continue
                seen.add(pair)
                for other in holding.get(pair, ()):
                    if other not in found:
                        found.add(other)
                        frontier.append(other)
        return sorted(i for place in found for i in places[place])


class Counts(NamedTuple):
    """What a cell counts, whatever block its atoms are in: which schools, terms and
    cohorts, and which category of each breakdown (a margin names none)."""

    schools: frozenset[str]
    terms: frozenset[str]
    cohorts: tuple[str, ...]
    categories: frozenset[tuple[str, str]]

    def touches(self, other: Counts) -> bool:
        """Whether the two count some of the same students (share an atom of the full
        cross product): common schools, terms and cohorts, no breakdown at odds."""
        if not (self.schools & other.schools and self.terms & other.terms):
            return False
        if self.cohorts and other.cohorts and not set(self.cohorts) & set(other.cohorts):
            return False
        labels = dict(self.categories)
        return all(labels.get(b, label) == label for b, label in other.categories)


class AtomSpace:
    """The atoms of a group of releases: blocks over cliques of breakdowns, made to agree
    on their shared margins by ``links`` (see the module docstring for why this loses
    nothing). ``decompose=False`` builds the full cross product (one block), as a
    reference for the tests."""

    def __init__(
        self, entries: Sequence[Entry], *, cohorts: bool = False, decompose: bool = True
    ) -> None:
        base: dict[str, set[str]] = {SCHOOL: set(), TERM: set()}
        if cohorts:
            base[COHORT] = {GONE, JOINED, STAYED}
        categories: dict[str, set[str]] = {}
        uses: list[frozenset[str]] = []
        for entry in entries:
            groups = entry.population.school_groups
            base[SCHOOL] |= entry.population.schools
            base[TERM] |= entry.population.terms
            free = set()
            for breakdown, values in zip(entry.breakdowns, _labels(entry), strict=True):
                if breakdown in base:
                    base[breakdown] |= values
                elif breakdown in groups:
                    unknown = values - set(groups[breakdown])
                    if unknown:
                        raise ValueError(f"{breakdown!r} has no schools for {sorted(unknown)}")
                else:
                    categories.setdefault(breakdown, set()).update(values)
                    free.add(breakdown)
            uses.append(frozenset(free))
        self.base = list(base)
        self.labels = {d: sorted(v) for d, v in (base | categories).items()}
        # The layout below follows from the labels and the sets of breakdowns used alone;
        # a report's tables of one measure are audited against the same earlier releases,
        # so it (and each earlier release's cells in it) is worked out once (``_Layout``).
        key = (
            tuple((d, tuple(v)) for d, v in self.labels.items()),
            frozenset(uses),
            decompose,
        )
        layouts: dict[Hashable, _Layout] = getattr(_layouts, "by_key", {})
        layout = layouts.pop(key, None)
        if layout is None:
            layout = self._layout(uses, decompose=decompose)
        layouts[key] = layout  # the most recent last
        while len(layouts) > _LAYOUTS:
            del layouts[next(iter(layouts))]
        _layouts.by_key = layouts
        self._cells = layout.cells
        self.layout = layout
        self.position = layout.position
        self.cliques = layout.cliques
        self.blocks = layout.blocks
        self.size = layout.size
        self.links = layout.links

    def _layout(self, uses: Sequence[frozenset[str]], *, decompose: bool) -> _Layout:
        self.position = {d: {label: i for i, label in enumerate(v)} for d, v in self.labels.items()}
        self.cliques, tree = _cliques(uses, decompose=decompose)
        self.blocks = []
        offset = 0
        for clique in self.cliques:
            dims = [*self.base, *sorted(clique)]
            shape = [len(self.labels[d]) for d in dims]
            grid = np.indices(shape).reshape(len(dims), -1)
            block = _Block(
                frozenset(clique), offset, grid.shape[1], {d: grid[i] for i, d in enumerate(dims)}
            )
            self.blocks.append(block)
            offset += block.size
        self.size = offset
        self.links = []
        for i, j in tree:
            self.links.extend(self._agree(self.blocks[i], self.blocks[j]))
        return _Layout(self.position, self.cliques, self.blocks, self.size, self.links, {})

    def _agree(self, one: _Block, other: _Block) -> list[Link]:
        """Equalities making two blocks' tables agree on their shared margin (school x term
        x the breakdowns they share)."""
        shared = [*self.base, *sorted(one.clique & other.clique)]
        shape = [len(self.labels[d]) for d in shared]
        sides = []
        for block in (one, other):
            key = np.ravel_multi_index([block.codes[d] for d in shared], shape)
            order = np.argsort(key, kind="stable")
            bounds = np.searchsorted(key[order], np.arange(int(np.prod(shape)) + 1))
            sides.append([block.offset + order[a:b] for a, b in itertools.pairwise(bounds)])
        return [(left.tolist(), right.tolist()) for left, right in zip(*sides, strict=True)]

    def _block(self, entry: Entry) -> _Block:
        groups = entry.population.school_groups
        free = {b for b in entry.breakdowns if b not in self.base and b not in groups}
        return next(b for b in self.blocks if free <= b.clique)

    def _code(self, dim: str, label: str) -> int:
        return self.position[dim][label]

    def _among(self, codes: Mapping[str, np.ndarray], dim: str, labels: Iterable[str]) -> Any:
        """Which atoms of a block have one of ``labels`` in ``dim`` (a boolean mask)."""
        wanted = np.zeros(len(self.labels[dim]), dtype=bool)
        wanted[[self.position[dim][label] for label in labels if label in self.position[dim]]] = (
            True
        )
        return wanted[codes[dim]]

    def members(self, entry: Entry, cohorts: Sequence[str] = ()) -> list[frozenset[int]]:
        """Each cell's atoms; ``cohorts`` picks which membership the release saw."""
        return [members for members, _ in self.cells(entry, cohorts)]

    def cells(
        self, entry: Entry, cohorts: Sequence[str] = ()
    ) -> list[tuple[frozenset[int], Counts]]:
        """Each cell's atoms, and what it counts (the same in every block: which schools,
        terms, cohorts and categories), so that two releases' cells can be compared."""
        # Entries are immutable; kept with the answer, so an id is never reused wrongly.
        known = self._cells.get((id(entry), tuple(cohorts)))
        if known is not None and known[0] is entry:
            return known[1]
        result = self._cells_of(entry, cohorts)
        if len(self._cells) >= _CELLS:  # a long-lived thread: keep the memory bounded
            self._cells.clear()
        self._cells[(id(entry), tuple(cohorts))] = (entry, result)
        return result

    def _cells_of(
        self, entry: Entry, cohorts: Sequence[str]
    ) -> list[tuple[frozenset[int], Counts]]:
        pop = entry.population
        block = self._block(entry)
        codes = block.codes
        base = self._among(codes, SCHOOL, pop.schools) & self._among(codes, TERM, pop.terms)
        if COHORT in codes and cohorts:
            base &= self._among(codes, COHORT, cohorts)
        result = []
        for cell in entry.cells:
            mask = base.copy()
            schools, terms = set(pop.schools), set(pop.terms)
            categories = []
            for breakdown, label in zip(entry.breakdowns, (cell.row, cell.column), strict=False):
                if label == TOTAL:
                    continue
                if breakdown in pop.school_groups:
                    # A group of schools (a partnership): the sum over its schools' atoms,
                    # never a free category (every reader knows which school is in which).
                    group = pop.school_groups[breakdown][label]
                    mask &= self._among(codes, SCHOOL, group)
                    schools &= group
                else:
                    mask &= codes[breakdown] == self._code(breakdown, label)
                    if breakdown == SCHOOL:
                        schools &= {label}
                    elif breakdown == TERM:
                        terms &= {label}
                    else:
                        categories.append((breakdown, label))
            seen_as = tuple(sorted(cohorts)) if COHORT in codes else ()
            what = Counts(frozenset(schools), frozenset(terms), seen_as, frozenset(categories))
            result.append((frozenset((block.offset + np.flatnonzero(mask)).tolist()), what))
        return result


def _labels(entry: Entry) -> tuple[frozenset[str], ...]:
    """The categories of each breakdown of an entry's cells (its margin left out), kept
    per thread: every audit's ``AtomSpace`` reads them for every release of its group."""
    known: dict[int, tuple[Entry, tuple[frozenset[str], ...]]] = getattr(_layouts, "labels", {})
    found = known.get(id(entry))
    if found is not None and found[0] is entry:
        return found[1]
    labels = tuple(
        frozenset(c.row if position == 0 else c.column for c in entry.cells) - {TOTAL}
        for position in range(len(entry.breakdowns))
    )
    if len(known) >= _CELLS:
        known.clear()
    known[id(entry)] = (entry, labels)
    _layouts.labels = known
    return labels


@dataclass(frozen=True)
class _Layout:
    """An ``AtomSpace``'s atoms and links, and each entry's cells in them, kept for the
    next audit of the thread with the same labels and breakdowns (its next table)."""

    position: Mapping[str, Mapping[str, int]]
    cliques: list[frozenset[str]]
    blocks: list[_Block]
    size: int
    links: list[Link]
    cells: dict[tuple[int, tuple[str, ...]], tuple[Entry, list[tuple[frozenset[int], Counts]]]]
    #: The audit's view of recent groups of earlier releases in these atoms (``_Group``).
    groups: list[_Group] = field(default_factory=list)


#: The thread's recent layouts (``AtomSpace``): a few, so memory stays small.
_layouts = threading.local()
_LAYOUTS = 4
#: Entries whose cells a layout keeps: a report's releases of one measure, many times over.
_CELLS = 2000


@dataclass(frozen=True)
class _Block:
    """Atoms school x term (x cohort) x the breakdowns of one clique, from ``offset``."""

    clique: frozenset[str]
    offset: int
    size: int
    codes: Mapping[str, np.ndarray]


def _acyclic(edges: Sequence[frozenset[str]]) -> bool:
    """The GYO reduction: a hypergraph is acyclic (decomposable) when repeatedly removing
    vertices found in one edge only, and edges inside another, leaves at most one."""
    current = [set(e) for e in edges]
    changed = True
    while changed and len(current) > 1:
        changed = False
        for edge in current:
            alone = {v for v in edge if sum(v in other for other in current) == 1}
            if alone:
                edge -= alone
                changed = True
        for i, edge in enumerate(current):
            if any(j != i and edge <= other for j, other in enumerate(current)):
                del current[i]
                changed = True
                break
    return len(current) <= 1


def _cliques(
    uses: Sequence[frozenset[str]], *, decompose: bool
) -> tuple[list[frozenset[str]], list[tuple[int, int]]]:
    """The blocks' breakdowns, and a junction tree over them (pairs of block indices).

    A clique is a maximal set of breakdowns used together by some release. Breakdowns
    linked by a chain of shared releases form a component; a component whose cliques
    are not decomposable is merged into one clique (the full cross product of its
    breakdowns), so every component is decomposable and so is the whole (components
    share only school and term). The tree is a maximum-weight spanning tree of the
    cliques by shared breakdowns, checked for the running-intersection property; were
    the check ever to fail, everything falls back to one block."""
    distinct = set(uses) or {frozenset()}
    maximal = [u for u in distinct if not any(u < other for other in distinct)]
    if not decompose:
        return [frozenset().union(*maximal)], []
    components: list[list[frozenset[str]]] = []
    for clique in sorted(maximal, key=sorted):
        touching = [c for c in components if any(clique & other for other in c)]
        merged = [clique]
        for component in touching:
            components.remove(component)
            merged.extend(component)
        components.append(merged)
    cliques: list[frozenset[str]] = []
    for component in components:
        if _acyclic(component):
            cliques.extend(sorted(component, key=sorted))
        else:
            cliques.append(frozenset().union(*component))
    tree = _junction_tree(cliques)
    if tree is None:
        return [frozenset().union(*cliques)], []
    return cliques, tree


def _junction_tree(cliques: Sequence[frozenset[str]]) -> list[tuple[int, int]] | None:
    pairs = sorted(
        itertools.combinations(range(len(cliques)), 2),
        key=lambda p: -len(cliques[p[0]] & cliques[p[1]]),
    )
    root = list(range(len(cliques)))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    tree = []
    for i, j in pairs:
        if find(i) != find(j):
            root[find(i)] = find(j)
            tree.append((i, j))
    # Running intersection: the cliques holding any one breakdown form a subtree
    # (connected by tree edges that also hold it).
    for breakdown in frozenset().union(*cliques):
        holding = {i for i, c in enumerate(cliques) if breakdown in c}
        edges = [(i, j) for i, j in tree if i in holding and j in holding]
        if len(edges) != len(holding) - 1:
            return None
    return tree


#: Groups kept per layout: a measure's releases of a year, a few measures at most.
_GROUPS = 4


class _Group:
    """The earlier releases of a group as the audit's LP sees them, in ledger order: a
    row (``LinkedCell``) per cell, what each counts, the counts behind its suppressed
    cells, its rows' atoms (``lp._matrix`` rows, after the links), and indexes of its
    cells by categories for ``_differences``. None of it depends on the new table, so it
    is kept in the layout (the same atoms) and extended when the next audit's group
    starts with the same releases (the same objects; entries are immutable): the work
    per audit grows with the releases added since, not with the whole group."""

    def __init__(self, space: AtomSpace) -> None:
        self.entries: list[Entry] = []
        self.linked: list[LinkedCell] = []
        #: The cells of ``linked`` that need protection (``_guarded``), in the same order:
        #: every round of every audit of the group looks for them (ADR 0056).
        self.guarded: list[LinkedCell] = []
        self.what: dict[Hashable, Counts] = {}
        self.secret: set[Counts] = set()
        self.earlier: list[tuple[Entry, StoredCell, Counts]] = []
        #: Positions in ``earlier`` by categories, and by terms and categories.
        self.by_categories: dict[frozenset[tuple[str, str]], list[int]] = {}
        self.by_place: dict[tuple[frozenset[str], frozenset[tuple[str, str]]], list[int]] = {}
        links = lp_matrix(space.links, [], space.size)
        self.links = (np.asarray(links.indptr), np.asarray(links.indices), links.data)
        self.row_lengths: list[int] = []
        self.indices = np.zeros(0, dtype=np.int32)

    @classmethod
    def of(cls, space: AtomSpace, group: Sequence[Entry]) -> _Group:
        known = space.layout.groups
        for state in known:
            n = len(state.entries)
            if (
                n <= len(group)
                and (not n or group[0] is state.entries[0])
                and all(map(operator.is_, itertools.islice(group, n), state.entries))
            ):
                known.remove(state)
                break
        else:
            state = cls(space)
        state.extend(space, group)
        known.append(state)
        del known[:-_GROUPS]
        return state

    def extend(self, space: AtomSpace, group: Sequence[Entry]) -> None:
        rows: list[np.ndarray] = []
        for entry in group[len(self.entries) :]:
            self.entries.append(entry)
            for cell, (members, counts) in zip(
                entry.cells, space.cells(entry, (GONE, STAYED)), strict=True
            ):
                ref = (entry.ref, cell.row, cell.column)
                linked = LinkedCell(
                    ref,
                    members,
                    cell.value,
                    cell.suppressed,
                    cell.protection,
                    cell.upper,
                    cell.sensitive,
                    lower=cell.lower,
                )
                self.linked.append(linked)
                if _guarded(linked):
                    self.guarded.append(linked)
                rows.append(_columns(members))
                self.what[ref] = counts
                position = len(self.earlier)
                self.earlier.append((entry, cell, counts))
                self.by_categories.setdefault(counts.categories, []).append(position)
                self.by_place.setdefault((counts.terms, counts.categories), []).append(position)
                if cell.suppressed:
                    self.secret.add(counts)
        if rows:
            self.row_lengths.extend(len(r) for r in rows)
            self.indices = np.concatenate([self.indices, *rows])

    def matrix(self, extra: Sequence[LinkedCell], n_vars: int) -> csr_array:
        """The LP's rows (``lp._matrix``): the links, this group's cells, then ``extra``."""
        more = [_columns(c.members) for c in extra]
        link_indptr, link_indices, link_data = self.links
        lengths = np.array([*self.row_lengths, *(len(r) for r in more)], dtype=np.int64)
        indptr = np.concatenate([link_indptr, link_indptr[-1] + np.cumsum(lengths)]).astype(
            np.int32
        )
        indices = np.concatenate([link_indices, self.indices, *more]).astype(np.int32)
        data = np.concatenate([link_data, np.ones(int(lengths.sum()))])
        return csr_array(
            (data, indices, indptr), shape=(len(link_indptr) - 1 + len(lengths), n_vars)
        )


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
    *,
    school_groups: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
    given: Mapping[CellKey, Reason] | None = None,
) -> LedgerAudit:
    """Protect ``table`` on its own, then against every overlapping earlier release.

    ``school_groups`` (or ``population.school_groups``) names breakdowns of ``table``
    whose categories are groups of schools, such as partnerships in a county report.
    ``given`` replaces the table's own protection with cells already hidden (the bases
    of a rate's hidden figures, ``reports.bases``)."""
    policy = policy or Policy()
    if school_groups is not None:
        population = replace(population, school_groups=dict(school_groups))
    population.check_groups()
    if given is None:
        protected = protect(table, policy)
    else:
        protected = ProtectedTable(table, policy, dict(given), {}, cells=table.cells())
    new_entry = entry_of(NEW, population, protected)
    group = related(new_entry, earlier)
    if not group:
        return LedgerAudit(protected, {}, (), protected.passed)

    rerun = _rerun(new_entry, group)
    space = AtomSpace([*group, new_entry], cohorts=rerun is not None)
    state = _Group.of(space, group)  # the group's rows, kept from the last audit
    dropouts = [] if rerun is None else _dropouts(table, space, rerun, new_entry, policy)
    secret = state.secret
    what = dict(state.what)  # what each cell counts (see ``AtomSpace.cells``)
    new_cells = space.cells(new_entry, (JOINED, STAYED))
    keys = [(c.row, c.column) for c in new_entry.cells]
    new_members = {key: members for key, (members, _) in zip(keys, new_cells, strict=True)}
    new_what = {key: counts for key, (_, counts) in zip(keys, new_cells, strict=True)}
    what.update({(NEW, *key): counts for key, counts in new_what.items()})
    virtuals: list[LinkedCell] = []
    if rerun is None:
        for virtual, counts in _differences(space, state, new_entry, new_what, policy):
            virtuals.append(virtual)
            what[virtual.ref] = counts
    linked_old = [*dropouts, *state.linked, *virtuals]
    # The earlier cells never change between rounds (suppressing acts on the new table):
    # which of them need protection is worked out once, in ``linked_old``'s order.
    guarded_old = [
        *(c for c in dropouts if _guarded(c)),
        *state.guarded,
        *(c for c in virtuals if _guarded(c)),
    ]
    suppressed = dict(protected.suppressed)
    for key, counts in new_what.items():
        if (
            key not in suppressed
            and counts in secret
            and hideable(protected.cells[key], table.kind)
        ):
            suppressed[key] = Reason.LEDGER

    cells = protected.cells
    audit: dict[Hashable, Interval] = {}
    pending: set[Hashable] | None = None
    # One LP for every round: suppressing more only relaxes rows of it.
    reader: Audit | None = None
    added: list[CellKey] = []
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
        if reader is None:
            # The dropouts' rows come first (a re-run, rare): built afresh then.
            rows = None if dropouts else state.matrix([*virtuals, *linked_new], space.size)
            reader = Audit(linked, space.size, space.links, matrix=rows)
        for key in added:
            reader.suppress((NEW, *key))
        guarded = guarded_old + [c for c in linked_new if _guarded(c)]
        targets = [c for c in guarded if pending is None or c.ref in pending]
        audit.update(reader.intervals(targets, exact=False))
        failing = [c for c in guarded if not audit[c.ref].ok]
        if not failing:
            break
        failing.sort(key=lambda c: (c.ref[0] != NEW, c.value))  # type: ignore[index]
        # (a failing cell of an earlier release, or of the students who dropped out)
        # One complement per failing cell per round (suppressing more never hurts a
        # cell that passes), skipping cells a complement of this round already touches.
        added = []
        for worst in failing:
            if worst.ref in what and any(new_what[k].touches(what[worst.ref]) for k in added):
                continue
            for key in _next_complement(table, cells, suppressed, new_what, worst, what):
                suppressed[key] = Reason.LEDGER
                added.append(key)
        if not added:
            # Every cell that may be a ``c`` is one, and an earlier release can still be
            # narrowed: by the zeros shown, or by what a ``c`` says (at least 1).
            # Withhold cells (``x``) rather than the table (ADR 0036).
            withheld = _to_withhold(table, cells, suppressed, new_what, failing, what)
            if not withheld:
                final = _with(protected, suppressed)
                return LedgerAudit(final, audit, tuple(e.ref for e in group), passed=False)
            for key in withheld:
                suppressed[key] = Reason.WITHHELD
                reader.withhold((NEW, *key))
            added = withheld
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
    new_what: Mapping[CellKey, Counts],
    worst: LinkedCell,
    what: Mapping[Hashable, Counts],
) -> list[CellKey]:
    """The greedy rule of the module docstring, for one failing cell."""
    if worst.ref[0] == NEW:  # type: ignore[index]
        key = (worst.ref[1], worst.ref[2])  # type: ignore[index]
        return complement(table, cells, suppressed, key, worst.protection)
    if worst.ref[0] == COHORT:  # type: ignore[index]
        # The dropouts are not in the new release: overlap by category instead.
        inside = set(table.members((worst.ref[2], worst.ref[3])))  # type: ignore[index]
        touching = {k for k in new_what if inside & set(table.members(k))}
    else:
        touching = {k for k, counts in new_what.items() if counts.touches(what[worst.ref])}
    row, column = worst.ref[-2], worst.ref[-1]  # type: ignore[index]
    free = [k for k in new_what if k not in suppressed and hideable(cells[k], table.kind)]
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


DIFFERENCE = "difference"


def _differences(
    space: AtomSpace,
    group: _Group,
    new: Entry,
    new_what: Mapping[CellKey, Counts],
    policy: Policy,
) -> list[tuple[LinkedCell, Counts]]:
    """Figures never published that one cell less another gives away: a partnership's
    count less one of its schools' is the other schools' (for a partnership of two, the
    other school's); the year's less a term's, the other terms'. Each such difference
    between a new cell and an earlier one (``group``: each earlier cell with what it
    counts) counting the same categories, nested in schools or in terms, is guarded
    like a suppressed count when it is small (1 to ``count_threshold``), so that the
    release which would pin it is the one protected, not a later one that can no longer
    be (ADR 0036). The reader does not know it is at least 1: it is not a ``c``."""
    if new.kind is not CellKind.COUNT:
        return []
    by_categories: dict[frozenset[tuple[str, str]], list[tuple[CellKey, Counts]]] = {}
    for key, counts in new_what.items():
        by_categories.setdefault(counts.categories, []).append((key, counts))
    new_cells = {(c.row, c.column): c for c in new.cells}
    protection = max(1.0, policy.count_protection - 1)
    result: list[tuple[LinkedCell, Counts]] = []
    guarded: set[frozenset[int]] = set()

    def guard(ref: Hashable, members: frozenset[int], value: float, what: Counts) -> None:
        # The same figure is often found both ways (a pair, and a remainder with no other
        # part shown): one row of the audit is enough.
        if members not in guarded:
            guarded.add(members)
            result.append((LinkedCell(ref, members, value, True, protection, sensitive=True), what))

    earlier = group.earlier
    # The earlier cells of the new cells' categories, in ledger order (``_Group``'s index
    # instead of a pass over every earlier cell).
    alike = sorted(
        position
        for categories in by_categories
        for position in group.by_categories.get(categories, ())
    )
    for entry, cell, theirs in (earlier[position] for position in alike):
        for key, ours in by_categories.get(theirs.categories, ()):
            if ours.terms == theirs.terms and ours.schools != theirs.schools:
                dimension, mine, other = "schools", ours.schools, theirs.schools
            elif ours.schools == theirs.schools and ours.terms != theirs.terms:
                dimension, mine, other = "terms", ours.terms, theirs.terms
            else:
                continue
            # The wider cell, with its population cut to what the narrower lacks.
            if mine > other:
                wide, shape, value = new, new_cells[key], new_cells[key].value - cell.value
            elif mine < other:
                wide, shape, value = entry, cell, cell.value - new_cells[key].value
            else:
                continue
            if not 0 < value <= policy.count_threshold:
                continue
            rest = frozenset(mine ^ other)
            cut = (
                replace(wide.population, schools=rest)
                if dimension == "schools"
                else replace(wide.population, terms=rest)
            )
            virtual = replace(wide, population=cut, cells=(shape,))
            [(members, what)] = space.cells(virtual)
            ref: Hashable = (DIFFERENCE, entry.ref, cell.row, cell.column, *key)
            guard(ref, members, value, what)
    # What is left of a wider cell once the narrower cells shown are taken away: the
    # last school of a partnership not yet released, when its other schools have been.
    shown: dict[
        tuple[frozenset[str], frozenset[tuple[str, str]]], list[tuple[frozenset[str], float]]
    ]
    shown = {}
    # Per place, the earlier cells there, once: the new cells of a table by partnership
    # all share one place (ADR 0054).
    there: dict[
        tuple[frozenset[str], frozenset[tuple[str, str]]], list[tuple[Entry, StoredCell, Counts]]
    ] = {}
    for key, ours in new_what.items():
        place = (ours.terms, ours.categories)
        if place not in shown:
            there[place] = [earlier[p] for p in group.by_place.get(place, ())]
            shown[place] = sorted(
                (
                    (theirs.schools, cell.value)
                    for _, cell, theirs in there[place]
                    if not cell.suppressed
                ),
                key=lambda p: len(p[0]),
            )
        parts = shown[place]
        wider = [(new, new_cells[key], ours, None)] + [
            (entry, cell, theirs, key)
            for entry, cell, theirs in there[place]
            if ours.schools < theirs.schools
        ]
        for wide, cell, counts, inside in wider:
            taken: set[str] = set()
            value = cell.value
            if inside is not None:  # the new cell is one of the parts
                taken |= ours.schools
                value -= new_cells[inside].value
            for schools, figure in parts:
                if schools < counts.schools and not schools & taken:
                    taken |= schools
                    value -= figure
            rest = counts.schools - taken
            if not taken or not rest or not 0 < value <= policy.count_threshold:
                continue
            virtual = replace(
                wide, population=replace(wide.population, schools=frozenset(rest)), cells=(cell,)
            )
            [(members, what)] = space.cells(virtual)
            ref = (DIFFERENCE, "rest", wide.ref, cell.row, cell.column, *key)
            guard(ref, members, value, what)
    return result


def _to_withhold(
    table: Table,
    cells: Mapping[CellKey, Cell],
    suppressed: Mapping[CellKey, Reason],
    new_what: Mapping[CellKey, Counts],
    failing: Sequence[LinkedCell],
    what: Mapping[Hashable, Counts],
) -> list[CellKey]:
    """Which cells of the new table to withhold (``x``) next, once every cell that may be
    a ``c`` is one and a failing cell is still narrowed.

    One cell per failing cell, among those of the new table counting some of the same
    students (its row and column, for a cell of the new table): a ``c`` before a figure
    shown (a zero, the only figure a ``c`` cannot hide). Linked to no cell of the new
    table (through a third release): the rest of the table. Empty when everything is
    withheld already: then the table is refused."""
    open_ = [k for k in new_what if suppressed.get(k) is not Reason.WITHHELD]
    chosen: dict[CellKey, None] = {}
    for worst in failing:
        ref = worst.ref
        if ref[0] == NEW:  # type: ignore[index]
            row, column = ref[1], ref[2]  # type: ignore[index]
            touching = [k for k in open_ if k[0] == row or k[1] == column]
        elif ref[0] == COHORT:  # type: ignore[index]
            inside = set(table.members((ref[2], ref[3])))  # type: ignore[index]
            touching = [k for k in open_ if inside & set(table.members(k))]
        else:
            touching = [k for k in open_ if new_what[k].touches(what[ref])]
        if not touching or any(k in chosen for k in touching):
            continue
        # A ``c`` first (withholding it loses the reader nothing but "at least 1"), an
        # interior one before a margin, the smallest first; then a figure shown.
        chosen[
            min(
                touching,
                key=lambda k: (k not in suppressed, TOTAL in k, cells[k].value),
            )
        ] = None
    return list(chosen) or open_


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
