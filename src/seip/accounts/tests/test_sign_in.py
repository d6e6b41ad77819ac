import pytest
from django.urls import reverse
from django_otp.oath import totp

from seip.accounts.models import AuthenticatorDevice
from seip.accounts.services import backup_codes_issue
from seip.accounts.tests.factories import PASSWORD
from seip.audit.models import AuditEvent

SIGN_IN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")


def password_step(client, user, password=PASSWORD):
    return client.post(SIGN_IN, {"email": user.email, "password": password})


def current_code(device: AuthenticatorDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def test_wrong_password_shows_one_message_and_signs_nobody_in(client, personas):
    response = password_step(client, personas["coordinator"], "not the password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a correct email address and password." in body
    assert "govuk-error-summary" in body
    assert "_auth_user_id" not in client.session


def test_empty_form_names_each_missing_field(client, db):
    body = client.post(SIGN_IN, {}).content.decode()
    assert 'href="#id_email"' in body
    assert 'href="#id_password"' in body
    assert "govuk-input--error" in body


@pytest.mark.promise("P14")
def test_password_then_totp_reaches_home(client, personas):
    user = personas["coordinator"]
    device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    assert password_step(client, user).url == VERIFY
    response = client.post(VERIFY, {"token": current_code(device)})
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    home = client.get(reverse("core:home"))
    assert "Alpha Vale SEIP" in home.content.decode()
    assert AuditEvent.objects.filter(actor=user, action="auth.second_factor").exists()


@pytest.mark.promise("P14")
def test_backup_code_works_once(client, personas):
    user = personas["dpo"]
    codes = backup_codes_issue(user=user, count=2, actor=None)
    password_step(client, user)
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client, user)
    response = client.post(VERIFY, {"token": codes[0]})
    assert response.status_code == 200
    assert "That backup code has already been used" in response.content.decode()
    response = client.post(VERIFY, {"token": "12345678"})
    assert "Enter a correct security code" in response.content.decode()


@pytest.mark.promise("P14")
def test_wrong_code_keeps_user_out_of_staff_pages(client, personas):
    user = personas["coordinator"]
    AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(client, user)
    client.post(VERIFY, {"token": "000000"})
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response.url == VERIFY


def test_passwords_are_hashed_with_argon2(settings, db):
    from seip.accounts.services import user_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = user_create(
        email="New@Seip.Test", full_name="New Person", password="a long passphrase", actor=None
    )
    assert user.password.startswith("argon2")
    assert user.email == "new@seip.test"


def test_password_alone_reveals_neither_partnership_nor_menu(client, personas):
    user = personas["coordinator"]
    AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(client, user)
    body = client.get(VERIFY).content.decode()
    assert "Alpha Vale SEIP" not in body
    assert "Your account" not in body


def test_next_is_followed_only_within_the_site(client, personas):
    user = personas["coordinator"]
    codes = backup_codes_issue(user=user, count=2, actor=None)
    password_step(client, user)
    response = client.post(f"{VERIFY}?next=https://evil.example/", {"token": codes[0]})
    assert response.url == reverse("core:home")
    client.post(reverse("accounts:logout"))
    password_step(client, user)
    response = client.post(f"{VERIFY}?next=/account/", {"token": codes[1]})
    assert response.url == "/account/"


def test_empty_code_gets_a_govuk_message(client, personas):
    user = personas["coordinator"]
    AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(client, user)
    body = client.post(VERIFY, {"token": ""}).content.decode()
    assert "Enter your security code" in body
