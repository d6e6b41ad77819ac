import pytest
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.records.models import BreakGlassAccess, SafeguardingConcern
from seip.records.tests.factories import ConcernFactory

SECRET = "Arrived hungry again."


@pytest.fixture
def concern(case, personas):
    return ConcernFactory(student=case.student, raised_by=personas["safeguarding_lead"])


def concerns_url(concern):
    return reverse("records:concerns", args=[concern.student_id])


@pytest.mark.promise("P02")
@pytest.mark.parametrize("persona", ["safeguarding_lead", "coordinator"])
def test_designated_roles_see_concerns(login, personas, concern, persona):
    body = login(personas[persona]).get(concerns_url(concern)).content.decode()
    assert SECRET in body
    assert "Neglect" in body
    assert not BreakGlassAccess.objects.exists()
    assert AuditEvent.objects.filter(action="records.concern.read").count() == 1


@pytest.mark.promise("P02")
def test_key_worker_must_give_a_reason_and_it_is_logged(client, login, personas, concern):
    staff = login(personas["key_worker"])
    page = staff.get(concerns_url(concern)).content.decode()
    assert SECRET not in page
    assert "1 restricted safeguarding record exists" in page
    assert "Why do you need to open these records?" in page

    response = staff.post(concerns_url(concern), {"reason": "Mother phoned with a worry"})
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    access = BreakGlassAccess.objects.get()
    assert access.user == personas["key_worker"]
    assert access.concern == concern
    assert access.reason == "Mother phoned with a worry"
    event = AuditEvent.objects.get(action="records.concern.break_glass")
    assert event.actor == personas["key_worker"]
    assert event.detail == {"concerns": [concern.pk]}
    assert "Mother" not in str(event.detail)

    # The access lasted for that request only.
    assert SECRET not in staff.get(concerns_url(concern)).content.decode()


@pytest.mark.promise("P02")
def test_an_empty_reason_is_refused(login, personas, concern):
    response = login(personas["key_worker"]).post(concerns_url(concern), {"reason": "   "})
    body = response.content.decode()
    assert "Enter why you need to open these records" in body
    assert SECRET not in body
    assert not BreakGlassAccess.objects.exists()
    assert not AuditEvent.objects.filter(action="records.concern.break_glass").exists()


@pytest.mark.promise("P02")
@pytest.mark.parametrize(
    "persona", ["school_contact", "school_b", "provider", "agency", "parent", "student", "nobody"]
)
def test_everyone_else_gets_404(login, personas, concern, persona):
    client = login(personas[persona])
    assert client.get(concerns_url(concern)).status_code == 404
    assert client.post(concerns_url(concern), {"reason": "curious"}).status_code == 404
    url = reverse("records:concern_new", args=[concern.student_id])
    assert client.get(url).status_code == 404
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.promise("P02")
def test_student_page_shows_staff_only_the_count(login, personas, concern):
    url = reverse("records:profile", args=[concern.student_id])
    body = login(personas["key_worker"]).get(url).content.decode()
    assert "1 restricted safeguarding record exists" in body
    assert reverse("records:concerns", args=[concern.student_id]) in body
    assert SECRET not in body


@pytest.mark.promise("P02")
def test_school_contact_is_told_nothing_on_the_profile(client, login, personas, concern):
    body = (
        login(personas["school_contact"])
        .get(reverse("records:profile", args=[concern.student_id]))
        .content.decode()
    )
    assert "safeguarding" not in body.lower()


def test_key_worker_raises_a_concern_encrypted(login, personas, case):
    url = reverse("records:concern_new", args=[case.student.pk])
    category = SafeguardingConcern._meta.get_field("category").related_model.objects.first()
    response = login(personas["key_worker"]).post(
        url,
        {"raised_on": "2026-11-28", "category": category.pk, "details": "Bruise on arm",
         "actions_taken": "Told the DSL"},
    )  # fmt: skip
    assert response.status_code == 302
    concern = SafeguardingConcern.objects.get()
    assert b"Bruise" not in bytes(concern.details_encrypted)
    assert concern.raised_by == personas["key_worker"]


def test_dpo_may_break_glass_but_not_raise(login, personas, concern):
    client = login(personas["dpo"])
    assert client.get(concerns_url(concern)).status_code == 200
    assert client.get(reverse("records:concern_new", args=[concern.student_id])).status_code == 403


def test_concern_form_shows_errors(login, personas, case):
    url = reverse("records:concern_new", args=[case.student.pk])
    body = login(personas["safeguarding_lead"]).post(url, {}).content.decode()
    assert "Enter the details of the concern" in body
    assert "Choose the category of concern" in body


@pytest.mark.promise("P02")
def test_designated_reader_gets_a_direct_link_on_the_profile(login, personas, concern):
    url = reverse("records:profile", args=[concern.student_id])
    body = login(personas["safeguarding_lead"]).get(url).content.decode()
    assert "1 safeguarding record" in body
    assert "restricted" not in body
    assert SECRET not in body
