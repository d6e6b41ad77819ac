import pytest
from django.urls import reverse
from django.utils import timezone

from seip.behaviour.models import AttainmentResult, AttitudeRating, Exclusion, Incident
from seip.conftest_referrals import assign_to_key_worker


@pytest.fixture
def case(case, personas):
    """The key worker holds the case: key workers write only to their own caseload."""
    return assign_to_key_worker(case, personas)


PAGES = ["list", "incident_new", "exclusion_new", "attitude_new", "result_new"]
CASE_STAFF = ["coordinator", "key_worker", "safeguarding_lead"]


def url(case, page):
    return reverse(f"behaviour:{page}", args=[case.student.pk])


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", CASE_STAFF)
def test_case_staff_open_every_page(login, personas, case, persona, page):
    response = login(personas[persona]).get(url(case, page))
    assert response.status_code == 200
    assert "govuk-" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["dpo", "school_contact"])
def test_others_who_see_the_student_are_forbidden(login, personas, case, persona, page):
    assert login(personas[persona]).get(url(case, page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "persona", ["school_b", "provider", "agency", "la_officer", "parent", "student", "nobody"]
)
def test_people_who_cannot_see_the_student_get_404(login, personas, case, persona, page):
    assert login(personas[persona]).get(url(case, page)).status_code == 404


def test_an_unknown_student_is_404(login, personas, case):
    missing = reverse("behaviour:list", args=[case.student.pk + 1000])
    assert login(personas["coordinator"]).get(missing).status_code == 404


@pytest.mark.promise("P17")
def test_an_archived_record_can_be_read_by_the_coordinator_but_not_added_to(login, personas, case):
    case.student.archived_at = timezone.now()
    case.student.save(update_fields=["archived_at"])
    client = login(personas["coordinator"])
    body = client.get(url(case, "list")).content.decode()
    assert "Record an incident" not in body
    assert client.post(url(case, "incident_new"), {}).status_code == 403


SOURCE = {"source_kind": "school_entry", "source_note": "", "obtained_on": ""}


@pytest.mark.parametrize(
    ("page", "data", "model"),
    [
        (
            "incident_new",
            {"occurred_on": "2026-10-05", "category": "defiance", "severity": "2",
             "description": "Refused to leave the corridor."},
            Incident,
        ),
        (
            "exclusion_new",
            {"kind": "suspension", "start_date": "2026-10-06", "sessions": "4",
             "reason_1": "VA", "reason_2": "DB", "reason_3": ""},
            Exclusion,
        ),
        (
            "attitude_new",
            {"rated_on": "2026-10-07", "engagement": "2", "relationships": "3",
             "self_regulation": "1", "attitude_to_learning": "2"},
            AttitudeRating,
        ),
        (
            "result_new",
            {"subject": "maths", "subject_other": "", "assessed_on": "2026-10-16",
             "assessment_label": "Autumn 1 2026/27", "scale": "gcse", "grade": "5",
             "target_grade": "6"},
            AttainmentResult,
        ),
    ],
)  # fmt: skip
def test_recording_through_the_pages(login, personas, case, page, data, model):
    if page == "exclusion_new":
        data = {**data, "school": case.student.school.pk}
    response = login(personas["key_worker"]).post(url(case, page), {**data, **SOURCE})
    assert response.status_code == 302
    assert response["Location"] == url(case, "list")
    saved = model.objects.get()
    assert saved.student == case.student
    assert saved.recorded_by == personas["key_worker"]


def test_a_suspension_without_sessions_is_shown_on_the_field(login, personas, case):
    response = login(personas["key_worker"]).post(
        url(case, "exclusion_new"),
        {"kind": "suspension", "school": case.student.school.pk, "start_date": "2026-10-06",
         "sessions": "", "reason_1": "VA", "reason_2": "VA", "reason_3": "", **SOURCE},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter the number of sessions the suspension lasts" in body
    assert "<title>Error:" in body
    assert not Exclusion.objects.exists()


def test_the_attitude_form_shows_the_scale(login, personas, case):
    body = login(personas["key_worker"]).get(url(case, "attitude_new")).content.decode()
    assert "<strong>1</strong> = serious concern" in body
    assert "<strong>5</strong> = strong" in body


def test_the_list_shows_what_was_recorded(login, personas, case):
    client = login(personas["key_worker"])
    client.post(
        url(case, "incident_new"),
        {"occurred_on": "2026-10-05", "category": "theft", "severity": "3",
         "description": "Took a bike from the rack.", **SOURCE},
    )  # fmt: skip
    body = client.get(url(case, "list")).content.decode()
    assert "Took a bike from the rack." in body
    assert "School (entered)" in body
