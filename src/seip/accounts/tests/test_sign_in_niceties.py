"""Sign-in as a new user meets it (issue 18): a link to a record lands on that record
through the security-code step, only on this site; typing the sign-out address shows a
button; the sign-in page sends a signed-in user on."""

import pytest
from django.urls import reverse

from seip.accounts.models import AuthenticatorDevice
from seip.accounts.tests.factories import PASSWORD
from seip.accounts.tests.test_sign_in import current_code

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")


def test_a_link_to_a_record_lands_on_that_record(client, personas, active_case):
    user = personas["key_worker"]
    device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    target = reverse("students:detail", args=[active_case.student.pk])
    first = client.get(target)
    assert first.status_code == 302
    login_url = first.url
    assert login_url.startswith(LOGIN)
    step = client.post(login_url, {"email": user.email, "password": PASSWORD})
    assert step.url.startswith(VERIFY)
    assert "next=" in step.url
    done = client.post(step.url, {"token": current_code(device)})
    assert done.url == target


@pytest.mark.promise("P14")
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_never_leads_off_site(client, personas, target):
    user = personas["key_worker"]
    device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    step = client.post(f"{LOGIN}?next={target}", {"email": user.email, "password": PASSWORD})
    assert step.url == VERIFY
    done = client.post(f"{VERIFY}?next={target}", {"token": current_code(device)})
    assert done.url == reverse("core:home")


def test_typing_the_sign_out_address_shows_a_button(client, login, personas):
    login(personas["coordinator"])
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200
    assert "Sign out" in page.content.decode()
    assert client.get(reverse("core:home")).status_code == 200  # a GET signs nobody out
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_the_sign_in_page_sends_a_signed_in_user_home(client, login, personas):
    login(personas["coordinator"])
    assert client.get(LOGIN).url == reverse("core:home")
    login(personas["dpo"], second_factor=False)
    assert client.get(LOGIN).url == VERIFY
