"""Branding: every page names the partnership the user works with (P26)."""

from typing import Any

from django.http import HttpRequest

from seip.accounts.models import User
from seip.organisations.models import Partnership
from seip.organisations.selectors import home_partnership

_CACHE_ATTR = "_seip_partnership"


def request_partnership(request: HttpRequest) -> Partnership | None:
    """The partnership that brands this request, looked up once per request."""
    if not request.user.is_authenticated:
        return None
    if not hasattr(request, _CACHE_ATTR):
        user: User = request.user
        setattr(request, _CACHE_ATTR, home_partnership(user))
    partnership: Partnership | None = getattr(request, _CACHE_ATTR)
    return partnership


def branding(request: HttpRequest) -> dict[str, Any]:
    return {"brand_partnership": request_partnership(request)}
