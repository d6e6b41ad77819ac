import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.behaviour import services
from seip.behaviour.models import AttainmentResult, AttitudeRating, Exclusion, Incident
from seip.behaviour.tests.factories import (
    AttitudeRatingFactory,
    ExclusionFactory,
    IncidentFactory,
    ResultFactory,
)
from seip.conftest_referrals import assign_to_key_worker


@pytest.fixture
def case(case, personas):
    """The key worker holds the case: key workers write only to their own caseload."""
    return assign_to_key_worker(case, personas)


DAY = dt.date(2026, 10, 6)


def recorders(student, actor):
    """Every record service with valid input, by its audit action, not yet called."""
    return {
        "behaviour.incident.record": lambda: services.incident_record(
            student=student, occurred_on=DAY, category="defiance", severity=2,
            description="Refused to hand over a phone.", actor=actor,
        ),
        "behaviour.exclusion.record": lambda: services.exclusion_record(
            student=student, kind="suspension", start_date=DAY, sessions=2,
            reasons=["VA", "DB"], actor=actor,
        ),
        "behaviour.attitude.record": lambda: services.attitude_record(
            student=student, rated_on=DAY, engagement=2, relationships=3,
            self_regulation=1, attitude_to_learning=2, review_id=7, actor=actor,
        ),
        "behaviour.result.record": lambda: services.result_record(
            student=student, subject="english", assessed_on=DAY,
            assessment_label="Autumn 1 2026/27", scale="working_at", grade="towards",
            target_grade="at", actor=actor,
        ),
    }  # fmt: skip


def record_each(student, actor):
    return [(action, call()) for action, call in recorders(student, actor).items()]


@pytest.mark.promise("P11")
def test_each_record_is_audited_with_no_personal_detail_and_keeps_its_source(case, personas):
    actor = personas["key_worker"]
    for action, obj in record_each(case.student, actor):
        event = AuditEvent.objects.get(action=action)
        assert event.actor == actor
        assert event.object_id == str(obj.pk)
        assert event.detail == {"student_id": case.student.pk}
        assert obj.recorded_by == actor
        assert obj.obtained_on is not None
        assert obj.source_kind
    assert AttitudeRating.objects.get().review_id == 7
    assert AttitudeRating.objects.get().source_kind == "partnership"


@pytest.mark.parametrize(
    "persona", ["dpo", "school_contact", "school_b", "provider", "parent", "nobody"]
)
def test_only_case_staff_record(case, personas, persona):
    for call in recorders(case.student, personas[persona]).values():
        with pytest.raises(PermissionDenied):
            call()
    assert not AuditEvent.objects.filter(action__startswith="behaviour.").exists()


@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "safeguarding_lead"])
def test_case_staff_record(case, personas, persona):
    assert len(record_each(case.student, personas[persona])) == 4


@pytest.mark.promise("P17")
def test_an_archived_record_refuses_new_facts(case, personas):
    student = case.student
    student.archived_at = timezone.now()
    student.save(update_fields=["archived_at"])
    for call in recorders(student, personas["coordinator"]).values():
        with pytest.raises(ValidationError, match="archived"):
            call()


def test_a_failed_audit_leaves_nothing_written(case, personas, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    for call in recorders(case.student, personas["key_worker"]).values():
        with pytest.raises(RuntimeError):
            call()
    for model in (Incident, Exclusion, AttitudeRating, AttainmentResult):
        assert not model.objects.exists()


@pytest.mark.parametrize(
    ("service", "field"),
    [
        ("incident_record", "occurred_on"),
        ("attitude_record", "rated_on"),
        ("result_record", "assessed_on"),
    ],
)
def test_future_dates_are_refused(case, personas, service, field):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    kwargs = {
        "incident_record": {
            "category": "defiance", "severity": 1, "description": "x", "occurred_on": tomorrow,
        },
        "attitude_record": {
            "engagement": 1, "relationships": 1, "self_regulation": 1,
            "attitude_to_learning": 1, "rated_on": tomorrow,
        },
        "result_record": {
            "subject": "maths", "assessment_label": "Summer 2", "scale": "gcse", "grade": "4",
            "assessed_on": tomorrow,
        },
    }[service]  # fmt: skip
    with pytest.raises(ValidationError) as error:
        getattr(services, service)(student=case.student, actor=personas["key_worker"], **kwargs)
    assert field in error.value.message_dict


def test_corrections_change_the_fact_and_audit_the_field_names(case, personas):
    actor = personas["key_worker"]
    incident = IncidentFactory(student=case.student)
    services.incident_correct(
        incident=incident, changes={"severity": 3, "description": "Threw a chair."}, actor=actor
    )
    incident.refresh_from_db()
    assert (incident.severity, incident.description) == (3, "Threw a chair.")
    event = AuditEvent.objects.get(action="behaviour.incident.correct")
    assert event.detail == {"student_id": case.student.pk, "fields": ["description", "severity"]}

    exclusion = ExclusionFactory(student=case.student)
    services.exclusion_correct(
        exclusion=exclusion, changes={"reasons": ["PP", "VA"], "sessions": 4}, actor=actor
    )
    exclusion.refresh_from_db()
    assert (exclusion.reason_codes, exclusion.sessions) == (["PP", "VA"], 4)

    rating = AttitudeRatingFactory(student=case.student)
    services.attitude_correct(rating=rating, changes={"review_id": 12}, actor=actor)
    rating.refresh_from_db()
    assert rating.review_id == 12

    result = ResultFactory(student=case.student)
    services.result_correct(result=result, changes={"grade": "6"}, actor=actor)
    result.refresh_from_db()
    assert result.grade == "6"


def test_a_correction_that_breaks_a_rule_changes_nothing(case, personas):
    exclusion = ExclusionFactory(student=case.student)
    with pytest.raises(ValidationError) as error:
        services.exclusion_correct(
            exclusion=exclusion, changes={"kind": "permanent"}, actor=personas["key_worker"]
        )
    assert "sessions" in error.value.message_dict
    exclusion.refresh_from_db()
    assert exclusion.kind == "suspension"
    assert not AuditEvent.objects.filter(action="behaviour.exclusion.correct").exists()


@pytest.mark.parametrize("field", ["student", "recorded_by", "id", "colour"])
def test_corrections_cannot_move_a_fact_or_invent_fields(case, personas, field):
    rating = AttitudeRatingFactory(student=case.student)
    with pytest.raises(ValidationError, match="cannot be corrected"):
        services.attitude_correct(
            rating=rating, changes={field: None}, actor=personas["key_worker"]
        )


def test_corrections_need_case_staff(case, personas):
    incident = IncidentFactory(student=case.student)
    with pytest.raises(PermissionDenied):
        services.incident_correct(
            incident=incident, changes={"severity": 1}, actor=personas["school_contact"]
        )
