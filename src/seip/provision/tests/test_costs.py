from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seip.provision.costs import total_cost

D = Decimal
money = st.decimals(min_value=0, max_value=99_999, places=2)
units = st.decimals(min_value=0, max_value=9_999, places=2)
whole = st.integers(min_value=0, max_value=500).map(Decimal)


@pytest.mark.promise("P06")
@pytest.mark.parametrize(
    ("unit_cost", "quantity", "hours", "hourly", "expected"),
    [
        # 12 mentoring sessions at £32.50: 390.00
        ("32.50", "12", "0", "0", "390.00"),
        # 30 AP days at £85 plus 6 hours of co-ordinator time at £31.20: 2550 + 187.20
        ("85.00", "30", "6", "31.20", "2737.20"),
        # Half-day AP at £95.55 a day, 7.5 days: 716.625 rounds half up to 716.63
        ("95.55", "7.5", "0", "0", "716.63"),
        # In-house key work: staff time only, 1.25 h at £29.99 = 37.4875 -> 37.49
        ("0", "0", "1.25", "29.99", "37.49"),
        ("0", "0", "0", "0", "0.00"),
    ],
)
def test_hand_worked_costs(unit_cost, quantity, hours, hourly, expected):
    cost = total_cost(
        unit_cost=D(unit_cost),
        quantity=D(quantity),
        staff_hours=D(hours),
        staff_hourly_cost=D(hourly),
    )
    assert cost == D(expected)
    assert cost.as_tuple().exponent == -2  # always pounds and pence


@pytest.mark.promise("P06")
@given(money, units, units, money)
def test_never_negative_and_always_to_the_penny(unit_cost, quantity, hours, hourly):
    cost = total_cost(
        unit_cost=unit_cost, quantity=quantity, staff_hours=hours, staff_hourly_cost=hourly
    )
    assert isinstance(cost, Decimal)
    assert cost >= 0
    assert cost == cost.quantize(D("0.01"))


@pytest.mark.promise("P06")
@given(money, units, units, money)
def test_provider_charge_and_staff_time_add_up(unit_cost, quantity, hours, hourly):
    together = total_cost(
        unit_cost=unit_cost, quantity=quantity, staff_hours=hours, staff_hourly_cost=hourly
    )
    charge = total_cost(unit_cost=unit_cost, quantity=quantity)
    staff = total_cost(unit_cost=D(0), quantity=D(0), staff_hours=hours, staff_hourly_cost=hourly)
    assert together == charge + staff


@pytest.mark.promise("P06")
@given(money, whole, whole)
def test_two_blocks_of_sessions_cost_the_same_as_one(unit_cost, first, second):
    assert total_cost(unit_cost=unit_cost, quantity=first + second) == total_cost(
        unit_cost=unit_cost, quantity=first
    ) + total_cost(unit_cost=unit_cost, quantity=second)


@pytest.mark.promise("P06")
@given(money, units)
def test_more_units_never_cost_less(unit_cost, quantity):
    assert total_cost(unit_cost=unit_cost, quantity=quantity + 1) >= total_cost(
        unit_cost=unit_cost, quantity=quantity
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unit_cost": D("-1"), "quantity": D("1")},
        {"unit_cost": D("1"), "quantity": D("-1")},
        {
            "unit_cost": D("0"),
            "quantity": D("0"),
            "staff_hours": D("-2"),
            "staff_hourly_cost": D("1"),
        },
    ],
)
def test_negative_inputs_are_refused(kwargs):
    with pytest.raises(ValueError, match="cannot be negative"):
        total_cost(**kwargs)
