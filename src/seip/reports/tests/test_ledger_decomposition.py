"""The ledger's atom blocks give exactly the intervals of the full cross product (P10).

``AtomSpace`` splits the atoms into one block per clique of breakdowns used together,
linked by their shared margins; ``decompose=False`` is the full cross product. On random
small groups of releases (with cyclic sets of breakdowns, groupings of schools and
random suppression) both must give every suppressed cell the same interval.
"""

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seip.disclosure.lp import LinkedCell, intervals
from seip.disclosure.tables import TOTAL, CellKind
from seip.reports.ledger import AtomSpace, Entry, Population, StoredCell

P10 = pytest.mark.promise("P10")
CATEGORIES = {"a": ("a1", "a2"), "b": ("b1", "b2"), "c": ("c1", "c2", "c3"), "g": ("x", "y")}
SCHOOLS = ("1", "2", "3")
TERMS = ("t1", "t2")
GROUPS = {"g": {"x": frozenset({"1", "2"}), "y": frozenset({"3"})}}
SHAPES = [("a",), ("b",), ("c",), ("school",), ("g",), ("a", "b"), ("b", "c"), ("c", "a")]
SHAPES += [("school", "a"), ("g", "c"), ("a", "c"), ("term", "b")]


def labels(breakdown):
    if breakdown == "school":
        return SCHOOLS
    if breakdown == "term":
        return TERMS
    return CATEGORIES[breakdown]


def entry(ref, people, schools, terms, breakdowns, hidden):
    chosen = [p for p in people if p["school"] in schools and p["term"] in terms]
    rows = labels(breakdowns[0])
    columns = labels(breakdowns[1]) if len(breakdowns) > 1 else (TOTAL,)
    counts = Counter((p[breakdowns[0]], p[breakdowns[1]] if len(breakdowns) > 1 else TOTAL)
                     for p in chosen)  # fmt: skip
    keys = [(r, c) for r in (*rows, TOTAL) for c in columns]
    if len(breakdowns) > 1:
        keys += [(r, TOTAL) for r in (*rows, TOTAL)]
    cells = []
    for i, (row, column) in enumerate(keys):
        value = sum(n for (r, c), n in counts.items() if row in (r, TOTAL) and column in (c, TOTAL))
        cells.append(StoredCell(row, column, float(value), hidden[i % len(hidden)], 1.0, math.inf))
    population = Population(frozenset(schools), "2025-26", frozenset(terms), school_groups=GROUPS)
    return Entry(ref, population, "n", CellKind.COUNT, breakdowns, tuple(cells))


@st.composite
def groups_of_releases(draw):
    people = [
        {
            "school": draw(st.sampled_from(SCHOOLS)),
            "term": draw(st.sampled_from(TERMS)),
            **{k: draw(st.sampled_from(v)) for k, v in CATEGORIES.items() if k != "g"},
        }
        for _ in range(draw(st.integers(0, 25)))
    ]
    for person in people:
        person["g"] = "y" if person["school"] == "3" else "x"
    entries = []
    for ref in range(draw(st.integers(1, 4))):
        schools = draw(st.sets(st.sampled_from(SCHOOLS), min_size=1))
        terms = draw(st.sets(st.sampled_from(TERMS), min_size=1))
        shape = draw(st.sampled_from(SHAPES))
        hidden = draw(st.lists(st.booleans(), min_size=1, max_size=9))
        entries.append(entry(ref, people, schools, terms, shape, hidden))
    return entries


def audit(entries, *, decompose):
    space = AtomSpace(entries, decompose=decompose)
    linked = [
        LinkedCell((e.ref, c.row, c.column), members, c.value, c.suppressed)
        for e in entries
        for c, members in zip(e.cells, space.members(e), strict=True)
    ]
    found = intervals(linked, space.size, [c for c in linked if c.suppressed], links=space.links)
    return space, {ref: (i.low, i.high) for ref, i in found.items()}


@P10
@settings(max_examples=80, deadline=None)
@given(groups_of_releases())
def test_blocks_give_the_same_intervals_as_the_full_cross_product(entries):
    blocks, decomposed = audit(entries, decompose=True)
    full, reference = audit(entries, decompose=False)
    assert decomposed.keys() == reference.keys()
    for ref, (low, high) in reference.items():
        assert decomposed[ref][0] == pytest.approx(low, abs=1e-6), ref
        assert decomposed[ref][1] == pytest.approx(high, abs=1e-6), ref
    assert blocks.size <= full.size


def shapes(*breakdowns):
    return [entry(i, [], {"1"}, {"t1"}, b, [False]) for i, b in enumerate(breakdowns)]


def test_a_chain_of_breakdowns_is_split_into_blocks():
    space = AtomSpace(shapes(("a", "b"), ("b", "c"), ("g",), ("school",)))
    assert sorted(map(sorted, space.cliques)) == [["a", "b"], ["b", "c"]]
    assert len(space.links) == 3 * 1 * 2  # school x term x b: the shared margin


def test_a_cycle_of_breakdowns_is_merged_into_one_block():
    """a x b, b x c and c x a: consistent pairs need not come from one table, so the
    three are not split (soundness first)."""
    space = AtomSpace(shapes(("a", "b"), ("b", "c"), ("c", "a")))
    assert [sorted(c) for c in space.cliques] == [["a", "b", "c"]]
    assert space.links == []


def test_unrelated_breakdowns_share_only_school_and_term():
    space = AtomSpace(shapes(("a",), ("b",), ("c",)))
    assert sorted(map(sorted, space.cliques)) == [["a"], ["b"], ["c"]]
    assert space.size == 1 * 1 * (2 + 2 + 3)  # one school, one term; not 2 x 2 x 3
