"""The register's pages and the family's requests in the portal, through the test client."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.rights.models import ClockPause, RightsRequest, Status
from seip.rights.selectors import due_date_for
from seip.rights.tests.conftest import RECEIVED

REGISTER = reverse("rights:register")


def test_the_register_shows_overdue_requests_with_their_due_date(login, personas, access_request):
    body = login(personas["dpo"]).get(REGISTER).content.decode()
    assert "Overdue" in body
    assert "2 Nov 2026" in body  # the due date
    assert reverse("rights:detail", args=[access_request.pk]) in body


@pytest.mark.parametrize("persona", ["key_worker", "school_contact", "parent", "admin"])
def test_the_register_is_forbidden_to_others(login, personas, access_request, persona):
    assert login(personas[persona]).get(REGISTER).status_code == 403


@pytest.mark.promise("P18")
def test_staff_enter_a_phoned_request(login, personas, county, student):
    client = login(personas["coordinator"])
    response = client.post(
        reverse("rights:new"),
        {
            "partnership": county.a.pk,
            "type": "access",
            "details": "A copy of everything",
            "student": student.pk,
            "requester_kind": "parent_carer",
            "requester_name": "Sam Example",
            "requester_contact": "01234 567890",
            "received_via": "phone",
            "received_on": "2026-10-01",
            "identity_checked_on": "",
            "identity_check_method": "",
            "parental_responsibility_how": "",
        },
    )
    request = RightsRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("rights:detail", args=[request.pk])
    assert request.received_via == "phone"
    assert request.status == Status.RECEIVED
    detail = client.get(response.url).content.decode()
    assert "Monday 2 November 2026" in detail
    assert "Not yet checked" in detail
    assert "ask for their view" in detail  # Jordan is 14


def test_the_new_request_form_shows_errors(login, personas):
    response = login(personas["coordinator"]).post(reverse("rights:new"), {"type": "access"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not RightsRequest.objects.exists()


def test_a_half_given_identity_check_is_an_error(login, personas, county, student):
    response = login(personas["coordinator"]).post(
        reverse("rights:new"),
        {
            "partnership": county.a.pk, "type": "erasure", "student": student.pk,
            "requester_kind": "student", "requester_name": "Jordan",
            "requester_contact": "By letter", "received_via": "letter",
            "received_on": "2026-10-01", "identity_check_method": "Seen at school",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "Enter the date identity was checked" in response.content.decode()
    assert not RightsRequest.objects.exists()


@pytest.mark.promise("P18")
def test_stop_and_restart_the_clock_through_the_pages(login, personas, access_request):
    client = login(personas["coordinator"])
    pk = access_request.pk
    response = client.post(
        reverse("rights:pause", args=[pk]),
        {"reason": "clarification", "asked_on": "2026-10-05", "note": "Which years?"},
    )
    assert response.status_code == 302
    detail = client.get(reverse("rights:detail", args=[pk])).content.decode()
    assert "Clock stopped since 5 October 2026" in detail
    client.post(reverse("rights:resume", args=[pk]), {"received_on": "2026-10-09"})
    assert ClockPause.objects.get().ended_on == dt.date(2026, 10, 9)
    access_request.refresh_from_db()
    assert due_date_for(access_request) == dt.date(2026, 11, 6)
    assert (
        "Friday 6 November 2026" in client.get(reverse("rights:detail", args=[pk])).content.decode()
    )


def test_a_late_extension_is_refused_on_the_page(login, personas, access_request):
    response = login(personas["dpo"]).post(
        reverse("rights:extend", args=[access_request.pk]),
        {"months": "2", "reason": "Complex", "notified_on": "2026-11-10"},
    )
    assert response.status_code == 200
    assert "within the first month, by 2 November 2026" in response.content.decode()
    access_request.refresh_from_db()
    assert access_request.extension_months == 0


def test_close_as_withdrawn(login, personas, access_request):
    response = login(personas["coordinator"]).post(
        reverse("rights:close", args=[access_request.pk]),
        {"outcome": "withdrawn", "closed_on": "2026-10-02", "notes": ""},
    )
    assert response.status_code == 302
    access_request.refresh_from_db()
    assert access_request.status == Status.WITHDRAWN


def test_identity_and_checks_pages(login, personas, access_request):
    client = login(personas["coordinator"])
    pk = access_request.pk
    client.post(
        reverse("rights:identity", args=[pk]),
        {"checked_on": RECEIVED.isoformat(), "method": "Passport seen in person"},
    )
    client.post(
        reverse("rights:checks", args=[pk]),
        {
            "parental_responsibility_how": "Named on the signed referral",
            "child_view_sought": "on",
            "child_view": "Jordan agreed.",
        },
    )
    access_request.refresh_from_db()
    assert access_request.status == Status.IN_PROGRESS
    assert access_request.parental_responsibility_confirmed
    assert access_request.child_view == "Jordan agreed."


@pytest.mark.parametrize("persona", ["key_worker", "school_contact", "parent", "admin"])
def test_a_request_is_invisible_to_others(login, personas, access_request, persona):
    client = login(personas[persona])
    assert client.get(reverse("rights:detail", args=[access_request.pk])).status_code == 404
    response = client.post(
        reverse("rights:close", args=[access_request.pk]),
        {"outcome": "withdrawn", "closed_on": "2026-10-02", "notes": ""},
    )
    assert response.status_code == 404
    access_request.refresh_from_db()
    assert access_request.status == Status.RECEIVED


# --- the portal --------------------------------------------------------------------------


@pytest.mark.promise("P18")
def test_a_parent_asks_for_access_in_the_portal_and_sees_the_due_date(login, personas, linked):
    client = login(personas["parent"])
    assert reverse("rights:portal") in client.get(reverse("progress:portal")).content.decode()
    response = client.post(
        reverse("rights:portal_new"), {"student": linked.pk, "type": "access", "details": ""}
    )
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    assert request.received_via == "portal"
    assert request.requester_user == personas["parent"]
    body = client.get(reverse("rights:portal")).content.decode()
    due = due_date_for(request)
    assert due is not None
    assert due > timezone.localdate()
    assert f"{due:%-d %B %Y}" in body
    # The request is on the co-ordinator's register.
    register = login(personas["coordinator"]).get(REGISTER).content.decode()
    assert reverse("rights:detail", args=[request.pk]) in register


def test_the_portal_list_shows_only_your_own_requests(login, personas, linked, access_request):
    body = login(personas["parent"]).get(reverse("rights:portal"))
    assert "You have not made any requests" in body.content.decode()


def test_a_family_member_without_a_link_cannot_ask(login, personas, student):
    client = login(personas["parent"])
    assert client.get(reverse("rights:portal_new")).status_code == 403


def test_home_page_counts_overdue_requests(login, personas, access_request):
    body = login(personas["coordinator"]).get(reverse("core:home")).content.decode()
    assert reverse("rights:register") in body
    assert "1 overdue and 0 due within a week" in body
    body = login(personas["key_worker"]).get(reverse("core:home")).content.decode()
    assert reverse("rights:register") not in body


@pytest.mark.promise("P14")
def test_the_student_picker_lists_sealed_names_in_name_order(login, personas, county, student):
    """Names are ciphertext in the database, which cannot order them; the form does."""
    from seip.students.tests.test_student_views import _second_student

    _second_student(county, personas, first_name="Abel", last_name="Aardvark")
    body = login(personas["coordinator"]).get(reverse("rights:new")).content.decode()
    assert body.index("Aardvark, Abel") < body.index(f"{student.last_name}, {student.first_name}")
