import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone


@pytest.mark.promise("P14")
def test_idle_sessions_end_after_30_minutes(login, personas):
    client = login(personas["coordinator"])
    assert client.get(reverse("accounts:account")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    # Each request renews the expiry, so it measures idleness, not time since sign-in.
    remaining = session.expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)
    session.expire_date = timezone.now() - dt.timedelta(seconds=1)
    session.save()
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_session_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_HTTPONLY
