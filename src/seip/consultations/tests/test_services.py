import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.consultations.models import Concern, Consultation, Forum, YearGroup
from seip.consultations.services import consultation_record


def record(school, actor, **overrides):
    values = {
        "school": school,
        "forum": Forum.SURGERY,
        "held_on": timezone.localdate(),
        "year_group": YearGroup.YEAR_8,
        "concern": Concern.WELLBEING,
        "advice": "Refer to the school nurse drop-in; consider a referral if no better.",
        "staff": [],
        "actor": actor,
    }
    return consultation_record(**(values | overrides))


@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "school_contact"])
def test_staff_and_the_schools_contact_record_it_with_an_audit_event(county, personas, persona):
    actor = personas[persona]
    consultation = record(county.school_a, actor, staff=[personas["key_worker"]])
    assert consultation.partnership == county.a
    assert consultation.recorded_by == actor
    assert list(consultation.staff.all()) == [personas["key_worker"]]
    event = AuditEvent.objects.get(action="consultation.record")
    assert event.actor == actor
    assert event.object_type == "consultations.consultation"
    assert event.object_id == str(consultation.pk)
    assert event.detail == {}


def test_partnership_staff_record_for_any_school_of_their_partnership(county, personas):
    other = county.a.schools.exclude(pk=county.school_a.pk).get()
    assert record(other, personas["coordinator"]).partnership == county.a


@pytest.mark.parametrize(
    "persona",
    ["school_b", "provider", "agency", "la_officer", "parent", "student", "admin", "nobody"],
)
def test_anyone_else_is_refused_and_nothing_is_written(county, personas, persona):
    with pytest.raises(PermissionDenied):
        record(county.school_a, personas[persona])
    assert not Consultation.objects.exists()
    assert not AuditEvent.objects.filter(action="consultation.record").exists()


def test_partnership_staff_cannot_record_for_another_partnerships_school(county, personas):
    with pytest.raises(PermissionDenied):
        record(county.school_b, personas["coordinator"])


def test_a_school_contact_cannot_record_for_another_school_in_the_partnership(county, personas):
    other = county.a.schools.exclude(pk=county.school_a.pk).get()
    with pytest.raises(PermissionDenied):
        record(other, personas["school_contact"])


@pytest.mark.promise("P25")
@pytest.mark.parametrize(
    ("advice", "kind"),
    [
        ("Discussed A123456789012 and agreed a plan.", "a unique pupil number (UPN)"),
        ("Born 12/03/2011; agreed a plan.", "a date of birth"),
        ("Agreed a plan for Jordan Smith with mum.", "a child's name"),
    ],
)
def test_advice_with_an_identifier_is_refused_and_nothing_is_written(
    county, personas, advice, kind
):
    with pytest.raises(ValidationError) as error:
        record(county.school_a, personas["coordinator"], advice=advice)
    (message,) = error.value.message_dict["advice"]
    assert f"looks like it contains {kind} (at character" in message
    assert "nothing that identifies a child can be recorded" in message
    assert not Consultation.objects.exists()
    assert not AuditEvent.objects.filter(action="consultation.record").exists()


def test_a_future_date_is_refused(county, personas):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        record(county.school_a, personas["coordinator"], held_on=tomorrow)
    assert "held_on" in error.value.message_dict
    assert not Consultation.objects.exists()


def test_staff_from_another_partnership_are_refused(county, personas):
    from seip.accounts.models import Membership, Role
    from seip.accounts.tests.factories import UserFactory

    outsider = UserFactory()
    Membership.objects.create(user=outsider, role=Role.KEY_WORKER, partnership=county.b)
    with pytest.raises(ValidationError) as error:
        record(county.school_a, personas["coordinator"], staff=[outsider])
    assert "staff" in error.value.message_dict
    assert not Consultation.objects.exists()


def test_every_problem_is_reported_at_once(county, personas):
    with pytest.raises(ValidationError) as error:
        record(
            county.school_a,
            personas["coordinator"],
            held_on=timezone.localdate() + dt.timedelta(days=3),
            advice="Jordan Smith",
            staff=[personas["school_contact"]],
        )
    assert {"held_on", "advice", "staff"} <= error.value.message_dict.keys()
