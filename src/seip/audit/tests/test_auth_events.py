"""Sign-in, sign-out, failed sign-in and lockout reach the audit trail, identifying no one
who did not sign in (P14)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from seip.accounts.models import AuthenticatorDevice
from seip.accounts.tests.factories import PASSWORD
from seip.accounts.tests.test_sign_in import current_code, password_step
from seip.audit.models import AnonymousEvent, AuditEvent
from seip.audit.selectors import verify

pytestmark = pytest.mark.promise("P14")

SIGN_IN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
SIGN_OUT = reverse("accounts:logout")
STRANGER = "Someone.Else@Example.org"
TYPED_PASSWORD = "Tr0ub4dor&3-typed-in-the-wrong-box"


def audit_table_text() -> str:
    """Every stored value of every audit event, chained or anonymous, as one lower-case
    string."""
    text = []
    for model in (AuditEvent, AnonymousEvent):
        fields = [field.attname for field in model._meta.concrete_fields]
        text.append(str(list(model.objects.values_list(*fields))))
    return " ".join(text).lower()


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_sign_in_second_factor_and_sign_out_are_recorded_in_order(client, personas):
    user = personas["coordinator"]
    device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
    before = AuditEvent.objects.count()
    password_step(client, user)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    assert client.post(VERIFY, {"token": wrong}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait after a failure
    assert client.post(VERIFY, {"token": current_code(device)}).status_code == 302
    assert client.post(SIGN_OUT).status_code == 302
    assert actions()[before:] == [
        "auth.login",
        "auth.second_factor_failed",
        "auth.second_factor",
        "auth.logout",
    ]
    assert wrong not in audit_table_text()
    logout = AuditEvent.objects.get(action="auth.logout")
    assert logout.actor_id == user.pk
    assert (logout.object_type, logout.object_id) == ("accounts.user", str(user.pk))
    assert verify().ok


def test_signing_out_without_a_session_records_nothing(client, db):
    assert client.post(SIGN_OUT).status_code == 302
    assert not AuditEvent.objects.filter(action="auth.logout").exists()


def test_a_failed_sign_in_leaves_the_typed_address_nowhere_in_the_audit(client, db):
    response = client.post(SIGN_IN, {"email": STRANGER, "password": TYPED_PASSWORD})
    assert response.status_code == 200
    # Off the chain (anyone can cause it, as often as they like), and naming no one.
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()
    event = AnonymousEvent.objects.get(action="auth.login_failed")
    assert (event.object_type, event.object_id, event.detail) == ("", "", {})
    # Axes did receive the address, so the receiver had it in hand and left it out.
    assert AccessAttempt.objects.filter(username=STRANGER.lower()).exists()
    text = audit_table_text()
    for secret in (STRANGER.lower(), "someone.else", "example.org", TYPED_PASSWORD.lower()):
        assert secret not in text
    assert "127.0.0.1" not in text
    assert verify().ok


def test_a_wrong_password_for_a_real_account_does_not_name_the_account(client, personas):
    user = personas["coordinator"]
    password_step(client, user, "not the password at all")
    event = AnonymousEvent.objects.get(action="auth.login_failed")
    assert (event.object_type, event.object_id, event.detail) == ("", "", {})
    assert not AuditEvent.objects.filter(object_id=str(user.pk)).exists()
    assert user.email.lower() not in audit_table_text()


def test_a_lockout_is_recorded_without_the_account_or_the_address(client, personas, settings):
    user = personas["coordinator"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, user, "wrong password here")
    assert AnonymousEvent.objects.filter(action="auth.locked_out").count() == 1
    # The right password while locked out is refused, and that refusal is recorded too.
    assert client.post(SIGN_IN, {"email": user.email, "password": PASSWORD}).status_code == 429
    assert AnonymousEvent.objects.filter(action="auth.locked_out").count() == 2
    assert AnonymousEvent.objects.filter(action="auth.login_failed").count() == (
        settings.AXES_FAILURE_LIMIT + 1
    )
    assert not AuditEvent.objects.filter(action__in=["auth.locked_out", "auth.login_failed"])
    assert not AuditEvent.objects.filter(actor=user).exists()
    for event in AnonymousEvent.objects.all():
        assert (event.object_type, event.object_id, event.detail) == ("", "", {})
    text = audit_table_text()
    assert user.email.lower() not in text
    assert "127.0.0.1" not in text
    assert verify().ok
