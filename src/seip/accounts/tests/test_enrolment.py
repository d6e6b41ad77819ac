"""A second factor is added only with a one-time link and the password, or when already
fully signed in: never with a stolen password alone (P14, security review finding 1)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import AuthenticatorDevice, EnrolmentToken, Membership, Role
from seip.accounts.services import backup_codes_issue, enrolment_link_issue
from seip.accounts.tests.factories import PASSWORD, UserFactory
from seip.accounts.tests.test_sign_in import current_code, password_step
from seip.audit.models import AuditEvent

VERIFY = reverse("accounts:verify")
SETUP = reverse("accounts:setup")


def enrol_url(token: str) -> str:
    return reverse("accounts:enrol", args=[token])


@pytest.mark.promise("P14")
def test_a_stolen_password_cannot_enrol_an_authenticator(client, personas):
    """The attack: a staff account with no usable second factor, and its password."""
    victim = personas["key_worker"]
    password_step(client, victim)
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert "Ask for a set-up link" in page.content.decode()
    assert client.get(SETUP).url == VERIFY
    assert client.post(SETUP, {"token": "123456"}).url == VERIFY
    assert not AuthenticatorDevice.objects.filter(user=victim).exists()
    assert client.get(reverse("accounts:account")).url == VERIFY


@pytest.mark.promise("P14")
def test_used_up_backup_codes_do_not_open_set_up(client, personas):
    victim = personas["dpo"]
    [code] = backup_codes_issue(user=victim, count=1, actor=None)
    password_step(client, victim)
    assert client.post(VERIFY, {"token": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client, victim)
    assert "Ask for a set-up link" in client.get(VERIFY).content.decode()
    assert client.get(SETUP).url == VERIFY


@pytest.mark.promise("P14")
def test_link_and_password_set_up_an_authenticator_once(client, personas):
    user = personas["key_worker"]
    lost = AuthenticatorDevice.objects.create(user=user, name="lost phone", confirmed=True)
    token = enrolment_link_issue(user=user, actor=personas["admin"])
    assert token not in str(list(EnrolmentToken.objects.values_list()))
    assert client.get(enrol_url(token)).status_code == 200
    assert client.post(enrol_url(token), {"password": PASSWORD}).url == SETUP
    assert client.get(SETUP).status_code == 200
    device = AuthenticatorDevice.objects.get(user=user, confirmed=False)
    page = client.post(SETUP, {"token": current_code(device)})
    assert page.status_code == 200
    assert "Your backup codes" in page.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert not AuthenticatorDevice.objects.filter(pk=lost.pk).exists()
    assert client.get(reverse("accounts:account")).status_code == 200
    assert EnrolmentToken.objects.get().used_at is not None
    assert AuditEvent.objects.filter(action="enrolment.redeem", actor=user).exists()
    client.post(reverse("accounts:logout"))
    assert client.get(enrol_url(token)).status_code == 404


@pytest.mark.promise("P14")
def test_link_without_the_password_is_not_enough(client, personas):
    user = personas["key_worker"]
    token = enrolment_link_issue(user=user, actor=personas["admin"])
    response = client.post(enrol_url(token), {"password": "a guess at the password"})
    assert response.status_code == 200
    assert "Enter a correct email address and password." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(SETUP).status_code == 302


@pytest.mark.promise("P14")
def test_password_for_one_link_does_not_open_set_up_through_another_session(client, personas):
    user = personas["key_worker"]
    token = enrolment_link_issue(user=user, actor=personas["admin"])
    client.post(enrol_url(token), {"password": PASSWORD})
    # A newer link replaces the old one: the half-finished set-up stops too.
    enrolment_link_issue(user=user, actor=personas["admin"])
    assert client.get(SETUP).url == VERIFY
    assert client.get(enrol_url(token)).status_code == 404


def test_an_expired_link_is_refused(client, personas):
    token = enrolment_link_issue(user=personas["key_worker"], actor=personas["admin"])
    EnrolmentToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(enrol_url(token)).status_code == 404
    assert "cannot be used" in client.get(enrol_url(token)).content.decode()


def test_who_may_issue_a_link(personas, county):
    coordinator, key_worker = personas["coordinator"], personas["key_worker"]
    enrolment_link_issue(user=key_worker, actor=coordinator)
    enrolment_link_issue(user=personas["school_contact"], actor=personas["admin"])
    other = UserFactory()
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.b)
    refused = [
        (other, coordinator),  # another partnership's team
        (coordinator, key_worker),  # a key worker is not a co-ordinator
        (coordinator, coordinator),  # never for oneself
        (personas["school_contact"], coordinator),  # not on the partnership team
        (personas["parent"], personas["admin"]),  # families sign in with emailed codes
    ]
    for user, actor in refused:
        with pytest.raises(PermissionDenied):
            enrolment_link_issue(user=user, actor=actor)
    assert AuditEvent.objects.filter(action="enrolment.issue").count() == 2


def test_coordinator_issues_a_link_from_the_people_page(login, personas):
    client = login(personas["coordinator"])
    page = client.get(reverse("accounts:people")).content.decode()
    assert personas["key_worker"].full_name in page
    # The school contact's role may be removed there (ADR 0031), but no set-up link
    # is offered for them.
    outsider = reverse("accounts:enrolment_link", args=[personas["school_contact"].pk])
    assert outsider not in page
    url = reverse("accounts:enrolment_link", args=[personas["key_worker"].pk])
    body = client.post(url).content.decode()
    assert "/sign-in/set-up/" in body
    assert client.post(outsider).status_code == 404


def test_the_command_prints_a_link_for_an_administrator(personas, capsys):
    call_command(
        "accounts", "enrolment-link", personas["dpo"].email, "--by", personas["admin"].email
    )
    assert "/sign-in/set-up/" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not a system administrator"):
        call_command(
            "accounts",
            "enrolment-link",
            personas["dpo"].email,
            "--by",
            personas["coordinator"].email,
        )
    with pytest.raises(CommandError, match="No active user"):
        call_command("accounts", "enrolment-link", "no@one.test", "--by", personas["admin"].email)


@pytest.mark.promise("P14")
def test_a_signed_in_user_with_backup_codes_can_add_an_authenticator(client, personas):
    user = personas["coordinator"]
    codes = backup_codes_issue(user=user, count=2, actor=None)
    password_step(client, user)
    client.post(VERIFY, {"token": codes[0]})
    assert client.get(SETUP).status_code == 200
    device = AuthenticatorDevice.objects.get(user=user, confirmed=False)
    assert client.post(SETUP, {"token": current_code(device)}).url == reverse("accounts:account")
    device.refresh_from_db()
    assert device.confirmed


def test_new_backup_codes_from_the_account_page_replace_the_old(client, personas):
    user = personas["coordinator"]
    old = backup_codes_issue(user=user, count=2, actor=None)
    password_step(client, user)
    client.post(VERIFY, {"token": old[0]})
    body = client.post(reverse("accounts:backup_codes")).content.decode()
    assert "You will not be shown these codes again" in body
    client.post(reverse("accounts:logout"))
    password_step(client, user)
    assert client.post(VERIFY, {"token": old[1]}).status_code == 200
