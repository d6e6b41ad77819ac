"""Leavers (issue 18, ADR 0031): removing a role or closing an account ends its open
sessions on the next request, an account with no role left cannot sign in, unused
accounts are listed, and nothing a leaver recorded is lost (P13, P14)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from seip.accounts.invitations import membership_end, user_deactivate
from seip.accounts.models import Membership, Role, User
from seip.accounts.tests.test_sign_in import password_step
from seip.audit.models import AuditEvent
from seip.records import services as records

HOME = reverse("core:home")


@pytest.mark.promise("P14")
def test_a_removed_key_workers_open_session_is_refused_on_the_next_request(
    client, login, personas, active_case
):
    leaver = personas["key_worker"]
    note = records.note_add(
        student=active_case.student, kind="meeting",
        happened_on=active_case.student.created_at.date(), text="Met the family.",
        attachments=[], actor=leaver,
    )  # fmt: skip
    login(leaver)
    assert client.get(HOME).status_code == 200
    membership_end(membership=leaver.memberships.get(), actor=personas["coordinator"])
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    leaver.refresh_from_db()
    assert not leaver.is_active
    # nothing they recorded is lost
    note.refresh_from_db()
    assert note.author_id == leaver.pk
    event = AuditEvent.objects.get(action="membership.end")
    assert "@" not in str(event.detail)
    assert event.detail["closed"] is True


@pytest.mark.promise("P14")
def test_a_closed_accounts_session_ends_and_it_cannot_sign_in(client, login, personas):
    user = personas["school_contact"]
    login(user)
    assert client.get(HOME).status_code == 200
    user_deactivate(user=user, actor=personas["admin"])
    assert client.get(HOME).status_code == 302
    response = password_step(client, user)
    assert response.status_code == 200


def test_removing_one_of_two_roles_keeps_the_account_but_ends_sessions(
    client, login, personas, county
):
    user = personas["key_worker"]
    extra = Membership.objects.create(user=user, role=Role.SAFEGUARDING_LEAD, partnership=county.a)
    login(user)
    membership_end(membership=extra, actor=personas["coordinator"])
    assert client.get(HOME).status_code == 302  # signed out
    user.refresh_from_db()
    assert user.is_active
    assert user.roles == {Role.KEY_WORKER}


@pytest.mark.promise("P14")
def test_an_account_with_no_role_cannot_sign_in(client, personas):
    response = password_step(client, personas["nobody"])
    assert response.status_code == 200
    assert "no role in SEIP" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.promise("P13")
@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("key_worker", "safeguarding_lead"),  # not a co-ordinator
        ("coordinator", "dpo"),  # above what they may give
        ("coordinator", "coordinator"),  # themselves
        ("coordinator", "school_b"),  # another partnership's school
        ("dpo", "key_worker"),
    ],
)
def test_nobody_removes_a_role_they_could_not_give(personas, actor, target):
    with pytest.raises(PermissionDenied):
        membership_end(membership=personas[target].memberships.get(), actor=personas[actor])
    assert personas[target].memberships.exists()


def test_the_people_page_removes_roles_within_the_rule(client, login, personas):
    login(personas["coordinator"])
    page = client.get(reverse("accounts:people")).content.decode()
    assert "Key Worker Person" in page
    dpo = personas["dpo"].memberships.get()
    assert client.post(reverse("accounts:membership_end", args=[dpo.pk])).status_code == 404
    key_worker = personas["key_worker"].memberships.get()
    assert client.post(reverse("accounts:membership_end", args=[key_worker.pk])).status_code == 302
    assert not Membership.objects.filter(pk=key_worker.pk).exists()
    # only an administrator closes an account
    target = personas["safeguarding_lead"]
    assert client.post(reverse("accounts:user_deactivate", args=[target.pk])).status_code == 403


def test_unused_accounts_are_listed_by_the_command_and_on_the_people_page(client, login, personas):
    stale = personas["key_worker"]
    User.objects.filter(pk=stale.pk).update(last_login=timezone.now() - dt.timedelta(days=91))
    User.objects.exclude(pk=stale.pk).update(last_login=timezone.now())
    out = StringIO()
    call_command("accounts", "unused", "--days", "90", stdout=out, stderr=StringIO())
    assert out.getvalue().splitlines() == [
        f"{stale.email}\t{(timezone.now() - dt.timedelta(days=91)).date().isoformat()}\tkey_worker"
    ]
    login(personas["coordinator"])
    page = client.get(reverse("accounts:people")).content.decode()
    assert "not used for 90 days" in page
