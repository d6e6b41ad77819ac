"""Invitations bring people in (issue 18, ADR 0031): one rule says who may give which
role where, the link works once, expires and can be withdrawn, and accepting it sets a
checked password and an authenticator app with backup codes shown once (P14)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from seip.accounts.invitations import (
    invitation_accept,
    invitation_find,
    invitation_send,
    invitations_for,
    invite_options,
    may_invite,
)
from seip.accounts.models import (
    AuthenticatorDevice,
    BackupCode,
    EnrolmentPurpose,
    EnrolmentToken,
    Role,
    User,
)
from seip.accounts.tests.test_sign_in import current_code
from seip.audit.models import AuditEvent
from seip.organisations.models import OrganisationType
from seip.organisations.tests.factories import OrganisationFactory

SITE = "https://seip.test"
GOOD_PASSWORD = "plum kettle orbit 42 lantern"


def invite(actor, county, role=Role.KEY_WORKER, email="new.person@seip.test", **place):
    if not place:
        place = {"partnership": county.a}
    return invitation_send(
        email=email, full_name="New Person", role=role, site=SITE, actor=actor, **place
    )


def link_from_email() -> str:
    [url] = re.findall(r"https://seip\.test(/\S+)", mail.outbox[-1].body)
    return url


# --- who may invite whom: the one rule, as a table ---------------------------------------

# (inviter, role, place) -> allowed. Places: "a"/"b" partnerships; organisations by name.
RULE = [
    ("coordinator", Role.KEY_WORKER, "a", True),
    ("coordinator", Role.SAFEGUARDING_LEAD, "a", True),
    ("coordinator", Role.KEY_WORKER, "b", False),  # another partnership
    ("coordinator", Role.COORDINATOR, "a", False),  # above their own
    ("coordinator", Role.DPO, "a", False),
    ("coordinator", Role.SYSTEM_ADMIN, "a", False),
    ("coordinator", Role.SCHOOL_CONTACT, "school_a", True),
    ("coordinator", Role.SCHOOL_CONTACT, "school_b", False),  # registered with B only
    ("coordinator", Role.PROVIDER_CONTACT, "provider", True),
    ("coordinator", Role.AGENCY_CONTACT, "agency", True),
    ("coordinator", Role.SCHOOL_CONTACT, "agency", False),  # wrong kind of place
    ("coordinator", Role.LA_OFFICER, "council", False),
    ("coordinator", Role.PARENT_CARER, "a", False),  # only from a child's record
    ("coordinator", Role.KEY_WORKER, "provider", False),
    ("admin", Role.COORDINATOR, "a", True),
    ("admin", Role.COORDINATOR, "b", True),
    ("admin", Role.DPO, "b", True),
    ("admin", Role.LA_OFFICER, "council", True),
    ("admin", Role.LA_OFFICER, "provider", False),
    ("admin", Role.COORDINATOR, "provider", False),
    ("admin", Role.KEY_WORKER, "a", False),  # the co-ordinator builds their team
    ("admin", Role.SYSTEM_ADMIN, "a", False),
    ("key_worker", Role.KEY_WORKER, "a", False),
    ("dpo", Role.KEY_WORKER, "a", False),
    ("safeguarding_lead", Role.KEY_WORKER, "a", False),
    ("school_contact", Role.SCHOOL_CONTACT, "school_a", False),
    ("la_officer", Role.LA_OFFICER, "council", False),
    ("parent", Role.PARENT_CARER, "a", False),
    ("nobody", Role.KEY_WORKER, "a", False),
]


def _place(county, name):
    if name in ("a", "b"):
        return {"partnership": getattr(county, name)}
    organisation = {
        "school_a": county.school_a.organisation,
        "school_b": county.school_b.organisation,
    }.get(name) or getattr(county, name)
    return {"organisation": organisation}


@pytest.mark.promise("P13")
@pytest.mark.parametrize(("inviter", "role", "place", "allowed"), RULE)
def test_who_may_invite_whom(personas, county, inviter, role, place, allowed):
    actor = personas[inviter]
    assert may_invite(actor, role, **_place(county, place)) is allowed
    if allowed:
        assert invite(actor, county, role, **_place(county, place)) is not None
    else:
        with pytest.raises(PermissionDenied):
            invite(actor, county, role, **_place(county, place))
        assert not User.objects.filter(email="new.person@seip.test").exists()


def test_the_form_offers_exactly_what_the_rule_allows(personas, county):
    offered = dict(invite_options(personas["coordinator"]))
    assert f"key_worker:p:{county.a.pk}" in offered
    assert f"key_worker:p:{county.b.pk}" not in offered
    assert not any(value.startswith(("coordinator:", "dpo:")) for value in offered)
    assert invite_options(personas["key_worker"]) == []


@pytest.mark.promise("P13")
def test_a_forged_form_cannot_give_a_higher_role_or_another_partnership(
    client, login, personas, county
):
    login(personas["coordinator"])
    url = reverse("accounts:invite")
    for place in (
        f"coordinator:p:{county.a.pk}",
        f"key_worker:p:{county.b.pk}",
        "system_admin:p:1",
    ):
        response = client.post(url, {"full_name": "Eve", "email": "eve@seip.test", "place": place})
        assert response.status_code == 200
        assert "Choose a role from the list" in response.content.decode()
    assert not User.objects.filter(email="eve@seip.test").exists()
    login(personas["key_worker"])
    assert client.get(url).status_code == 403


# --- the link ------------------------------------------------------------------------------


@pytest.mark.promise("P14")
def test_invitation_sets_password_then_authenticator_then_backup_codes_once(
    client, personas, county
):
    invitation = invite(personas["coordinator"], county)
    user = invitation.user
    assert not user.is_active
    assert not user.has_usable_password()
    message = mail.outbox[-1]
    assert message.to == ["new.person@seip.test"]
    url = link_from_email()
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(list(EnrolmentToken.objects.values_list()))
    # a pending invitee is inactive: it cannot sign in
    user.set_password(GOOD_PASSWORD)  # even if a password were somehow set
    user.save()
    client.post(reverse("accounts:login"), {"email": user.email, "password": GOOD_PASSWORD})
    assert "_auth_user_id" not in client.session
    user.set_unusable_password()
    user.save()

    page = client.get(url)
    assert page.status_code == 200
    # a weak or common password is refused with Django's validators
    for weak in ("password1234", "new.person@seip.test", "12345678901234"):
        response = client.post(url, {"password1": weak, "password2": weak})
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
    response = client.post(url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.url == reverse("accounts:setup")
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(GOOD_PASSWORD)
    client.get(reverse("accounts:setup"))
    device = AuthenticatorDevice.objects.get(user=user, confirmed=False)
    codes_page = client.post(reverse("accounts:setup"), {"token": current_code(device)})
    assert codes_page.status_code == 200
    assert BackupCode.objects.filter(device__user=user).count() == 5
    assert client.get(reverse("core:home")).status_code == 200
    # used: the link is refused with a clear page
    again = client.get(url)
    assert again.status_code == 404
    assert "This invitation cannot be used" in again.content.decode()
    actions = set(
        AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True)
    )
    assert {"invitation.send", "invitation.accept", "enrolment.redeem"} <= actions
    for event in AuditEvent.objects.filter(action__startswith="invitation."):
        assert "@" not in str(event.detail)


def test_the_email_names_no_child_and_no_one_else(personas, county):
    invite(personas["coordinator"], county)
    body = mail.outbox[-1].body
    assert "Coordinator Person" not in body
    assert "Alpha" not in body


@pytest.mark.promise("P14")
@pytest.mark.parametrize("state", ["expired", "revoked", "resent", "unknown"])
def test_a_dead_link_is_refused_with_a_clear_page(client, login, personas, county, state):
    coordinator = personas["coordinator"]
    invitation = invite(coordinator, county)
    url = link_from_email()
    if state == "expired":
        invitation.expires_at = timezone.now() - dt.timedelta(seconds=1)
        invitation.save()
    elif state == "unknown":
        url = reverse("accounts:invitation", args=["x" * 43])
    else:
        login(coordinator)
        action = (
            "accounts:invitation_revoke" if state == "revoked" else "accounts:invitation_resend"
        )
        assert client.post(reverse(action, args=[invitation.pk])).status_code == 302
        client.logout()
    response = client.get(url)
    assert response.status_code == 404
    assert "This invitation cannot be used" in response.content.decode()
    response = client.post(url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 404
    invitation.user.refresh_from_db()
    assert not invitation.user.is_active


def test_accepting_a_link_twice_in_a_race_is_refused(personas, county):
    invitation = invite(personas["coordinator"], county)
    invitation_accept(invitation=invitation, password=GOOD_PASSWORD)
    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, password="another good pass 99")


def test_an_invitation_is_not_a_set_up_link_nor_the_reverse(client, personas, county):
    invite(personas["coordinator"], county)
    token = link_from_email().rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("accounts:enrol", args=[token])).status_code == 404
    assert invitation_find(token) is not None


def test_people_page_lists_resends_and_revokes(client, login, personas, county):
    coordinator = personas["coordinator"]
    invitation = invite(coordinator, county)
    login(coordinator)
    page = client.get(reverse("accounts:people")).content.decode()
    assert "New Person" in page
    assert "Invitations not yet accepted" in page
    client.post(reverse("accounts:invitation_resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    newest = EnrolmentToken.objects.filter(
        user=invitation.user, purpose=EnrolmentPurpose.INVITATION
    ).first()
    assert newest.is_live
    assert newest.pk != invitation.pk
    page = client.get(reverse("accounts:people")).content.decode()
    assert page.count('<td class="govuk-table__cell">New Person</td>') == 1
    # another partnership's co-ordinator sees and touches none of it
    other = User.objects.create_user("coordinator.b@seip.test", "x", full_name="B Co")
    other.memberships.create(role=Role.COORDINATOR, partnership=county.b)
    login(other)
    assert "New Person" not in client.get(reverse("accounts:people")).content.decode()
    assert client.post(reverse("accounts:invitation_revoke", args=[newest.pk])).status_code == 404


def test_the_administrator_lists_only_the_invitations_they_may_change(
    client, login, personas, county
):
    # The administrator gives county roles; a key worker's invitation is the
    # co-ordinator's. Listing it with buttons that then answer 403 promised an action the
    # rule refuses.
    key_worker = invite(personas["coordinator"], county, email="kim@seip.test")
    coordinator = invite(personas["admin"], county, Role.COORDINATOR, email="cas@seip.test")
    assert set(invitations_for(personas["admin"])) == {coordinator}
    assert set(invitations_for(personas["coordinator"])) == {key_worker}
    login(personas["admin"])
    page = client.get(reverse("accounts:people")).content.decode()
    assert "cas@seip.test" in page
    assert "kim@seip.test" not in page
    revoke = reverse("accounts:invitation_revoke", args=[key_worker.pk])
    assert client.post(revoke).status_code == 404


def test_an_existing_account_gets_the_role_at_once_and_no_link(personas, county):
    school_a = county.school_a.organisation
    assert (
        invite(
            personas["coordinator"],
            county,
            Role.SCHOOL_CONTACT,
            email=personas["school_b"].email,
            organisation=school_a,
        )
        is None
    )
    assert personas["school_b"].memberships.filter(organisation=school_a).exists()
    assert "new role" in mail.outbox[-1].subject


def test_a_family_account_cannot_be_given_a_staff_role(personas, county):
    with pytest.raises(ValidationError):
        invite(personas["coordinator"], county, email=personas["parent"].email)


def test_an_admin_invites_an_la_officer_only_to_a_council(personas, county):
    other_council = OrganisationFactory(name="Other LA", type=OrganisationType.LOCAL_AUTHORITY)
    assert invite(personas["admin"], county, Role.LA_OFFICER, organisation=other_council)
