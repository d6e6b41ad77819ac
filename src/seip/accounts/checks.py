"""System checks for sign-in behind a proxy (ADR 0024)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def trusted_proxies_check(**kwargs: Any) -> list[CheckMessage]:
    """Behind a proxy with no trusted hops, every request seems to come from the proxy:
    one attacker's wrong passwords would then lock an account from everywhere."""
    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    if behind_proxy and settings.TRUSTED_PROXIES <= 0:
        return [
            Warning(
                "SEIP_BEHIND_PROXY is set but SEIP_TRUSTED_PROXIES is 0, so sign-in lockout "
                "sees the proxy's address for everyone.",
                hint="Set SEIP_TRUSTED_PROXIES to the number of reverse proxies in front.",
                id="seip.accounts.W001",
            )
        ]
    return []
