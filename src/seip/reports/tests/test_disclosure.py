"""The disclosure-control engine on hand-worked tables, and an independent attacker (P10)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seip.disclosure.control import Policy, Reason, is_sensitive, protect
from seip.disclosure.tables import TOTAL, Cell, CellKind, Symbol, Table
from seip.reports.tests.attacker import Attacker, pinned

P10 = pytest.mark.promise("P10")
REASON = ("reason",)
GRID = ("year", "sex")


def attack(protected):
    attacker = Attacker()
    attacker.reads("t", protected)
    return pinned(attacker, "t", protected)


@P10
def test_a_3x3_with_one_2_gets_the_cheapest_rectangle():
    # Hand-worked: protecting (a, x) = 2 needs a rectangle (a,l), (k,x), (k,l). Its
    # freedom is min(2, x_kl) + min(x_al, x_kx); every rectangle here gives at least 5,
    # so the cheapest wins: (a,y)=10 + (c,x)=11 + (c,y)=7 = 28, against 29 for
    # (a,z), (b,x), (b,z) and 33 for (a,y), (b,x), (b,y).
    table = Table.of_counts(
        "referrals",
        {"a": {"x": 2, "y": 10, "z": 12}, "b": {"x": 8, "y": 15, "z": 9},
         "c": {"x": 11, "y": 7, "z": 20}},
        breakdowns=GRID,
    )  # fmt: skip
    protected = protect(table)
    assert protected.suppressed == {
        ("a", "x"): Reason.PRIMARY,
        ("a", "y"): Reason.SECONDARY,
        ("c", "x"): Reason.SECONDARY,
        ("c", "y"): Reason.SECONDARY,
    }
    # The (a, x) cell can move from 1 (a c is never 0; the diagonal (c, y) = 7 allows
    # -1) to 2 + 9 (its partner (a, y) is a c too, so at least 1).
    assert (protected.audit[("a", "x")].low, protected.audit[("a", "x")].high) == (1, 11)
    assert protected.passed
    assert attack(protected) == []


@P10
def test_without_secondary_suppression_the_attacker_recovers_the_cell():
    """The attacker is real: given only primary suppression it solves the 2 exactly."""
    table = Table.of_counts(
        "referrals", {"a": {"x": 2, "y": 10}, "b": {"x": 8, "y": 15}}, breakdowns=GRID
    )
    protected = protect(table)
    naive = type(protected)(
        table, protected.policy, {("a", "x"): Reason.PRIMARY}, {}, cells=protected.cells
    )
    assert attack(naive) == ["t ('a', 'x'): [2, 2] narrower than 4"]
    assert attack(protected) == []


@P10
def test_counts_of_one_to_five_are_suppressed_and_zero_is_shown():
    table = Table.of_counts("n", {"a": 0, "b": 1, "c": 5, "d": 6, "e": 40}, breakdowns=REASON)
    protected = protect(table)
    shown = protected.published()
    assert shown[("a", TOTAL)] == 0
    assert shown[("b", TOTAL)] is Symbol.SUPPRESSED
    assert shown[("c", TOTAL)] is Symbol.SUPPRESSED
    assert protected.suppressed[("b", TOTAL)] is Reason.PRIMARY
    assert attack(protected) == []


@P10
def test_a_small_margin_is_suppressed_and_protected_too():
    table = Table.of_counts(
        "n", {"a": {"x": 2, "y": 2}, "b": {"x": 10, "y": 12}, "c": {"x": 9, "y": 14}},
        breakdowns=GRID,
    )  # fmt: skip
    protected = protect(table)
    assert protected.suppressed[("a", TOTAL)] is Reason.PRIMARY
    assert attack(protected) == []


@P10
def test_policy_thresholds_are_configurable():
    table = Table.of_counts("n", {"a": 7, "b": 30, "c": 40}, breakdowns=REASON)
    assert protect(table).suppressed == {}
    stricter = protect(table, Policy(count_threshold=9))
    assert stricter.suppressed[("a", TOTAL)] is Reason.PRIMARY
    assert attack(stricter) == []


@pytest.mark.parametrize(
    ("contributions", "sensitive"),
    [
        # T - x1 - x2 = 1000 - 900 - 80 = 20 < 10% of 900 = 90: the second provider
        # knows the first's share to within 20 of 900.
        ({"A": 900, "B": 80, "C": 20}, True),
        # 200 >= 10% of 500 = 50: safe.
        ({"A": 500, "B": 300, "C": 200}, False),
        # Two providers: each knows the other's exactly (0 < 60).
        ({"A": 600, "B": 400}, True),
        # One provider: the total is its own figure.
        ({"A": 250}, True),
        # 95 >= 10% of 400 = 40 after 400 and 300 are taken off.
        ({"A": 400, "B": 300, "C": 50, "D": 45}, False),
    ],
)
@P10
def test_the_p_percent_rule_on_hand_worked_provider_totals(contributions, sensitive):
    cell = Cell(float(sum(contributions.values())), contributions=contributions)
    assert is_sensitive(cell, CellKind.MONEY, Policy()) is sensitive


@P10
def test_money_totals_are_protected_by_the_p_percent_margin():
    spend = {
        ("mentoring", TOTAL): Cell(1000.0, contributions={"A": 900, "B": 80, "C": 20}),
        ("tuition", TOTAL): Cell(1000.0, contributions={"A": 500, "B": 300, "C": 200}),
        ("sport", TOTAL): Cell(800.0, contributions={"D": 400, "E": 250, "F": 150}),
    }
    table = Table("spend", CellKind.MONEY, ("type",), tuple(r for r, _ in spend), (), spend)
    protected = protect(table)
    assert protected.suppressed[("mentoring", TOTAL)] is Reason.PRIMARY
    assert protected.audit[("mentoring", TOTAL)].required == pytest.approx(90.0)
    assert attack(protected) == []


@P10
def test_rates_with_a_denominator_under_ten_are_suppressed():
    rows = {"a": (3, 8), "b": (12, 20), "c": (9, 15), "d": (0, 0)}
    interior = {
        (r, TOTAL): Cell(float(n), denominator=d, symbol=Symbol.NOT_APPLICABLE if not d else None)
        for r, (n, d) in rows.items()
    }
    table = Table("attendance", CellKind.RATE, ("year",), tuple(rows), (), interior)
    protected = protect(table)
    shown = protected.published()
    assert shown[("a", TOTAL)] is Symbol.SUPPRESSED
    assert shown[("b", TOTAL)] == pytest.approx(0.6) or ("b", TOTAL) in protected.suppressed
    assert shown[("d", TOTAL)] is Symbol.NOT_APPLICABLE
    # The numerator may move by at least 20% of its denominator of 8.
    assert protected.audit[("a", TOTAL)].width >= 1.6
    assert attack(protected) == []


def test_symbols_for_not_available_and_low():
    interior = {
        ("a", TOTAL): Cell(1.0, denominator=400),  # 0.25%, shown to 1 place of a proportion
        ("b", TOTAL): Cell(50.0, denominator=100),
        ("c", TOTAL): Cell(0.0, denominator=10, symbol=Symbol.NOT_AVAILABLE),
    }
    table = Table("rate", CellKind.RATE, ("year",), ("a", "b", "c"), (), interior)
    shown = protect(table).published()
    assert shown[("a", TOTAL)] is Symbol.LOW
    assert shown[("c", TOTAL)] is Symbol.NOT_AVAILABLE


small = st.integers(min_value=0, max_value=6) | st.integers(min_value=0, max_value=40)


@st.composite
def tables(draw):
    n_rows = draw(st.integers(min_value=1, max_value=4))
    n_cols = draw(st.integers(min_value=0, max_value=4))
    rows = [f"r{i}" for i in range(n_rows)]
    if n_cols == 0:
        return Table.of_counts("n", {r: draw(small) for r in rows}, breakdowns=REASON)
    cols = [f"c{j}" for j in range(n_cols)]
    return Table.of_counts("n", {r: {c: draw(small) for c in cols} for r in rows}, breakdowns=GRID)


@P10
@settings(max_examples=60, deadline=None)
@given(tables())
def test_no_random_table_lets_the_attacker_pin_a_protected_cell(table):
    protected = protect(table)
    assert protected.passed
    assert attack(protected) == []
    assert set(protected.suppressed) >= {
        k for k, c in protected.cells.items() if is_sensitive(c, table.kind, protected.policy)
    }
