import pytest
from django.urls import reverse

from seip.records.models import Contact, Need, StudentAgency, Target
from seip.records.tests.factories import NeedFactory, TargetFactory, code

SOURCE = {"source_kind": "school_entry", "obtained_on": "2026-11-20"}


@pytest.fixture
def student(active_case):
    """A student on the key worker's caseload."""
    return active_case.student


def urls(student):
    need = NeedFactory(student=student, kind="fsm", code=code("yes_no", "N"))
    target = TargetFactory(plan__student=student)
    pk = student.pk
    return [
        reverse("records:need_new", args=[pk, "sen_provision"]),
        reverse("records:need_correct", args=[pk, need.pk]),
        reverse("records:verify", args=[pk]),
        reverse("records:contact_new", args=[pk]),
        reverse("records:agency_new", args=[pk]),
        reverse("records:target_new", args=[pk]),
        reverse("records:target_status", args=[pk, target.pk]),
    ]


@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "safeguarding_lead"])
def test_case_staff_open_every_form(login, personas, student, persona):
    client = login(personas[persona])
    for url in urls(student):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["dpo", "school_contact"])
def test_readers_who_may_not_write_get_403(login, personas, student, persona):
    client = login(personas[persona])
    assert client.get(reverse("records:profile", args=[student.pk])).status_code == 200
    for url in urls(student):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


@pytest.mark.parametrize("persona", ["school_b", "provider", "agency", "la_officer", "nobody"])
def test_invisible_students_are_404(login, personas, student, persona):
    client = login(personas[persona])
    assert client.get(reverse("records:profile", args=[student.pk])).status_code == 404
    for url in urls(student):
        assert client.get(url).status_code == 404, url


def test_record_and_correct_a_need_through_the_pages(login, personas, student):
    client = login(personas["key_worker"])
    response = client.post(
        reverse("records:need_new", args=[student.pk, "eal"]),
        {"code": "Y", "detail": "Polish", **SOURCE},
    )
    assert response.status_code == 302
    need = Need.objects.get()
    url = reverse("records:need_correct", args=[student.pk, need.pk])
    body = client.post(url, {"code": "Y", "detail": "Urdu", **SOURCE}).content.decode()
    assert "Enter why the value is being corrected" in body
    client.post(url, {"code": "Y", "detail": "Urdu", "reason": "Family told us", **SOURCE})
    assert [n.detail for n in Need.objects.order_by("pk")] == ["Polish", "Urdu"]
    history = client.get(
        reverse("records:need_correct", args=[student.pk, Need.objects.last().pk])
    ).content.decode()
    assert "Polish" in history
    assert "Replaced" in history


def test_agency_source_without_an_agency_shows_on_the_form(login, personas, student):
    body = (
        login(personas["key_worker"])
        .post(
            reverse("records:need_new", args=[student.pk, "fsm"]),
            {"code": "Y", "source_kind": "agency", "obtained_on": "2026-11-20"},
        )
        .content.decode()
    )
    assert "Name the agency this information came from" in body
    assert not Need.objects.exists()


def test_add_contact_agency_and_target(login, personas, student, county):
    client = login(personas["key_worker"])
    pk = student.pk
    client.post(
        reverse("records:contact_new", args=[pk]),
        {"name": "Sam Example", "relationship": "Mother", "parental_responsibility": "on",
         "phone": "07700 900123", "priority": 1, **SOURCE},
    )  # fmt: skip
    client.post(
        reverse("records:agency_new", args=[pk]),
        {"organisation": county.agency.pk, "worker_name": "Alex", **SOURCE},
    )
    client.post(
        reverse("records:target_new", args=[pk]),
        {"domain": "behaviour", "description": "No suspensions", "measure": "Zero suspensions",
         "due_on": "2027-02-01"},
    )  # fmt: skip
    assert Contact.objects.get().parental_responsibility
    assert StudentAgency.objects.get().organisation == county.agency
    target = Target.objects.get()
    client.post(reverse("records:target_status", args=[pk, target.pk]), {"status": "met"})
    target.refresh_from_db()
    assert target.status == "met"


def test_verify_through_the_page(login, personas, student):
    need = NeedFactory(student=student, kind="fsm", code=code("yes_no", "N"), verified_on=None)
    response = login(personas["key_worker"]).post(
        reverse("records:verify", args=[student.pk]), {"fact_ids": [f"need:{need.pk}"]}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.verified_on is not None


def test_contact_needs_a_way_to_reach_them(login, personas, student):
    body = (
        login(personas["key_worker"])
        .post(
            reverse("records:contact_new", args=[student.pk]),
            {"name": "Sam", "relationship": "Mother", "priority": 1, **SOURCE},
        )
        .content.decode()
    )
    assert "Enter at least one of phone, email or address" in body
    assert not Contact.objects.exists()
