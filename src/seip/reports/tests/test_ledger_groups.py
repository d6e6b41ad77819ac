"""A county report by partnership, a grouping of schools every reader knows (P10).

A partnership's cell is the sum of its schools' cells: with the other partnerships'
schools published, the county total less those schools gives the partnership away.
The ledger must see that relation (``Population.school_groups``) and suppress enough.
"""

import pytest

from seip.disclosure.tables import TOTAL
from seip.reports.ledger import Population, audit_release
from seip.reports.tests.builders import count_table, people
from seip.reports.tests.test_ledger import REASONS, Ledger

P10 = pytest.mark.promise("P10")
PARTNERSHIPS = {"north": frozenset({"1", "2"}), "south": frozenset({"3", "4"})}
GROUPS = {"partnership": PARTNERSHIPS}
BY_PARTNERSHIP = ("partnership", ("north", "south"))


def population(schools, **extra):
    return Population(frozenset(schools), "2025-26", frozenset({"autumn"}), **extra)


def county_scenario(ledger: Ledger, *, grouped: bool):
    """Schools 3 and 4 (the south) publish their reasons in full; then the county
    publishes partnership x reason, where the north has a 2."""
    south = {
        "3": people({"a": 6, "b": 12, "c": 9, "d": 14}, school="3", partnership="south"),
        "4": people({"a": 7, "b": 10, "c": 11, "d": 16}, school="4", partnership="south"),
    }
    north = people({"a": 2, "b": 20, "c": 15, "d": 30}, school="1", partnership="north")
    for school, cohort in south.items():
        ledger.release(school, count_table(cohort, REASONS), population({school}))
    county = count_table([*north, *south["3"], *south["4"]], BY_PARTNERSHIP, REASONS)
    extra = {"school_groups": GROUPS} if grouped else {}
    ledger.release("county", county, population({"1", "2", "3", "4"}, **extra))
    attacker = ledger.attacker()
    for reason in (*REASONS[1], TOTAL):  # the south = school 3 + school 4
        attacker.equal(
            {("county", "south", reason): 1, ("3", reason, TOTAL): -1, ("4", reason, TOTAL): -1}
        )
    return ledger.pinned(attacker)


@P10
def test_the_county_less_the_other_partnerships_schools_recovers_nothing():
    assert county_scenario(Ledger(), grouped=True) == []


def test_without_the_ledger_the_partnership_attack_recovers_the_2():
    leaks = county_scenario(Ledger(with_ledger=False), grouped=False)
    assert "county ('north', 'a'): [2, 2] narrower than 4" in leaks


@P10
def test_without_the_grouping_the_remainder_guard_still_keeps_the_2():
    """A partnership as a free category is not linked to its schools, which once let the
    attack through; the county's margin less the south's schools shown is the north's,
    a remainder the ledger guards whatever the grouping (ADR 0036)."""
    assert county_scenario(Ledger(), grouped=False) == []


@P10
def test_a_one_dimensional_county_report_by_partnership():
    """The north's total is small; the south's schools are published, so the county total
    would give it away unless the total goes too (or the south's cell, which is known)."""
    ledger = Ledger()
    south = {"3": people({"a": 9}, school="3"), "4": people({"a": 8}, school="4")}
    for school, cohort in south.items():
        ledger.release(school, count_table(cohort, REASONS), population({school}))
    rows = [{"partnership": "north"}] * 3 + [{"partnership": "south"}] * 17
    county = count_table(rows, BY_PARTNERSHIP)
    protected = ledger.release(
        "county", county, population({"1", "2", "3", "4"}, school_groups=GROUPS)
    )
    assert ("north", TOTAL) in protected.suppressed
    assert (TOTAL, TOTAL) in protected.suppressed
    attacker = ledger.attacker()
    attacker.equal(
        {("county", "south", TOTAL): 1, ("3", TOTAL, TOTAL): -1, ("4", TOTAL, TOTAL): -1}
    )
    assert ledger.pinned(attacker) == []


def test_groups_must_split_the_population_s_schools():
    table = count_table([{"partnership": "north"}] * 8, BY_PARTNERSHIP)
    overlapping = {"partnership": {"north": frozenset({"1", "2"}), "south": frozenset({"2"})}}
    with pytest.raises(ValueError, match="overlap"):
        audit_release(table, population({"1", "2"}), [], school_groups=overlapping)
    with pytest.raises(ValueError, match="leave out"):
        audit_release(table, population({"1", "2", "5"}), [], school_groups=GROUPS)


def test_the_grouping_is_kept_with_the_population():
    pop = population({"1", "2", "3", "4"}, school_groups=GROUPS)
    data = pop.as_json()
    assert data["school_groups"] == {"partnership": {"north": ["1", "2"], "south": ["3", "4"]}}
    assert Population.from_json(data) == pop
    assert "school_groups" not in population({"1"}).as_json()  # old releases unchanged


@P10
@pytest.mark.django_db
def test_release_record_stores_the_grouping_and_audits_with_it(county, personas):
    """The service takes the grouping, keeps it in the release's population, and a later
    audit (from the ledger) still sums the partnership's schools."""
    from seip.accounts.models import Role
    from seip.reports.selectors import ledger_entries
    from seip.reports.services import release_record

    schools = {p: frozenset(str(s.pk) for s in p.schools.all()) for p in (county.a, county.b)}
    groups = {"partnership": {"A": schools[county.a], "B": schools[county.b]}}
    everyone = frozenset().union(*schools.values())
    by_partnership = ("partnership", ("A", "B"))
    county_table = count_table([{"partnership": "A"}] * 3 + [{"partnership": "B"}] * 30,
                               by_partnership)  # fmt: skip
    release, result = release_record(
        table=county_table, population=population(everyone), recipient_role=Role.COORDINATOR,
        school_groups=groups, actor=personas["coordinator"],
    )  # fmt: skip
    assert release.population["school_groups"]["partnership"]["A"] == sorted(schools[county.a])
    assert ("A", TOTAL) in result.protected.suppressed
    [entry] = ledger_entries("students")
    assert entry.population.school_groups == groups
    # Partnership B's one school now publishes its 30: that is B's county cell, so the
    # county total less it would give A's 3 away; the school's figures must go.
    (school_b,) = schools[county.b]
    later = audit_release(
        count_table([{"reason": "a"}] * 30, REASONS), population({school_b}), [entry]
    )
    assert later.passed
    assert {("a", TOTAL), (TOTAL, TOTAL)} <= set(later.protected.suppressed)
    assert later.audit[(entry.ref, "A", TOTAL)].ok
