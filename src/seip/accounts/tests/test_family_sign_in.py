"""Families can download a child's whole record, so a password alone is not enough: they
pass a code sent to their email address (P14, ADR 0024)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from seip.accounts.tests.test_sign_in import password_step
from seip.audit.models import AuditEvent

VERIFY = reverse("accounts:verify")


def emailed_code() -> str:
    match = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert match
    return match.group(1)


@pytest.mark.promise("P14")
@pytest.mark.parametrize("persona", ["parent", "student"])
def test_a_family_password_alone_opens_nothing(client, personas, persona):
    password_step(client, personas[persona])
    for name in ("core:home", "progress:portal", "accounts:account"):
        assert client.get(reverse(name)).url == VERIFY


@pytest.mark.promise("P14")
def test_the_emailed_code_signs_a_parent_in_once(client, personas):
    parent = personas["parent"]
    password_step(client, parent)
    page = client.get(VERIFY)
    assert "Enter the code from your email" in page.content.decode()
    [email] = mail.outbox
    assert email.to == [parent.email]
    code = emailed_code()
    assert client.post(VERIFY, {"token": code}).url == reverse("core:home")
    assert client.get(reverse("progress:portal")).status_code == 200
    assert AuditEvent.objects.filter(actor=parent, action="auth.second_factor").exists()
    client.post(reverse("accounts:logout"))
    password_step(client, parent)
    client.get(VERIFY)
    response = client.post(VERIFY, {"token": code})
    assert response.status_code == 200
    assert "Enter the code from the newest email" in response.content.decode()


def test_a_wrong_code_is_refused_and_a_new_one_can_be_sent(client, personas):
    password_step(client, personas["parent"])
    client.get(VERIFY)
    first = emailed_code()
    wrong = f"{(int(first) + 1) % 1_000_000:06d}"
    assert client.post(VERIFY, {"token": wrong}).status_code == 200
    client.post(VERIFY, {"resend": "1"})
    assert len(mail.outbox) == 2
    assert emailed_code() != first or len(mail.outbox) == 2


def test_reloading_the_page_does_not_send_another_email(client, personas):
    password_step(client, personas["student"])
    client.get(VERIFY)
    client.get(VERIFY)
    assert len(mail.outbox) == 1
