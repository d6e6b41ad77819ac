"""Differencing attacks on linked releases (P10): each must fail against the ledger, and
each succeeds against tables protected one at a time (so the attacks are real)."""

import random

import pytest

from seip.disclosure.control import ProtectedTable, protect
from seip.disclosure.tables import TOTAL
from seip.reports.ledger import Entry, Population, audit_release, entry_of
from seip.reports.tests.attacker import Attacker, pinned
from seip.reports.tests.builders import count_table, people

P10 = pytest.mark.promise("P10")
REASONS = ("reason", ("a", "b", "c", "d"))


def population(terms, schools=("1", "2")):
    return Population(frozenset(schools), "2025-26", frozenset(terms))


class Ledger:
    """Releases in order, each audited against all before it."""

    def __init__(self, *, with_ledger: bool = True) -> None:
        self.entries: list[Entry] = []
        self.tables: dict[str, ProtectedTable] = {}
        self.with_ledger = with_ledger

    def release(self, tag, table, pop) -> ProtectedTable:
        if self.with_ledger:
            result = audit_release(table, pop, self.entries)
            assert result.passed
            protected = result.protected
        else:
            protected = protect(table)
        self.entries.append(entry_of(tag, pop, protected))
        self.tables[tag] = protected
        return protected

    def attacker(self) -> Attacker:
        attacker = Attacker()
        for tag, protected in self.tables.items():
            attacker.reads(tag, protected)
        return attacker

    def pinned(self, attacker) -> list[str]:
        return [
            p for tag, t in self.tables.items() for p in pinned(attacker, tag, t, complements=False)
        ]


def keys(table):
    return list(table.keys())


def terms_scenario(ledger: Ledger):
    autumn = people({"a": 2, "b": 20, "c": 15, "d": 30}, term="autumn")
    spring = people({"a": 10, "b": 20, "c": 15, "d": 30}, term="spring")
    ledger.release("autumn", count_table(autumn, REASONS), population({"autumn"}))
    ledger.release("spring", count_table(spring, REASONS), population({"spring"}))
    ytd = count_table(autumn + spring, REASONS)
    ledger.release("ytd", ytd, population({"autumn", "spring"}))
    attacker = ledger.attacker()
    for key in keys(ytd):  # this term + the other term = year to date
        attacker.equal({("autumn", *key): 1, ("spring", *key): 1, ("ytd", *key): -1})
    return ledger.pinned(attacker)


@P10
def test_subtracting_this_term_from_the_year_to_date_recovers_nothing():
    assert terms_scenario(Ledger()) == []


def test_without_the_ledger_the_term_attack_recovers_the_2():
    leaks = terms_scenario(Ledger(with_ledger=False))
    assert "autumn ('a', 'Total'): [2, 2] narrower than 4" in leaks


def schools_scenario(ledger: Ledger):
    one = people({"a": 3, "b": 12, "c": 9, "d": 14}, school="1")
    two = people({"a": 8, "b": 10, "c": 11, "d": 16}, school="2")
    all_schools = count_table(one + two, REASONS)
    ledger.release("all", all_schools, population({"autumn"}, ("1", "2")))
    ledger.release("one", count_table(one, REASONS), population({"autumn"}, ("1",)))
    ledger.release("two", count_table(two, REASONS), population({"autumn"}, ("2",)))
    attacker = ledger.attacker()
    for key in keys(all_schools):  # one school + the other = all schools
        attacker.equal({("one", *key): 1, ("two", *key): 1, ("all", *key): -1})
    return ledger.pinned(attacker)


@P10
def test_subtracting_one_school_from_all_schools_recovers_nothing():
    assert schools_scenario(Ledger()) == []


def test_without_the_ledger_the_school_attack_recovers_the_3():
    leaks = schools_scenario(Ledger(with_ledger=False))
    assert "one ('a', 'Total'): [3, 3] narrower than 4" in leaks


def school_and_all_only():
    """Only a school and all schools: the rest of the county is an unknown, >= 0."""
    ledger = Ledger()
    one = people({"a": 3, "b": 12, "c": 9, "d": 14}, school="1")
    rest = people({"a": 1, "b": 10, "c": 11, "d": 16}, school="2")
    total = count_table(one + rest, REASONS)
    ledger.release("one", count_table(one, REASONS), population({"autumn"}, ("1",)))
    ledger.release("all", total, population({"autumn"}, ("1", "2")))
    attacker = ledger.attacker()
    for key in keys(total):
        attacker.equal({("one", *key): 1, ("rest", *key): 1, ("all", *key): -1})
    return ledger.pinned(attacker)


@P10
def test_one_school_within_all_schools_with_the_rest_unknown():
    assert school_and_all_only() == []


def unpublished_school_scenario(ledger: Ledger) -> tuple[float, float]:
    """All schools, then school 1 alone, every figure large enough to show: school 2's
    "b" was never published, yet all schools' less school 1's is school 2's."""
    one = people({"a": 9, "b": 12, "c": 9, "d": 14}, school="1")
    two = people({"a": 8, "b": 2, "c": 11, "d": 16}, school="2")
    all_schools = count_table(one + two, REASONS)
    ledger.release("all", all_schools, population({"autumn"}, ("1", "2")))
    ledger.release("one", count_table(one, REASONS), population({"autumn"}, ("1",)))
    attacker = ledger.attacker()
    for key in keys(all_schools):
        attacker.equal({("one", *key): 1, ("two", *key): 1, ("all", *key): -1})
    return attacker.interval(("two", "b", TOTAL))


@P10
def test_a_school_never_published_is_not_given_away_by_all_less_the_others():
    low, high = unpublished_school_scenario(Ledger())
    assert high - low >= 4, (low, high)


def test_without_the_difference_guard_the_unpublished_2_is_recovered():
    assert unpublished_school_scenario(Ledger(with_ledger=False)) == (2, 2)


def last_school_scenario(ledger: Ledger) -> tuple[float, float]:
    """All three schools, then school 1, then school 2, every figure large enough to
    show: school 3's "b" was never published, yet all less the other two is school 3's."""
    one = people({"a": 9, "b": 12, "c": 9, "d": 14}, school="1")
    two = people({"a": 8, "b": 10, "c": 11, "d": 16}, school="2")
    three = people({"a": 7, "b": 2, "c": 10, "d": 12}, school="3")
    schools = ("1", "2", "3")
    all_schools = count_table(one + two + three, REASONS)
    ledger.release("all", all_schools, population({"autumn"}, schools))
    ledger.release("one", count_table(one, REASONS), population({"autumn"}, ("1",)))
    ledger.release("two", count_table(two, REASONS), population({"autumn"}, ("2",)))
    attacker = ledger.attacker()
    for key in keys(all_schools):
        attacker.equal({("one", *key): 1, ("two", *key): 1, ("three", *key): 1, ("all", *key): -1})
    return attacker.interval(("three", "b", TOTAL))


@P10
def test_the_last_school_never_published_is_not_given_away_by_all_less_the_others():
    low, high = last_school_scenario(Ledger())
    assert high - low >= 4, (low, high)


def test_without_the_remainder_guard_the_last_schools_2_is_recovered():
    assert last_school_scenario(Ledger(with_ledger=False)) == (2, 2)


YEARS = ("year", ("7", "8", "9"))
SEXES = ("sex", ("F", "M"))
SEN = ("sen", ("none", "support", "ehcp"))


def breakdowns_scenario(ledger: Ledger, seed: int):
    rng = random.Random(seed)  # noqa: S311 - synthetic data, seeded for repeatability
    cohort = [
        {
            "year": rng.choice(YEARS[1]),
            "sex": rng.choice(SEXES[1]),
            "sen": rng.choices(SEN[1], weights=(8, 3, 1))[0],
        }
        for _ in range(rng.randint(20, 60))
    ]
    by_sex = count_table(cohort, YEARS, SEXES)
    by_sen = count_table(cohort, YEARS, SEN)
    ledger.release("sex", by_sex, population({"autumn"}))
    ledger.release("sen", by_sen, population({"autumn"}))
    attacker = ledger.attacker()
    for year in (*YEARS[1], TOTAL):  # the shared margin: pupils per year group
        attacker.equal({("sex", year, TOTAL): 1, ("sen", year, TOTAL): -1})
    return ledger.pinned(attacker)


@P10
@pytest.mark.parametrize("seed", range(12))
def test_two_breakdowns_sharing_a_margin_recover_nothing(seed):
    assert breakdowns_scenario(Ledger(), seed) == []


def test_without_the_ledger_some_shared_margins_leak():
    leaks = [s for s in range(12) if breakdowns_scenario(Ledger(with_ledger=False), s)]
    assert leaks, "the shared-margin attack should succeed somewhere without the ledger"


@P10
def test_a_rerun_after_an_objection_hides_the_category_of_who_dropped_out():
    """The same report, re-run after one student objected (P20): differencing the two
    must not tell which reason that student was referred for."""
    before = people({"a": 12, "b": 20, "c": 15})
    after = people({"a": 11, "b": 20, "c": 15})
    reasons = ("reason", ("a", "b", "c"))
    pop = population({"autumn"})
    first = protect(count_table(before, reasons))
    result = audit_release(count_table(after, reasons), pop, [entry_of(1, pop, first)])
    assert result.passed
    second = result.protected
    assert ("a", TOTAL) in second.suppressed  # 11 next to 12 would name the category
    shown = second.published()
    gone = [
        first.published()[k] - shown[k]
        for k in second.table.interior
        if not isinstance(shown[k], str) and not isinstance(first.published()[k], str)
    ]
    assert all(g == 0 for g in gone)  # every visible category is unchanged
    assert result.audit[("cohort", "gone", "a", TOTAL)].width >= 1
