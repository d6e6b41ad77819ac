"""The signed-in user behind a request, typed once (issue 21).

Every view module used to carry its own ``_user(request)`` cast; this is the one."""

from django.http import HttpRequest

from seip.accounts.models import User


def user_of(request_or_user: HttpRequest | User) -> User:
    """The signed-in user behind a request (or the user a command acts for). The login
    middleware has run before any view that asks, so ``request.user`` is a ``User``."""
    if isinstance(request_or_user, HttpRequest):
        user: User = request_or_user.user  # type: ignore[assignment]
        return user
    return request_or_user
