import pytest

from seip.audit.models import AuditEvent
from seip.provision.costs import total_cost
from seip.provision.demo import build_history
from seip.provision.models import Intervention, InterventionType, Placement, PlacementReview


def snapshot():
    return list(
        Intervention.objects.order_by("pk").values_list(
            "type", "provider_id", "start_date", "sessions_planned", "total_cost", "funding_stream"
        )
    )


@pytest.mark.promise("P06")
def test_demo_history_is_costed_and_deterministic(student):
    build_history([student], seed=7)
    first = snapshot()
    assert 1 <= len(first) <= 3
    for intervention in Intervention.objects.all():
        assert intervention.total_cost == total_cost(
            unit_cost=intervention.unit_cost,
            quantity=intervention.quantity,
            staff_hours=intervention.staff_hours,
            staff_hourly_cost=intervention.staff_hourly_cost,
        )
        assert intervention.sessions_attended <= intervention.sessions_planned
        intervention.full_clean()
    assert AuditEvent.objects.get(action="demo.provision").detail == {"students": 1}
    PlacementReview.objects.all().delete()
    Placement.objects.all().delete()
    Intervention.objects.all().delete()
    build_history([student], seed=7)
    assert [row[:1] + row[2:] for row in snapshot()] == [row[:1] + row[2:] for row in first]


def test_demo_makes_placements_with_checks_and_reviews(student):
    for seed in range(12):
        build_history([student], seed=seed)
    placements = Placement.objects.select_related("intervention")
    assert placements.exists()
    for placement in placements:
        assert placement.intervention.type == InterventionType.AP_PLACEMENT
        assert placement.intervention.provider.type == "alternative_provider"
        placement.full_clean()
    assert {i.type for i in Intervention.objects.all()} >= {"key_work", "ap_placement"}
