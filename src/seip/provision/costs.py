"""The cost of a piece of provision, in one pure function (P06).

Each line is costed to the penny as an invoice would be: the provider's charge
(unit cost * units) and the partnership's own staff time (hours * hourly cost) are each
rounded half-up to pennies, then added. Rounding each line keeps totals additive: a
report that adds the two lines, or adds interventions, gets the same pennies as the
record shows.
"""

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def _line(rate: Decimal, amount: Decimal, name: str) -> Decimal:
    if rate < 0 or amount < 0:
        raise ValueError(f"{name} cannot be negative")
    return (rate * amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def total_cost(
    *,
    unit_cost: Decimal,
    quantity: Decimal,
    staff_hours: Decimal = ZERO,
    staff_hourly_cost: Decimal = ZERO,
) -> Decimal:
    """unit_cost * quantity + staff_hours * staff_hourly_cost, in pounds to the penny.

    Money is Decimal throughout, never float. Negative inputs are refused rather than
    allowed to cancel out real spending.
    """
    return _line(unit_cost, quantity, "The provider's charge") + _line(
        staff_hourly_cost, staff_hours, "Staff time"
    )
