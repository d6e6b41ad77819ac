"""Forgotten passwords (issue 18, ADR 0031): Django's reset tokens by email, the same
page and the same work whether or not the address has an account, a limit per address,
and a new password never skips the second factor (P14)."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seip.accounts.models import AuthenticatorDevice
from seip.accounts.tests.test_sign_in import password_step
from seip.accounts.throttle import RESET_PER_EMAIL
from seip.audit.models import AuditEvent

RESET = reverse("accounts:password_reset")
NEW = "plum kettle orbit 42 lantern"


def ask(client, email):
    return client.post(RESET, {"email": email})


def _shape(response) -> tuple[int, str]:
    return response.status_code, response.headers.get("Location", "")


@pytest.mark.promise("P14")
def test_an_unknown_email_looks_and_works_the_same_as_a_known_one(client, personas, settings):
    """The attack: learn who has an account from the answer or from its timing. The
    request does the same queries either way; only the background task differs."""
    ask(client, "first.try@example.test")  # the client address's counter now exists
    with CaptureQueriesContext(connection) as known_queries:
        known = ask(client, personas["key_worker"].email)
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = ask(client, "nobody.here@example.test")
    assert _shape(known) == _shape(unknown) == (302, reverse("accounts:password_reset_done"))
    assert len(known_queries) == len(unknown_queries)
    tables = [re.findall(r'FROM "(\w+)"', q["sql"]) for q in known_queries.captured_queries]
    assert not any("accounts_user" in t for t in tables), "the request looked the user up"
    done = client.get(reverse("accounts:password_reset_done")).content.decode()
    assert "If the address you entered has an SEIP account" in done
    assert mail.outbox == []  # nothing is sent in the request itself


@pytest.mark.promise("P14")
def test_the_link_sets_a_password_but_not_the_second_factor(client, personas, immediate_tasks):
    user = personas["key_worker"]
    AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    ask(client, user.email)
    ask(client, "nobody.here@example.test")
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    [path] = re.findall(r"https?://[^/]+(/sign-in/reset/\S+)", body)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    url = form.redirect_chain[-1][0] if form.redirect_chain else path
    weak = client.post(url, {"new_password1": "password1234", "new_password2": "password1234"})
    assert "govuk-error-summary" in weak.content.decode()
    done = client.post(url, {"new_password1": NEW, "new_password2": NEW})
    assert done.url == reverse("accounts:password_reset_complete")
    # not signed in: the home page still asks for sign-in, then the security code
    assert client.get(reverse("core:home")).status_code == 302
    assert password_step(client, user, NEW).url.startswith(reverse("accounts:verify"))
    assert client.get(reverse("core:home")).url.startswith(reverse("accounts:verify"))
    # the link is used up
    again = client.get(path, follow=True)
    assert "This reset link cannot be used" in again.content.decode()
    assert AuditEvent.objects.filter(action="auth.password_reset", object_id=str(user.pk)).exists()


def test_requests_past_the_limit_send_nothing_and_say_the_same(client, personas, immediate_tasks):
    email = personas["key_worker"].email
    answers = {_shape(ask(client, email)) for _ in range(RESET_PER_EMAIL + 2)}
    assert len(answers) == 1
    assert len(mail.outbox) == RESET_PER_EMAIL


def test_a_pending_invitee_or_closed_account_gets_no_link(client, personas, immediate_tasks):
    user = personas["key_worker"]
    user.is_active = False
    user.save()
    ask(client, user.email)
    assert mail.outbox == []
