import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from seip.accounts.models import Membership, Role
from seip.accounts.services import membership_grant
from seip.audit.models import AuditEvent


def test_account_page_lists_memberships(login, personas):
    body = login(personas["school_contact"]).get(reverse("accounts:account")).content.decode()
    assert "School contact" in body
    assert "Alpha Academy" in body


def test_account_page_for_a_user_without_roles(login, personas):
    body = login(personas["nobody"]).get(reverse("accounts:account")).content.decode()
    assert "You have no roles yet" in body


def test_anonymous_cannot_see_account(client, db):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302


def test_grant_audits_once(personas, county):
    user = personas["nobody"]
    membership_grant(user=user, role=Role.KEY_WORKER, partnership=county.a, actor=personas["admin"])
    membership_grant(user=user, role=Role.KEY_WORKER, partnership=county.a, actor=personas["admin"])
    assert Membership.objects.filter(user=user).count() == 1
    assert (
        AuditEvent.objects.filter(action="membership.grant", actor=personas["admin"]).count() == 1
    )


@pytest.mark.parametrize(
    ("role", "where"),
    [
        (Role.SCHOOL_CONTACT, "agency"),
        (Role.COORDINATOR, "agency"),
        (Role.LA_OFFICER, "school"),
        (Role.SYSTEM_ADMIN, "partnership"),
        (Role.PARENT_CARER, "school"),
    ],
)
def test_grant_refuses_a_role_in_the_wrong_place(personas, county, role, where):
    place = {
        "agency": {"organisation": county.agency},
        "school": {"organisation": county.school_a.organisation},
        "partnership": {"partnership": county.a},
    }[where]
    with pytest.raises(ValidationError):
        membership_grant(user=personas["nobody"], role=role, actor=None, **place)
    assert not Membership.objects.filter(user=personas["nobody"]).exists()
