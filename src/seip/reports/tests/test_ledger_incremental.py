"""The ledger's audit kept from one release to the next (ADR 0046): the index of
overlaps (``ledger._Related``) and each group's rows (``ledger._Group``) are extended only
when the ledger passed in starts with the releases they were built from, and an audit
that starts from them decides exactly as a fresh one, whatever ledger comes next."""

from __future__ import annotations

import random

import pytest

from seip.disclosure.control import Policy
from seip.reports import ledger as ledger_module
from seip.reports.ledger import Entry, audit_release, entry_of, related
from seip.reports.tests.test_report_speed import _forget, _restore, _tables


def _related_afresh(new: Entry, earlier: list[Entry]) -> list[Entry]:
    """``related`` as it was before the index was kept: every release compared."""
    alike = [e for e in earlier if ledger_module._alike(e) == ledger_module._alike(new)]
    found: list[Entry] = []
    frontier = [new]
    while frontier:
        one = frontier.pop()
        for other in alike:
            if not any(other is f for f in found) and (
                one.population.schools & other.population.schools
                and one.population.terms & other.population.terms
            ):
                found.append(other)
                frontier.append(other)
    return [e for e in earlier if any(e is f for f in found)]


def _ledgers(rng: random.Random, earlier: list[Entry]) -> list[list[Entry]]:
    """Ledgers a later audit may be given: the same one longer, a run of the most recent
    releases (``services._audit_against_consistent`` sets the older aside), one with a
    release left out, and one with two releases swapped."""
    if len(earlier) < 3:
        return [earlier]
    cut = rng.randrange(1, len(earlier))
    gone = rng.randrange(len(earlier))
    i, j = sorted(rng.sample(range(len(earlier)), 2))
    swapped = list(earlier)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    return [earlier, earlier[cut:], earlier[:gone] + earlier[gone + 1 :], swapped]


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_index_of_overlaps_finds_what_comparing_every_release_finds(seed):
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    policy = Policy()
    earlier: list[Entry] = []
    _forget()
    for table, population in _tables(rng):
        new = entry_of("new", population, audit_release(table, population, [], policy).protected)
        for ledger in _ledgers(rng, earlier):
            assert related(new, ledger) == _related_afresh(new, ledger)
        earlier.append(
            entry_of(
                len(earlier), population, audit_release(table, population, [], policy).protected
            )
        )
    _forget()


@pytest.mark.parametrize("seed", range(6))
def test_an_audit_from_a_kept_group_decides_as_a_fresh_one_whatever_the_ledger(seed):
    """Each table is audited against ledgers that extend, cut, leave out or reorder the
    releases the kept rows were built from: warm and fresh audits agree on every cell."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    policy = Policy()
    earlier: list[Entry] = []
    kept = 0
    _forget()
    for table, population in _tables(rng):
        for ledger in _ledgers(rng, earlier):
            carried = _forget()
            fresh = audit_release(table, population, ledger, policy)
            _forget()
            _restore(carried)
            groups = [
                g
                for layout in ledger_module._layouts.__dict__.get("by_key", {}).values()
                for g in layout.groups
            ]
            kept += any(
                0 < len(g.entries) <= len(ledger)
                and all(a is b for a, b in zip(g.entries, ledger, strict=False))
                for g in groups
            )
            warm = audit_release(table, population, ledger, policy)
            assert warm.passed == fresh.passed
            assert dict(warm.protected.suppressed) == dict(fresh.protected.suppressed)
            assert warm.compared_with == fresh.compared_with
        result = audit_release(table, population, earlier, policy)
        earlier.append(entry_of(len(earlier), population, result.protected))
    _forget()
    assert kept  # some warm audits did start from kept rows
