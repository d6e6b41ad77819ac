import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from seip.attendance.marks import slot
from seip.attendance.models import AttendanceYear
from seip.attendance.selectors import panel_context
from seip.audit.models import AuditEvent
from seip.conftest_referrals import assign_to_key_worker


@pytest.fixture
def case(case, personas):
    """The key worker holds the case: key workers write only to their own caseload."""
    return assign_to_key_worker(case, personas)


DAY = dt.date(2025, 3, 4)  # a Tuesday


def url(case, **query):
    base = reverse("attendance:student", args=[case.student.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def marks_form(**overrides):
    return {"day": DAY.isoformat(), "am": "/", "pm": "I", "source_kind": "school_entry"} | overrides


@pytest.mark.promise("P03")
@pytest.mark.parametrize(
    "persona", ["coordinator", "key_worker", "dpo", "safeguarding_lead", "school_contact"]
)
def test_those_who_see_the_record_see_its_attendance(login, personas, case, persona):
    response = login(personas[persona]).get(url(case))
    assert response.status_code == 200
    assert "Attendance by half term" in response.content.decode()


@pytest.mark.promise("P08")
@pytest.mark.parametrize(
    "persona",
    ["school_b", "provider", "agency", "la_officer", "parent", "student", "admin", "nobody"],
)
def test_everyone_else_gets_404_for_reading_and_writing(login, personas, case, persona):
    client = login(personas[persona])
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case), marks_form()).status_code == 404
    assert not AttendanceYear.objects.exists()


@pytest.mark.parametrize("persona", ["dpo", "school_contact"])
def test_those_who_may_only_read_are_forbidden_to_record(login, personas, case, persona):
    client = login(personas[persona])
    assert "Record marks" not in client.get(url(case)).content.decode()
    assert client.post(url(case), marks_form()).status_code == 403
    assert not AttendanceYear.objects.exists()


@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "safeguarding_lead"])
def test_case_staff_record_marks_for_a_date(login, personas, case, persona):
    client = login(personas[persona])
    response = client.post(url(case), marks_form())
    assert response.status_code == 302
    assert response["Location"] == url(case, week="2025-03-03")
    row = AttendanceYear.objects.get(student=case.student)
    assert row.marks[slot(2024, DAY) : slot(2024, DAY) + 2] == "/I"
    assert (row.possible, row.present, row.authorised) == (2, 1, 1)
    assert AuditEvent.objects.filter(action="attendance.record", actor=personas[persona]).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Marks saved for Tuesday 4 March 2025" in page
    assert "Illness (not medical or dental appointment)" in page


def test_the_week_shows_each_session(login, personas, case):
    client = login(personas["key_worker"])
    client.post(url(case), marks_form(am="C2", pm="remove"))
    page = client.get(url(case, week="2025-03-06")).content.decode()
    assert "Sessions in the week of 3 March 2025" in page
    assert "Leave of absence: part-time timetable" in page
    assert "?week=2025-02-24" in page
    assert "?week=2025-03-10" in page
    assert "Sessions in the week of" in client.get(url(case, week="nonsense")).content.decode()


def test_an_old_code_after_august_2024_is_saved_with_a_warning(login, personas, case):
    client = login(personas["key_worker"])
    response = client.post(url(case), marks_form(am="H", pm="NO CHANGE"), follow=True)
    assert "Select a valid choice" in response.content.decode()
    response = client.post(url(case), marks_form(am="H", pm=""), follow=True)
    page = response.content.decode()
    assert "Tue 4 March 2025 AM: H is a pre-2024 code, replaced on 19 August 2024" in page
    assert AttendanceYear.objects.get(student=case.student).authorised == 1


def test_the_form_explains_what_is_wrong(login, personas, case):
    client = login(personas["key_worker"])
    page = client.post(url(case), marks_form(am="", pm="")).content.decode()
    assert "Choose a mark for the morning or the afternoon session" in page
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page = client.post(url(case), marks_form(day=tomorrow.isoformat())).content.decode()
    assert "attendance cannot be recorded before the session" in page
    page = client.post(url(case), marks_form(day="")).content.decode()
    assert "Enter the date" in page
    assert not AttendanceYear.objects.exists()


@pytest.mark.promise("P17")
def test_an_archived_record_is_read_only_here_too(login, personas, case):
    case.student.archived_at = timezone.now()
    case.student.save()
    client = login(personas["coordinator"])
    assert client.get(url(case)).status_code == 200
    page = client.post(url(case), marks_form()).content.decode()
    assert "This record is archived and cannot be changed." in page
    assert not AttendanceYear.objects.exists()
    assert login(personas["key_worker"]).get(url(case)).status_code == 404


def test_the_panel_renders_inside_another_page(marked_student, personas):
    html = render_to_string(
        "attendance/student_panel.html", panel_context(marked_student, personas["key_worker"])
    )
    assert "<strong>88.9%</strong> of 54 sessions attended" in html
    assert "+11.1 percentage points" in html
    assert "Referral signed 12 Nov" in html
    assert "Persistent absence" in html
    assert "Sessions week by week, and record marks" in html
    assert reverse("attendance:student", args=[marked_student.pk]) in html
