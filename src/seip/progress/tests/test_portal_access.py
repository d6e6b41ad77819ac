"""Portal access only for a family on the student's contact list, only from the
co-ordinator or the student's own key worker, and the form tells nobody who has an
account (security review, low finding)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.progress.models import PortalLink
from seip.progress.services import PORTAL_REFUSAL
from seip.records.tests.factories import ContactFactory

REFUSAL = escape(PORTAL_REFUSAL)


def grant(client, student, email, relationship="parent_carer"):
    return client.post(
        reverse("progress:portal_access", args=[student.pk]),
        {"email": email, "relationship": relationship, "parental_responsibility": "on"},
    )


@pytest.fixture
def other_key_worker(county):
    user = UserFactory(email="other.kw@seip.test")
    Membership.objects.create(user=user, role=Role.KEY_WORKER, partnership=county.a)
    return user


@pytest.mark.promise("P14")
def test_a_key_worker_without_the_case_cannot_give_portal_access(
    active_case, personas, login, other_key_worker
):
    student = active_case.student
    ContactFactory(student=student, email=personas["parent"].email)
    client = login(other_key_worker)
    assert grant(client, student, personas["parent"].email).status_code == 403
    assert not PortalLink.objects.exists()


@pytest.mark.promise("P14")
def test_an_account_not_on_the_contact_list_is_refused(active_case, personas, login):
    client = login(personas["key_worker"])
    response = grant(client, active_case.student, personas["parent"].email)
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not PortalLink.objects.exists()


@pytest.mark.promise("P14")
def test_a_staff_account_gets_no_portal_access_even_on_the_contact_list(
    active_case, personas, login
):
    staff = personas["school_b"]
    ContactFactory(student=active_case.student, email=staff.email)
    response = grant(login(personas["key_worker"]), active_case.student, staff.email)
    assert REFUSAL in response.content.decode()
    assert not PortalLink.objects.exists()


@pytest.mark.promise("P14")
def test_the_form_does_not_tell_whether_an_email_has_an_account(active_case, personas, login):
    client = login(personas["key_worker"])
    ContactFactory(student=active_case.student, email="no.account@family.test")
    unknown = grant(client, active_case.student, "no.account@family.test")
    known = grant(client, active_case.student, personas["coordinator"].email)
    for response in (unknown, known):
        assert REFUSAL in response.content.decode()
    assert "There is no SEIP account" not in unknown.content.decode()


def test_the_key_worker_gives_a_parent_on_the_contact_list_access(active_case, personas, login):
    parent = personas["parent"]
    ContactFactory(student=active_case.student, email=parent.email.upper())
    response = grant(login(personas["key_worker"]), active_case.student, parent.email)
    assert response.status_code == 302
    assert PortalLink.objects.get().user == parent
