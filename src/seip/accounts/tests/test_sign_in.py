import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from seip.accounts.services import backup_codes_issue
from seip.accounts.tests.factories import PASSWORD
from seip.audit.models import AuditEvent

SIGN_IN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")


def password_step(client, user, password=PASSWORD):
    return client.post(SIGN_IN, {"email": user.email, "password": password})


def current_code(device: TOTPDevice) -> str:
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
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
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
    assert "Enter a correct security code" in response.content.decode()


@pytest.mark.promise("P14")
def test_wrong_code_keeps_user_out_of_staff_pages(client, personas):
    user = personas["coordinator"]
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(client, user)
    client.post(VERIFY, {"token": "000000"})
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response.url == VERIFY


@pytest.mark.promise("P14")
def test_staff_without_a_device_must_set_one_up(client, personas):
    user = personas["key_worker"]
    password_step(client, user)
    response = client.get(VERIFY)
    assert response.url == reverse("accounts:setup")
    page = client.get(reverse("accounts:setup"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:setup"), {"token": current_code(device)})
    assert response.url == reverse("core:home")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:account")).status_code == 200


def test_setup_refuses_a_wrong_code(client, personas):
    user = personas["key_worker"]
    password_step(client, user)
    client.get(reverse("accounts:setup"))
    response = client.post(reverse("accounts:setup"), {"token": "12"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_family_needs_no_second_factor(client, personas):
    user = personas["parent"]
    password_step(client, user)
    response = client.get(VERIFY)
    assert response.url == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


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
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
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
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(client, user)
    body = client.post(VERIFY, {"token": ""}).content.decode()
    assert "Enter your security code" in body
