import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.provision.models import Intervention, PlacementReview
from seip.provision.tests.factories import InterventionFactory

ALLOWED_TO_READ = ["coordinator", "key_worker", "safeguarding_lead", "dpo", "school_contact"]
INVISIBLE = ["school_b", "provider", "agency", "la_officer", "parent", "student", "admin", "nobody"]
CASE_STAFF = ["coordinator", "key_worker", "safeguarding_lead"]
NOT_CASE_STAFF = ["dpo", "school_contact"]


@pytest.fixture
def intervention(student):
    return InterventionFactory(student=student)


def urls(student, intervention, placement):
    pk = student.pk
    return {
        "add": reverse("provision:add", args=[pk]),
        "end": reverse("provision:end", args=[pk, intervention.pk]),
        "review": reverse("provision:review", args=[pk, placement.intervention.pk]),
    }


@pytest.mark.parametrize("persona", ALLOWED_TO_READ)
def test_list_is_shown_to_those_who_see_the_record(login, personas, student, intervention, persona):
    response = login(personas[persona]).get(reverse("provision:list", args=[student.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Key work" in body
    assert "£300.00" in body
    assert ("Record provision" in body) is (persona in CASE_STAFF)


@pytest.mark.parametrize("persona", INVISIBLE)
def test_list_is_404_to_everyone_else(login, personas, student, intervention, persona):
    response = login(personas[persona]).get(reverse("provision:list", args=[student.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", CASE_STAFF)
def test_case_staff_open_every_form(login, personas, student, intervention, placement, persona):
    client = login(personas[persona])
    for url in urls(student, intervention, placement).values():
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", NOT_CASE_STAFF)
def test_other_readers_are_forbidden_to_write(
    login, personas, student, intervention, placement, persona
):
    client = login(personas[persona])
    for url in urls(student, intervention, placement).values():
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize("persona", INVISIBLE)
def test_forms_are_404_to_those_who_cannot_see(
    login, personas, student, intervention, placement, persona
):
    client = login(personas[persona])
    for url in urls(student, intervention, placement).values():
        assert client.post(url, {}).status_code == 404


def test_another_students_intervention_is_404(login, personas, student, intervention, county):
    url = reverse("provision:end", args=[student.pk, intervention.pk + 999])
    assert login(personas["coordinator"]).get(url).status_code == 404


def test_review_of_something_that_is_not_a_placement_is_404(login, personas, student, intervention):
    url = reverse("provision:review", args=[student.pk, intervention.pk])
    assert login(personas["coordinator"]).get(url).status_code == 404


AP_FORM = {
    "type": "ap_placement",
    "start_date": "",
    "sessions_planned": "20",
    "sessions_attended": "0",
    "unit_cost": "85.00",
    "quantity": "20",
    "staff_hours": "2",
    "staff_hourly_cost": "30.00",
    "funding_stream": "high_needs",
    "days_per_week": "2.5",
    "site": "Farm site",
}


@pytest.mark.promise("P06")
def test_recording_an_ap_placement_through_the_page(login, personas, student, county):
    client = login(personas["key_worker"])
    data = {
        **AP_FORM,
        "provider": county.provider.pk,
        "start_date": timezone.localdate().isoformat(),
        "checks": [
            "dbs",
            "site_visit",
            "emergency_contacts",
            "attendance_reporting",
            "safeguarding_lead",
        ],
    }
    response = client.post(reverse("provision:add", args=[student.pk]), data)
    assert response.status_code == 302
    intervention = Intervention.objects.get()
    assert intervention.total_cost == Decimal("1760.00")
    assert intervention.placement.days_per_week == Decimal("2.5")
    body = client.get(response["Location"]).content.decode()
    assert "Farm site" in body
    assert "£1,760.00" in body


@pytest.mark.promise("P02")
def test_missing_checks_are_listed_on_the_form(login, personas, student, county):
    data = {
        **AP_FORM,
        "provider": county.provider.pk,
        "start_date": timezone.localdate().isoformat(),
        "checks": ["dbs"],
    }
    response = login(personas["key_worker"]).post(reverse("provision:add", args=[student.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Still to do: Site visit done; Emergency contacts shared" in body
    assert not Intervention.objects.exists()


def test_ap_form_needs_days_and_site(login, personas, student, county):
    data = {**AP_FORM, "provider": county.provider.pk, "start_date": "2026-09-14", "site": ""}
    data.pop("days_per_week")
    body = login(personas["key_worker"]).post(reverse("provision:add", args=[student.pk]), data)
    assert "Give the days per week of the placement" in body.content.decode()
    assert "Give the site of the placement" in body.content.decode()


def test_ending_through_the_page(login, personas, student, intervention):
    url = reverse("provision:end", args=[student.pk, intervention.pk])
    client = login(personas["coordinator"])
    response = client.post(url, {"end_date": "2026-09-01", "sessions_attended": "4"})
    assert "The end date must be the same as or after the start date" in response.content.decode()
    response = client.post(url, {"end_date": "2026-11-20", "sessions_attended": "9"})
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.end_date, intervention.sessions_attended) == (dt.date(2026, 11, 20), 9)


@pytest.mark.promise("P12")
def test_recording_a_review_through_the_page(login, personas, student, placement):
    url = reverse("provision:review", args=[student.pk, placement.intervention.pk])
    response = login(personas["key_worker"]).post(
        url,
        {
            "reviewed_on": timezone.localdate().isoformat(),
            "attendance_percent": "78.5",
            "from_provider": "on",
            "summary": "Attending most days.",
            "next_steps": "Review again after half term.",
        },
    )
    assert response.status_code == 302
    review = PlacementReview.objects.get()
    assert review.source_organisation == placement.intervention.provider
    assert AuditEvent.objects.filter(action="provision.review").count() == 1
