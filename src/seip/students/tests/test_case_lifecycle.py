import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from seip.audit.models import AuditEvent
from seip.referrals.models import ReferralStatus
from seip.referrals.services import consent_withdraw
from seip.students.models import CaseStatus, PaperFile, Student
from seip.students.selectors import (
    archived_students_visible_to,
    student_record_visible_to,
    students_visible_to,
)
from seip.students.services import case_assign_key_worker, case_close, case_open, student_leave


def leave(case, actor, **overrides):
    values = {
        "case": case,
        "paper_files": ["Referral file", "Key work notes folder"],
        "returned_to": None,
        "returned_on": dt.date(2026, 11, 27),
        "received_by": "Head of Year 9",
        "receipt_confirmed": True,
        "actor": actor,
    }
    values.update(overrides)
    return student_leave(**values)


@pytest.mark.promise("P25")
def test_no_student_record_exists_until_a_coordinator_accepts(signed, personas):
    assert not Student.objects.exists()
    for persona in ("coordinator", "key_worker", "dpo"):
        assert not students_visible_to(personas[persona]).exists()


def test_accepting_opens_the_case_and_creates_the_student(case, signed, county):
    student = case.student
    assert student.partnership == county.a
    assert student.school == county.school_a
    assert student.upn == "B801200005001"
    assert case.status == CaseStatus.ACCEPTED
    signed.refresh_from_db()
    assert signed.status == ReferralStatus.ACCEPTED
    assert AuditEvent.objects.filter(action="case.accept", object_id=str(case.pk)).exists()


def test_only_the_coordinator_accepts(signed, personas):
    with pytest.raises(PermissionDenied):
        case_open(
            referral=signed,
            tier=1,
            risk_assessment_on=None,
            risk_assessment_summary="",
            actor=personas["key_worker"],
        )


def test_tier_4_needs_a_risk_assessment(signed, personas):
    with pytest.raises(ValidationError) as error:
        case_open(
            referral=signed,
            tier=4,
            risk_assessment_on=None,
            risk_assessment_summary="",
            actor=personas["coordinator"],
        )
    assert "risk_assessment_on" in error.value.message_dict
    assert not Student.objects.exists()
    case = case_open(
        referral=signed, tier=4, risk_assessment_on=dt.date(2026, 11, 21),
        risk_assessment_summary="Standard risk assessment completed with the school.",
        actor=personas["coordinator"],
    )  # fmt: skip
    assert case.tier == 4


def test_a_draft_cannot_be_accepted(draft, personas):
    with pytest.raises(ValidationError):
        case_open(
            referral=draft,
            tier=1,
            risk_assessment_on=None,
            risk_assessment_summary="",
            actor=personas["coordinator"],
        )


def test_whole_lifecycle(active_case, personas, county):
    assert active_case.status == CaseStatus.ACTIVE
    assert active_case.key_worker == personas["key_worker"]
    case_close(case=active_case, outcome="met", destination="stayed", actor=personas["coordinator"])
    student = leave(active_case, personas["coordinator"])
    active_case.refresh_from_db()
    assert active_case.status == CaseStatus.LEFT
    assert student.is_archived
    assert PaperFile.objects.filter(student=student, returned_to=county.school_a).count() == 2


def test_key_worker_must_belong_to_the_partnership(case, personas):
    with pytest.raises(ValidationError):
        case_assign_key_worker(
            case=case, key_worker=personas["school_contact"], actor=personas["coordinator"]
        )


@pytest.mark.parametrize("step", ["leave_before_close", "close_twice"])
def test_invalid_transitions_are_refused_with_a_clear_error(active_case, personas, step):
    if step == "leave_before_close":
        with pytest.raises(ValidationError, match="cannot become left"):
            leave(active_case, personas["coordinator"])
    else:
        case_close(
            case=active_case, outcome="met", destination="stayed", actor=personas["coordinator"]
        )
        with pytest.raises(ValidationError, match="A case that is closed cannot become closed"):
            case_close(
                case=active_case, outcome="met", destination="stayed", actor=personas["coordinator"]
            )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"paper_files": ["  "]}, "paper_files"),
        ({"received_by": ""}, "received_by"),
        ({"receipt_confirmed": False}, "receipt_confirmed"),
        ({"returned_on": dt.date(2031, 1, 1)}, "returned_on"),
    ],
)
def test_leaving_without_a_proper_paper_file_return_changes_nothing(
    active_case, personas, overrides, field
):
    case_close(case=active_case, outcome="met", destination="stayed", actor=personas["coordinator"])
    with pytest.raises(ValidationError) as error:
        leave(active_case, personas["coordinator"], **overrides)
    assert field in error.value.message_dict
    active_case.refresh_from_db()
    assert active_case.status == CaseStatus.CLOSED
    assert not PaperFile.objects.exists()
    assert not active_case.student.is_archived


@pytest.fixture
def archived(active_case, personas):
    case_close(
        case=active_case, outcome="met", destination="post_16", actor=personas["coordinator"]
    )
    return leave(active_case, personas["coordinator"])


@pytest.mark.promise("P16")
@pytest.mark.promise("P17")
def test_archived_record_is_read_only_and_seen_only_by_coordinator_and_dpo(
    archived, active_case, personas
):
    for persona in ("coordinator", "dpo"):
        assert student_record_visible_to(personas[persona]).filter(pk=archived.pk).exists()
        assert archived_students_visible_to(personas[persona]).filter(pk=archived.pk).exists()
        assert not students_visible_to(personas[persona]).filter(pk=archived.pk).exists()
    for persona in (
        "key_worker",
        "safeguarding_lead",
        "school_contact",
        "provider",
        "la_officer",
        "admin",
    ):
        assert not student_record_visible_to(personas[persona]).filter(pk=archived.pk).exists()
    with pytest.raises(ValidationError, match="archived"):
        case_assign_key_worker(
            case=active_case, key_worker=personas["key_worker"], actor=personas["coordinator"]
        )
    with pytest.raises(ValidationError, match="archived"):
        leave(active_case, personas["coordinator"])


@pytest.mark.promise("P16")
def test_paper_file_register_records_school_date_and_receiver(archived, county):
    files = list(PaperFile.objects.filter(student=archived))
    assert [f.description for f in files] == ["Referral file", "Key work notes folder"]
    for paper in files:
        assert paper.returned_to == county.school_a
        assert paper.returned_on == dt.date(2026, 11, 27)
        assert paper.received_by == "Head of Year 9"
        assert paper.receipt_confirmed


def test_school_contact_sees_their_student_while_consent_for_schools_is_live(case, personas):
    assert students_visible_to(personas["school_contact"]).filter(pk=case.student.pk).exists()
    assert not students_visible_to(personas["school_b"]).filter(pk=case.student.pk).exists()


@pytest.mark.promise("P07")
def test_withdrawing_consent_for_schools_revokes_school_access_at_once(case, signed, personas):
    school = personas["school_contact"]
    assert students_visible_to(school).filter(pk=case.student.pk).exists()
    consent_withdraw(referral=signed, categories={"school"}, actor=personas["coordinator"])
    assert not students_visible_to(school).filter(pk=case.student.pk).exists()
    # Partnership staff keep the record: the family withdrew sharing, not the referral.
    assert students_visible_to(personas["coordinator"]).filter(pk=case.student.pk).exists()


def test_withdrawing_everything_closes_the_case(active_case, signed, personas):
    consent_withdraw(referral=signed, categories=None, actor=personas["coordinator"])
    active_case.refresh_from_db()
    signed.refresh_from_db()
    assert active_case.status == CaseStatus.CLOSED
    assert active_case.outcome == "consent_withdrawn"
    assert signed.status == ReferralStatus.WITHDRAWN
    assert not signed.grants.filter(withdrawn_at__isnull=True).exists()


@pytest.mark.promise("P07")
def test_a_school_writes_only_through_its_own_import_and_only_with_consent(
    active_case, personas, county
):
    from django.core.exceptions import PermissionDenied

    from seip.referrals.services import consent_withdraw
    from seip.students.permissions import ImportGrant, ensure_can_write

    student = active_case.student
    school_contact = personas["school_contact"]

    def grant(school_id, actor=school_contact):
        return ImportGrant(run="run", school_id=school_id, school_urn="1", actor_id=actor.pk)

    with pytest.raises(PermissionDenied):
        ensure_can_write(school_contact, student)  # by hand: never
    with pytest.raises(PermissionDenied):
        # another school's file: no
        ensure_can_write(school_contact, student, grant=grant(county.school_b.pk))
    ensure_can_write(school_contact, student, grant=grant(student.school_id))  # its own file
    with pytest.raises(PermissionDenied):
        # a grant is its actor's alone: no one else can borrow it
        ensure_can_write(personas["school_b"], student, grant=grant(student.school_id))
    with pytest.raises(PermissionDenied):
        # another school's contact, even with a grant of their own naming this school
        ensure_can_write(
            personas["school_b"],
            student,
            grant=grant(student.school_id, personas["school_b"]),
        )
    consent_withdraw(
        referral=student.referral, categories={"school"}, actor=personas["coordinator"]
    )
    with pytest.raises(PermissionDenied):
        ensure_can_write(school_contact, student, grant=grant(student.school_id))
