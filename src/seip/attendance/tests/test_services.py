import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from seip.attendance.marks import slot
from seip.attendance.models import AttendanceYear
from seip.attendance.services import attendance_record_sessions, attendance_record_year
from seip.audit.models import AuditEvent
from seip.conftest_referrals import assign_to_key_worker
from seip.students.sources import SourceKind


@pytest.fixture
def case(case, personas):
    """The key worker holds the case: key workers write only to their own caseload."""
    return assign_to_key_worker(case, personas)


MON = dt.date(2025, 3, 3)
TUE = dt.date(2025, 3, 4)


@pytest.fixture
def record(case, personas):
    student = case.student

    def _record(marks, *, actor=None, school=None, **source):
        return attendance_record_sessions(
            student=student,
            school=school or student.school,
            marks=marks,
            source_kind=source.get("source_kind", SourceKind.SCHOOL_ENTRY),
            source_note=source.get("source_note", ""),
            obtained_on=dt.date(2025, 3, 5),
            actor=actor or personas["key_worker"],
            source_organisation=source.get("source_organisation"),
        )

    return _record


def the_row(case, year=2024):
    return AttendanceYear.objects.get(student=case.student, academic_year=year)


@pytest.mark.promise("P03")
def test_marks_merge_into_the_year_row_and_the_counts_follow(record, case):
    assert record({MON: ("/", "\\"), TUE: ("I", "I")}) == []
    row = the_row(case)
    assert row.marks[slot(2024, MON) : slot(2024, MON) + 4] == "/\\II"
    assert (row.possible, row.present, row.authorised) == (4, 2, 2)
    # A later call changes only the sessions it names; None leaves one as it was.
    record({TUE: ("M", None), dt.date(2025, 3, 5): ("N", "C2")})
    row.refresh_from_db()
    assert row.marks[slot(2024, MON) : slot(2024, MON) + 6] == "/\\MINb"
    assert row.counts.possible == 6
    assert (row.present, row.authorised, row.unauthorised) == (2, 3, 1)


def test_an_empty_mark_removes_the_session(record, case):
    record({MON: ("/", "\\")})
    record({MON: ("", None)})
    row = the_row(case)
    assert row.marks[slot(2024, MON) : slot(2024, MON) + 2] == ".\\"
    assert row.possible == 1


def test_marks_either_side_of_1_september_go_to_their_own_year(record, case):
    record({dt.date(2025, 8, 29): ("#", "#"), dt.date(2025, 9, 3): ("/", "N")})
    assert AttendanceYear.objects.filter(student=case.student).count() == 2
    assert the_row(case, 2025).unauthorised == 1
    assert the_row(case, 2024).possible == 0


def test_an_unknown_code_names_the_date_and_session_and_nothing_is_written(record, case):
    record({MON: ("/", "\\")})
    with pytest.raises(ValidationError) as error:
        record({TUE: ("/", "Ä"), dt.date(2025, 3, 6): ("Y9", "\\"), MON: ("I", "I")})
    assert error.value.messages == [
        "Tue 4 March 2025 PM: “Ä” is not an attendance code",
        "Thu 6 March 2025 AM: “Y9” is not an attendance code",
    ]
    row = the_row(case)
    assert row.marks[slot(2024, MON) : slot(2024, MON) + 4] == "/\\.."
    assert row.possible == 2


def test_attendance_cannot_be_recorded_before_the_session(record):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be recorded before the session"):
        record({tomorrow: ("/", None)})
    # A planned closure can be entered ahead.
    record({tomorrow: ("#", "#")})


def test_mis_sub_codes_are_stored_as_their_statutory_code(record, case):
    record({MON: ("i01", "N02")})
    assert the_row(case).marks[slot(2024, MON) : slot(2024, MON) + 2] == "IN"


def test_codes_used_outside_their_era_are_kept_with_a_warning(record, case):
    warnings = record(
        {
            dt.date(2024, 7, 15): ("H", "J"),  # pre-2024 codes before 19 August: fine
            dt.date(2024, 7, 16): ("C2", "/"),  # a 2024 code before it: warn
            dt.date(2024, 9, 4): ("C2", "K"),  # 2024 codes after: fine
            dt.date(2024, 9, 5): ("H", "\\"),  # a pre-2024 code after: warn
        }
    )
    assert warnings == [
        "Tue 16 July 2024 AM: C2 is a 2024 code, in use from 19 August 2024; check the code",
        "Thu 5 September 2024 AM: H is a pre-2024 code, replaced on 19 August 2024; check the code",
    ]
    assert the_row(case, 2023).counts.possible == 4
    assert the_row(case, 2024).authorised == 2


@pytest.mark.promise("P11")
def test_where_the_marks_came_from_is_recorded(record, case, county):
    record({MON: ("/", "\\")}, source_kind=SourceKind.SCHOOL_IMPORT, source_note="sims.csv")
    row = the_row(case)
    assert row.source_kind == SourceKind.SCHOOL_IMPORT
    assert row.source_organisation == case.student.school.organisation
    assert row.source_note == "sims.csv"
    assert row.obtained_on == dt.date(2025, 3, 5)
    with pytest.raises(ValidationError, match="Name the agency"):
        record({MON: ("I", "I")}, source_kind=SourceKind.AGENCY)
    record({MON: ("I", "I")}, source_kind=SourceKind.AGENCY, source_organisation=county.agency)
    row.refresh_from_db()
    assert row.source_label_for(health=True) == "Another agency: County CAMHS"
    assert row.source_label == "Another agency"  # a health service is named only to health readers


@pytest.mark.promise("P14")
def test_each_write_is_audited_without_personal_data(record, case):
    record({MON: ("/", "\\"), dt.date(2025, 9, 3): ("/", "\\")})
    events = AuditEvent.objects.filter(action="attendance.record").order_by("pk")
    assert [e.detail["academic_year"] for e in events] == [2024, 2025]
    assert events[0].detail == {
        "academic_year": 2024,
        "school": case.student.school.urn,
        "sessions": 2,
        "source": "school_entry",
        "warnings": 0,
    }


def test_only_case_staff_may_record(record, personas):
    for persona in ["school_contact", "dpo", "la_officer", "nobody"]:
        with pytest.raises(PermissionDenied):
            record({MON: ("/", "\\")}, actor=personas[persona])
    record({MON: ("/", "\\")}, actor=personas["coordinator"])
    record({MON: ("/", "\\")}, actor=personas["safeguarding_lead"])


@pytest.mark.promise("P17")
def test_an_archived_record_takes_no_marks(record, case):
    case.student.archived_at = timezone.now()
    case.student.save()
    with pytest.raises(ValidationError, match="archived"):
        record({MON: ("/", "\\")})


def test_a_dual_registered_student_has_a_row_at_each_school(record, case, county):
    other = county.a.schools.exclude(pk=case.student.school_id).get()
    record({MON: ("D", "D"), TUE: ("/", "\\")})
    record({MON: ("/", "L")}, school=other)
    rows = AttendanceYear.objects.filter(student=case.student)
    assert {r.school_id: r.possible for r in rows} == {case.student.school_id: 2, other.pk: 2}


def test_a_whole_year_replaces_what_was_there(case, personas):
    student = case.student
    start = [None] * slot(2024, MON)
    year = {
        "student": student,
        "school": student.school,
        "academic_year": 2024,
        "source_kind": SourceKind.SCHOOL_IMPORT,
        "source_note": "ctf.xml",
        "obtained_on": dt.date(2025, 8, 1),
        "actor": personas["coordinator"],
    }
    attendance_record_year(**year, marks=[*start, "/", "\\", "C1", "Y1", "", "O"])
    row = AttendanceYear.objects.get(student=student)
    assert row.marks[slot(2024, MON) : slot(2024, MON) + 6] == "/\\a1.O"
    assert len(row.marks) == 730
    assert (row.possible, row.present, row.authorised, row.unauthorised) == (4, 2, 1, 1)
    attendance_record_year(**year, marks=[*start, None, None, "I"])
    row.refresh_from_db()
    assert row.marks[slot(2024, MON) : slot(2024, MON) + 6] == "..I..."
    assert row.possible == 1
    with pytest.raises(ValidationError, match="Mon 3 March 2025 PM: “QQ” is not"):
        attendance_record_year(**year, marks=[*start, "/", "QQ"])
    with pytest.raises(ValidationError, match="has 730 sessions, but 731 marks"):
        attendance_record_year(**year, marks=["/"] * 731)
    row.refresh_from_db()
    assert row.possible == 1


def test_the_database_refuses_counts_that_do_not_add_up(record, case):
    record({MON: ("/", "\\")})
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceYear.objects.filter(student=case.student).update(possible=5)
