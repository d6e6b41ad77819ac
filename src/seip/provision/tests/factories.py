import datetime as dt
from decimal import Decimal

import factory

from seip.provision.costs import total_cost
from seip.provision.models import (
    FundingStream,
    Intervention,
    InterventionType,
    Placement,
    PlacementReview,
    SafeguardingCheck,
)
from seip.students.sources import SourceKind


class InterventionFactory(factory.django.DjangoModelFactory):
    """Pass ``student``; key work by the partnership itself unless told otherwise."""

    class Meta:
        model = Intervention

    type = InterventionType.KEY_WORK
    provider = None
    start_date = dt.date(2026, 9, 14)
    sessions_planned = 10
    sessions_attended = 4
    unit_cost = Decimal("0.00")
    quantity = Decimal("10")
    staff_hours = Decimal("10")
    staff_hourly_cost = Decimal("30.00")
    total_cost = factory.LazyAttribute(
        lambda o: total_cost(
            unit_cost=o.unit_cost,
            quantity=o.quantity,
            staff_hours=o.staff_hours,
            staff_hourly_cost=o.staff_hourly_cost,
        )
    )
    funding_stream = FundingStream.DEVOLVED
    source_kind = SourceKind.PARTNERSHIP
    obtained_on = factory.SelfAttribute("start_date")


class PlacementFactory(factory.django.DjangoModelFactory):
    """Pass ``intervention`` (an AP placement with an alternative provider)."""

    class Meta:
        model = Placement

    days_per_week = Decimal("2.0")
    site = "Farm site"
    checks = factory.LazyFunction(lambda: list(SafeguardingCheck.values))


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlacementReview

    reviewed_on = dt.date(2026, 11, 10)
    attendance_percent = Decimal("85.0")
    summary = "Settled well."
    next_steps = "Keep going."
    source_kind = SourceKind.PARTNERSHIP
    obtained_on = factory.SelfAttribute("reviewed_on")
