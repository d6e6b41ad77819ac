import pytest
from django.urls import reverse

from seip.accounts.tests.factories import PASSWORD


@pytest.mark.promise("P14")
def test_five_failures_lock_the_account_even_for_the_right_password(client, personas, settings):
    user = personas["coordinator"]
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"email": user.email, "password": "wrong password here"})
    response = client.post(url, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "You cannot sign in for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_few_failures_do_not_lock(client, personas):
    user = personas["coordinator"]
    url = reverse("accounts:login")
    for _ in range(2):
        client.post(url, {"email": user.email, "password": "wrong password here"})
    response = client.post(url, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


# Finding 9: lockout keyed on username and connection address -------------------------


@pytest.fixture
def client_factory(db):
    """A fresh browser each call: an attacker's, or the real person's."""
    from django.test import Client

    return Client


def attempt(client, user, password, *, remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(
        reverse("accounts:login"), {"email": user.email, "password": password}, **extra
    )


@pytest.mark.promise("P14")
def test_guesses_from_one_address_behind_a_proxy_do_not_lock_the_dpo_out(
    client_factory, personas, settings
):
    """Behind one proxy every request comes from the proxy's address: the attacker's
    failures must not lock the real DPO, who is elsewhere."""
    settings.TRUSTED_PROXIES = 1
    settings.LOGIN_DELAY_SECONDS = 0
    dpo = personas["dpo"]
    attacker = client_factory()
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        attempt(attacker, dpo, "wrong password here", forwarded="203.0.113.66")
    assert attempt(attacker, dpo, PASSWORD, forwarded="203.0.113.66").status_code == 429
    response = attempt(client_factory(), dpo, PASSWORD, forwarded="198.51.100.7")
    assert response.status_code == 302


@pytest.mark.promise("P14")
def test_guesses_from_one_address_leave_the_right_person_elsewhere_a_short_wait(
    client_factory, personas, settings
):
    settings.LOGIN_DELAY_SECONDS = 0
    dpo = personas["dpo"]
    attacker = client_factory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(attacker, dpo, "wrong password here", remote="203.0.113.66")
    assert attempt(client_factory(), dpo, PASSWORD, remote="198.51.100.7").status_code == 302


@pytest.mark.promise("P14")
@pytest.mark.parametrize("persona", ["coordinator", "parent"])
def test_a_spread_out_attack_on_one_account_is_slowed(client_factory, personas, persona):
    """Four guesses from each of many addresses: no pair reaches the lockout, but the
    account as a whole is slowed, family accounts included."""
    user = personas[persona]
    for n in range(12):
        attempt(client_factory(), user, "wrong password here", remote=f"192.0.2.{n + 1}")
    response = attempt(client_factory(), user, PASSWORD, remote="198.51.100.99")
    assert response.status_code == 429
    assert "Wait" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.promise("P14")
def test_a_browser_that_signed_in_before_is_not_slowed(client_factory, personas):
    user = personas["coordinator"]
    own = client_factory()
    assert attempt(own, user, PASSWORD, remote="198.51.100.7").status_code == 302
    own.post(reverse("accounts:logout"))
    for n in range(12):
        attempt(client_factory(), user, "wrong password here", remote=f"192.0.2.{n + 1}")
    assert attempt(own, user, PASSWORD, remote="198.51.100.7").status_code == 302


def test_the_wait_doubles_with_each_failure(settings):
    from seip.accounts.throttle import _delay

    settings.LOGIN_DELAY_SECONDS = 2
    assert [_delay(n, 5) for n in (4, 5, 6, 7)] == [0, 2, 4, 8]
    assert _delay(100, 5) == settings.LOGIN_DELAY_CAP_SECONDS


@pytest.mark.promise("P14")
@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.1"),  # no proxy: the header is the client's own words
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # a forged entry on the left is ignored
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, "", "10.0.0.1"),
        (1, "not an address", "10.0.0.1"),
    ],
)
def test_client_address_behind_trusted_proxies(rf, settings, proxies, forwarded, expected):
    from seip.accounts.throttle import client_address

    settings.TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.promise("P14")
def test_a_forged_forwarded_header_does_not_escape_the_lockout(client, personas, settings):
    settings.TRUSTED_PROXIES = 0
    user = personas["coordinator"]
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, user, "wrong password here", forwarded=f"192.0.2.{n}")
    assert attempt(client, user, PASSWORD, forwarded="192.0.2.200").status_code == 429


def test_a_quiet_hour_forgives_old_failures(client_factory, personas):
    import datetime as dt

    from django.utils import timezone

    from seip.accounts.models import SignInThrottle

    user = personas["coordinator"]
    for n in range(12):
        attempt(client_factory(), user, "wrong password here", remote=f"192.0.2.{n + 1}")
    SignInThrottle.objects.update(last_failure_at=timezone.now() - dt.timedelta(hours=2))
    attempt(client_factory(), user, "wrong password here", remote="192.0.2.100")
    assert attempt(client_factory(), user, PASSWORD, remote="198.51.100.99").status_code == 302


def test_deploy_check_warns_behind_a_proxy_with_no_trusted_hops(settings):
    from seip.accounts.checks import trusted_proxies_check

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = 0
    assert [m.id for m in trusted_proxies_check()] == ["seip.accounts.W001"]
    settings.TRUSTED_PROXIES = 1
    assert trusted_proxies_check() == []
