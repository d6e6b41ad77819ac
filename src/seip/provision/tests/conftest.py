import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from seip.provision.models import FundingStream, InterventionType, SafeguardingCheck
from seip.provision.services import PlacementDetails, intervention_record


@pytest.fixture
def student(active_case):
    """A student on the key worker's caseload."""
    return active_case.student


@pytest.fixture
def last_month():
    return timezone.localdate() - dt.timedelta(days=30)


def all_checks():
    return frozenset(SafeguardingCheck.values)


@pytest.fixture
def placement(student, county, personas, last_month):
    """A running two-day-a-week AP placement at the county's alternative provider."""
    intervention = intervention_record(
        student=student,
        type=InterventionType.AP_PLACEMENT,
        provider=county.provider,
        start_date=last_month,
        sessions_planned=24,
        sessions_attended=6,
        unit_cost=Decimal("85.00"),
        quantity=Decimal("24"),
        funding_stream=FundingStream.HIGH_NEEDS,
        placement=PlacementDetails(
            days_per_week=Decimal("2"), site="Farm site", checks=all_checks()
        ),
        actor=personas["key_worker"],
    )
    return intervention.placement
