import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from seip.behaviour.models import ExclusionKind, GradeScale, Subject
from seip.behaviour.services import exclusion_record, incident_record, result_record
from seip.students.sources import SourceKind

START = dt.date(2026, 10, 6)


@pytest.fixture
def student(active_case):
    """A student on the key worker's caseload."""
    return active_case.student


def suspend(student, actor, **overrides):
    values = {
        "student": student,
        "kind": ExclusionKind.SUSPENSION,
        "start_date": START,
        "sessions": 4,
        "reasons": ["DB"],
        "actor": actor,
    }
    values.update(overrides)
    return exclusion_record(**values)


@pytest.mark.parametrize("reasons", [["PP"], ["PP", "VA"], ["PP", "VA", "DM"], ["db", " "]])
def test_one_to_three_distinct_reasons_are_accepted(student, personas, reasons):
    exclusion = suspend(student, personas["key_worker"], reasons=reasons)
    assert exclusion.reason_codes == [c.strip().upper() for c in reasons if c.strip()]


@pytest.mark.parametrize(
    ("reasons", "field", "message"),
    [
        ([], "reason_1", "Choose at least one reason"),
        (["", ""], "reason_1", "Choose at least one reason"),
        (["PP", "VA", "DM", "TH"], "reason_1", "no more than 3"),
        (["PP", "PP"], "reason_2", "only once"),
        (["PP", "VA", "PP"], "reason_2", "only once"),
        (["ZZ"], "reason_1", "not a valid choice"),
        (["PP", "OT"], "reason_2", "not a valid choice"),
    ],
)
def test_bad_reasons_are_refused_naming_the_field(student, personas, reasons, field, message):
    with pytest.raises(ValidationError) as error:
        suspend(student, personas["key_worker"], reasons=reasons)
    assert message in " ".join(error.value.message_dict[field])
    assert not student.exclusions.exists()


@pytest.mark.parametrize("sessions", [None, 0])
def test_a_suspension_needs_its_sessions(student, personas, sessions):
    with pytest.raises(ValidationError) as error:
        suspend(student, personas["key_worker"], sessions=sessions)
    assert "sessions" in error.value.message_dict


def test_a_suspension_is_at_most_90_sessions(student, personas):
    suspend(student, personas["key_worker"], sessions=90)
    with pytest.raises(ValidationError, match="90 sessions"):
        suspend(student, personas["key_worker"], sessions=91)


def test_a_permanent_exclusion_has_no_sessions(student, personas):
    with pytest.raises(ValidationError) as error:
        suspend(student, personas["key_worker"], kind=ExclusionKind.PERMANENT, sessions=4)
    assert error.value.message_dict["sessions"] == [
        "A permanent exclusion has no number of sessions"
    ]
    exclusion = suspend(
        student, personas["key_worker"], kind=ExclusionKind.PERMANENT, sessions=None
    )
    assert exclusion.dfe_category == "PERM"


def test_the_excluding_school_defaults_to_the_school_on_roll(student, personas):
    exclusion = suspend(student, personas["key_worker"])
    assert exclusion.school == student.school
    assert exclusion.dfe_category == "FIXD"


def result(student, actor, **overrides):
    values = {
        "student": student,
        "subject": Subject.MATHS,
        "assessed_on": START,
        "assessment_label": "Autumn 1 2026/27",
        "scale": GradeScale.GCSE,
        "grade": "4",
        "target_grade": "5",
        "actor": actor,
    }
    values.update(overrides)
    return result_record(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"grade": "at"}, "grade"),
        ({"grade": "10"}, "grade"),
        ({"target_grade": "above"}, "target_grade"),
        ({"scale": GradeScale.WORKING_AT, "grade": "5"}, "grade"),
        ({"subject": Subject.OTHER}, "subject_other"),
        ({"subject_other": "History"}, "subject_other"),
        ({"assessment_label": " "}, "assessment_label"),
    ],
)
def test_bad_results_are_refused_naming_the_field(student, personas, overrides, field):
    with pytest.raises(ValidationError) as error:
        result(student, personas["key_worker"], **overrides)
    assert field in error.value.message_dict
    assert not student.attainment_results.exists()


def test_an_other_subject_is_named(student, personas):
    saved = result(student, personas["key_worker"], subject=Subject.OTHER, subject_other="History")
    assert saved.subject_name == "History"


@pytest.mark.promise("P11")
def test_information_from_an_agency_must_name_the_agency(student, personas, county):
    values = {
        "student": student,
        "occurred_on": START,
        "category": "disruption",
        "severity": 1,
        "description": "Reported by the youth worker.",
        "source_kind": SourceKind.AGENCY,
        "actor": personas["key_worker"],
    }
    with pytest.raises(ValidationError) as error:
        incident_record(**values)
    assert "source_organisation" in error.value.message_dict
    incident = incident_record(**values, source_organisation=county.agency)
    assert incident.source_label_for(health=True) == "Another agency: County CAMHS"
    # CAMHS is a health service: naming it is a health detail, left out by default (P07).
    assert incident.source_label == "Another agency"


@pytest.mark.parametrize("severity", [0, 4])
def test_severity_is_one_to_three(student, personas, severity):
    with pytest.raises(ValidationError) as error:
        incident_record(
            student=student,
            occurred_on=START,
            category="defiance",
            severity=severity,
            description="Refused to move seats.",
            actor=personas["key_worker"],
        )
    assert "severity" in error.value.message_dict
