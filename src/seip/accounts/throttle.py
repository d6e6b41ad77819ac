"""Slowing password guesses without letting an attacker lock the real person out (P14).

django-axes locks one account from one client address after a few failures. Across
addresses, this module slows instead: once an account (or one address) has failed more
than its threshold, each further try must wait a delay that doubles with every failure,
up to a cap. A spread-out attack on one account gets a few guesses an hour; the real
person, from their own address, waits at most the cap and is never locked (ADR 0024).
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import math

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from seip.accounts.models import SignInThrottle

FORGIVE_AFTER = dt.timedelta(hours=1)


def client_address(request: HttpRequest) -> str:
    """The client's address, as the outermost of ``SEIP_TRUSTED_PROXIES`` proxies saw it.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so with ``n`` proxies the client is ``n`` entries from the right;
    anything further left was written by the client and is not believed. Also django-axes'
    ``AXES_CLIENT_IP_CALLABLE``.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = int(settings.TRUSTED_PROXIES)
    if hops <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def account_key(email: str) -> str:
    """A stable key for an email address that does not store the address."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()
    return f"account:{digest}"


def _keys(email: str, address: str) -> dict[str, int]:
    return {
        account_key(email): settings.LOGIN_SLOWDOWN_AFTER,
        f"address:{address}": settings.LOGIN_ADDRESS_SLOWDOWN_AFTER,
    }


def _delay(failures: int, threshold: int) -> float:
    if failures < threshold or settings.LOGIN_DELAY_SECONDS <= 0:
        return 0.0
    exponent = min(failures - threshold, 30)
    return float(min(settings.LOGIN_DELAY_SECONDS * 2**exponent, settings.LOGIN_DELAY_CAP_SECONDS))


def sign_in_wait(*, email: str, address: str) -> int:
    """Seconds before the next password for ``email`` from ``address`` will be checked
    (0: check it now)."""
    now = timezone.now()
    wait = 0.0
    keys = _keys(email, address)
    for row in SignInThrottle.objects.filter(key__in=keys):
        ready = row.last_failure_at + dt.timedelta(seconds=_delay(row.failures, keys[row.key]))
        wait = max(wait, (ready - now).total_seconds())
    return math.ceil(wait)


@transaction.atomic
def sign_in_failure_count(*, email: str, address: str) -> None:
    """Count one failed password against the account and against the address."""
    now = timezone.now()
    # A quiet hour forgives old failures, so a slowdown does not last for ever; dropping
    # those rows also keeps guesses at made-up addresses from growing the table.
    SignInThrottle.objects.filter(last_failure_at__lt=now - FORGIVE_AFTER).delete()
    for key in _keys(email, address):
        row, created = SignInThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"failures": 1, "last_failure_at": now}
        )
        if not created:
            SignInThrottle.objects.filter(pk=row.pk).update(
                failures=F("failures") + 1, last_failure_at=now
            )


def sign_in_success_reset(*, email: str) -> None:
    """The right password ends the slowdown for that account (not for the address)."""
    SignInThrottle.objects.filter(key=account_key(email)).delete()


_BROWSER_COOKIE = "seip_known"
_BROWSER_SALT = "seip.accounts.known-browser"
_BROWSER_DAYS = 90


def remember_browser(response: HttpResponse, email: str) -> HttpResponse:
    """Mark this browser as one that has signed in to this account with its password."""
    value = signing.dumps(account_key(email), salt=_BROWSER_SALT)
    response.set_cookie(
        _BROWSER_COOKIE,
        value,
        max_age=_BROWSER_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def known_browser(request: HttpRequest, email: str) -> bool:
    """Whether this browser has signed in to this account before: it is then not slowed,
    so an attacker elsewhere cannot keep the real person out."""
    raw = request.COOKIES.get(_BROWSER_COOKIE, "")
    try:
        value = signing.loads(raw, salt=_BROWSER_SALT, max_age=_BROWSER_DAYS * 24 * 3600)
    except signing.BadSignature:
        return False
    return bool(value == account_key(email))


#: Password-reset emails: at most this many an hour for one address typed, and from one
#: client address; past them the page says the same and nothing is sent (ADR 0031).
RESET_PER_EMAIL = 3
RESET_PER_ADDRESS = 10


@transaction.atomic
def password_reset_allowed(*, email: str, address: str) -> bool:
    """Count one reset request and say whether an email may be sent for it. Known and
    unknown addresses are counted alike (keyed digests), so the count tells nothing."""
    now = timezone.now()
    SignInThrottle.objects.filter(last_failure_at__lt=now - FORGIVE_AFTER).delete()
    allowed = True
    digest = account_key(email).removeprefix("account:")
    for key, limit in (
        (f"reset:{digest}", RESET_PER_EMAIL),
        (f"reset-at:{address}", RESET_PER_ADDRESS),
    ):
        row, created = SignInThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"failures": 1, "last_failure_at": now}
        )
        if not created:
            SignInThrottle.objects.filter(pk=row.pk).update(
                failures=F("failures") + 1, last_failure_at=now
            )
            allowed = allowed and row.failures < limit
    return allowed
