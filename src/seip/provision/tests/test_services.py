import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.organisations.models import OrganisationType
from seip.organisations.tests.factories import OrganisationFactory
from seip.provision.models import (
    FundingStream,
    Intervention,
    InterventionType,
    Placement,
    PlacementReview,
    SafeguardingCheck,
)
from seip.provision.services import (
    PlacementDetails,
    intervention_end,
    intervention_record,
    intervention_update,
    placement_review_record,
)
from seip.provision.tests.conftest import all_checks
from seip.students.sources import SourceKind

D = Decimal


def record(student, actor, **overrides):
    values = {
        "student": student,
        "type": InterventionType.KEY_WORK,
        "provider": None,
        "start_date": dt.date(2026, 9, 14),
        "sessions_planned": 12,
        "sessions_attended": 3,
        "unit_cost": D("0"),
        "quantity": D("12"),
        "staff_hours": D("12"),
        "staff_hourly_cost": D("29.50"),
        "funding_stream": FundingStream.DEVOLVED,
        "actor": actor,
    }
    values.update(overrides)
    return intervention_record(**values)


@pytest.mark.promise("P06")
def test_recording_sets_the_cost_and_audits_it(student, personas):
    intervention = record(student, personas["key_worker"])
    assert intervention.total_cost == D("354.00")
    assert intervention.provider_name == "The partnership"
    assert intervention.source_kind == SourceKind.PARTNERSHIP
    event = AuditEvent.objects.get(action="provision.record")
    assert event.object_id == str(intervention.pk)
    assert event.detail == {
        "type": "key_work",
        "funding_stream": "devolved",
        "total_cost": "354.00",
    }


@pytest.mark.promise("P06")
def test_updating_recosts_and_audits_the_fields(student, personas, county):
    intervention = record(
        student,
        personas["key_worker"],
        type=InterventionType.COUNSELLING,
        provider=county.agency,
        unit_cost=D("45.00"),
        staff_hours=D("0"),
        staff_hourly_cost=D("0"),
    )
    assert intervention.total_cost == D("540.00")
    intervention = intervention_update(
        intervention=intervention,
        quantity=D("8"),
        sessions_planned=8,
        actor=personas["coordinator"],
    )
    assert intervention.total_cost == D("360.00")
    event = AuditEvent.objects.get(action="provision.update")
    assert event.detail == {"fields": ["quantity", "sessions_planned"], "total_cost": "360.00"}


def test_only_key_work_and_mentoring_can_be_the_partnerships_own(student, personas):
    with pytest.raises(ValidationError) as error:
        record(student, personas["key_worker"], type=InterventionType.COUNSELLING)
    assert "provider" in error.value.message_dict
    assert record(student, personas["key_worker"], type=InterventionType.MENTORING).provider is None


def test_provider_must_work_with_the_partnership(student, personas, county):
    stranger = OrganisationFactory(name="Far Away Tutors", type=OrganisationType.VOLUNTARY)
    stranger.partnerships.add(county.b)
    with pytest.raises(ValidationError) as error:
        record(student, personas["key_worker"], type=InterventionType.TUTORING, provider=stranger)
    assert error.value.message_dict["provider"] == [
        "Choose a provider that works with this partnership"
    ]


def test_end_before_start_is_refused(student, personas):
    with pytest.raises(ValidationError) as error:
        record(student, personas["key_worker"], end_date=dt.date(2026, 9, 1))
    assert error.value.message_dict["end_date"] == [
        "The end date must be the same as or after the start date"
    ]
    assert not Intervention.objects.exists()


def test_more_sessions_attended_than_planned_is_refused(student, personas):
    with pytest.raises(ValidationError) as error:
        record(student, personas["key_worker"], sessions_attended=13)
    assert "sessions_attended" in error.value.message_dict


def test_negative_cost_is_refused_on_the_field(student, personas):
    with pytest.raises(ValidationError) as error:
        record(student, personas["key_worker"], staff_hourly_cost=D("-1"))
    assert "staff_hourly_cost" in error.value.message_dict
    assert not AuditEvent.objects.filter(action="provision.record").exists()


def ap(student, actor, county, *, start, checks, **overrides):
    return record(
        student,
        actor,
        type=InterventionType.AP_PLACEMENT,
        provider=county.provider,
        start_date=start,
        unit_cost=D("90.00"),
        quantity=D("20"),
        staff_hours=D("0"),
        sessions_planned=20,
        sessions_attended=0,
        placement=PlacementDetails(days_per_week=D("2.5"), site="Farm site", checks=checks),
        **overrides,
    )


@pytest.mark.promise("P02")
def test_an_ap_placement_cannot_start_before_its_checks(student, personas, county):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        ap(
            student,
            personas["key_worker"],
            county,
            start=today,
            checks=frozenset({SafeguardingCheck.DBS, SafeguardingCheck.SITE_VISIT}),
        )
    message = error.value.message_dict["checks"][0]
    assert "Emergency contacts shared" in message
    assert "Attendance reporting agreed" in message
    assert "Safeguarding lead named" in message
    assert "DBS checks" not in message
    assert not Intervention.objects.exists()
    assert not Placement.objects.exists()


@pytest.mark.promise("P02")
def test_a_planned_placement_may_wait_for_its_checks_but_not_start_without_them(
    student, personas, county
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    intervention = ap(student, personas["key_worker"], county, start=tomorrow, checks=frozenset())
    assert len(intervention.placement.missing_checks) == 5
    with pytest.raises(ValidationError, match="Complete the safeguarding checks"):
        intervention_update(
            intervention=intervention, start_date=timezone.localdate(), actor=personas["key_worker"]
        )
    intervention_update(
        intervention=intervention, checks=all_checks(), actor=personas["key_worker"]
    )
    intervention.placement.refresh_from_db()
    assert intervention.placement.checks == list(SafeguardingCheck.values)


def test_an_ap_placement_needs_an_alternative_provider_and_details(student, personas, county):
    with pytest.raises(ValidationError) as error:
        record(
            student,
            personas["key_worker"],
            type=InterventionType.AP_PLACEMENT,
            provider=county.agency,
        )
    assert "provider" in error.value.message_dict
    assert "days_per_week" in error.value.message_dict


def test_days_per_week_must_be_in_half_days_up_to_five(student, personas, county):
    for days in ("0.3", "5.5"):
        with pytest.raises(ValidationError) as error:
            record(
                student,
                personas["key_worker"],
                type=InterventionType.AP_PLACEMENT,
                provider=county.provider,
                placement=PlacementDetails(days_per_week=D(days), site="Farm", checks=all_checks()),
            )
        assert "days_per_week" in error.value.message_dict


def test_only_placements_have_placement_details(student, personas):
    with pytest.raises(ValidationError) as error:
        record(
            student,
            personas["key_worker"],
            placement=PlacementDetails(days_per_week=D("1"), site="Farm", checks=all_checks()),
        )
    assert "type" in error.value.message_dict


def test_ending(student, personas):
    intervention = record(student, personas["key_worker"])
    intervention_end(
        intervention=intervention,
        end_date=dt.date(2026, 11, 2),
        sessions_attended=10,
        actor=personas["coordinator"],
    )
    intervention.refresh_from_db()
    assert (intervention.end_date, intervention.sessions_attended) == (dt.date(2026, 11, 2), 10)
    assert AuditEvent.objects.filter(action="provision.end").count() == 1
    with pytest.raises(ValidationError, match="already ended"):
        intervention_end(
            intervention=intervention, end_date=dt.date(2026, 11, 3), actor=personas["coordinator"]
        )


def test_ending_a_placement_does_not_need_checks_again(placement, personas):
    Placement.objects.filter(pk=placement.pk).update(checks=[])
    intervention_end(
        intervention=placement.intervention,
        end_date=timezone.localdate(),
        actor=personas["coordinator"],
    )


def test_end_date_before_start_is_refused_when_ending(student, personas):
    intervention = record(student, personas["key_worker"])
    with pytest.raises(ValidationError) as error:
        intervention_end(
            intervention=intervention, end_date=dt.date(2026, 9, 1), actor=personas["key_worker"]
        )
    assert "end_date" in error.value.message_dict


@pytest.mark.parametrize("persona", ["dpo", "school_contact", "provider", "nobody"])
def test_only_case_staff_write(student, personas, persona):
    with pytest.raises(PermissionDenied):
        record(student, personas[persona])
    assert not Intervention.objects.exists()


@pytest.mark.promise("P12")
def test_recording_a_placement_review(placement, personas, county):
    review = placement_review_record(
        placement=placement,
        reviewed_on=timezone.localdate(),
        attendance_percent=D("82.5"),
        summary="Settled well",
        next_steps="Add a third day",
        source_kind=SourceKind.AGENCY,
        source_organisation=county.provider,
        actor=personas["key_worker"],
    )
    assert review.source_label == "Another agency: Bridgeway AP"
    assert AuditEvent.objects.get(action="provision.review").object_id == str(review.pk)


@pytest.mark.parametrize(
    ("days", "percent", "field"),
    [(-40, "80", "reviewed_on"), (1, "80", "reviewed_on"), (0, "100.5", "attendance_percent")],
)
def test_review_validation(placement, personas, days, percent, field):
    with pytest.raises(ValidationError) as error:
        placement_review_record(
            placement=placement,
            reviewed_on=timezone.localdate() + dt.timedelta(days=days),
            attendance_percent=D(percent),
            summary="s",
            next_steps="n",
            actor=personas["key_worker"],
        )
    assert field in error.value.message_dict
    assert not PlacementReview.objects.exists()
