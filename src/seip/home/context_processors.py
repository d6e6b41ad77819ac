"""Branding: every page names the partnership the user works within (P26), or SEIP itself
for those who work across partnerships (LA officers, administrators)."""

from typing import Any

from django.http import HttpRequest

from seip.accounts.models import FAMILY_ROLES, Role, User
from seip.accounts.selectors import has_role
from seip.organisations.models import Partnership
from seip.organisations.selectors import home_and_brand

_CACHE_ATTR = "_seip_partnership"


def fully_signed_in(request: HttpRequest) -> bool:
    """Signed in, and past the second factor (every account has one, ADR 0024).

    Between the password and the code, pages show neither the partnership nor the menu:
    a password alone must not reveal where an account works.
    """
    if not request.user.is_authenticated:
        return False
    user: User = request.user
    return bool(user.is_verified())  # type: ignore[attr-defined]


def _home_and_brand(request: HttpRequest) -> tuple[Partnership | None, Partnership | None]:
    """Looked up once per request, with one query for both."""
    if not fully_signed_in(request):
        return None, None
    if not hasattr(request, _CACHE_ATTR):
        user: User = request.user  # type: ignore[assignment]  # fully_signed_in checked it
        setattr(request, _CACHE_ATTR, home_and_brand(user))
    found: tuple[Partnership | None, Partnership | None] = getattr(request, _CACHE_ATTR)
    return found


def request_partnership(request: HttpRequest) -> Partnership | None:
    """The partnership the home page works with (the first of the user's by name)."""
    return _home_and_brand(request)[0]


def request_brand(request: HttpRequest) -> Partnership | None:
    """The partnership that brands this request, or None for the neutral SEIP header."""
    return _home_and_brand(request)[1]


def works_with_students(request: HttpRequest) -> bool:
    """Whether the menu offers "Students": any role but a family's (the portal is theirs).
    From the memberships cached for the request."""
    if not fully_signed_in(request):
        return False
    user: User = request.user  # type: ignore[assignment]
    return has_role(user, set(Role) - FAMILY_ROLES)


def branding(request: HttpRequest) -> dict[str, Any]:
    return {
        "brand_partnership": request_brand(request),
        "fully_signed_in": fully_signed_in(request),
        "nav_students": works_with_students(request),
    }
