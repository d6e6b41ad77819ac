"""No staff page without the second factor (P14)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django_otp import DEVICE_ID_SESSION_KEY

from seip.accounts.models import ProviderMFADevice, SingleSignOn


def second_factor_exempt[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Mark a view reachable between the password and the second factor (sign-in steps)."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


class RequireSecondFactorMiddleware:
    """Sends a signed-in user who has not passed the second factor to that step.

    Runs after django-otp's middleware, which sets ``user.is_verified()``. Views opt out
    only with :func:`second_factor_exempt`, so a new view is protected by default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        if user.is_authenticated and not _provider_mfa_still_counts(request):
            # The organisation stopped trusting its provider's MFA (or the person left it)
            # since this session was verified by it: SEIP's own second factor is due now.
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            user.otp_device = None  # type: ignore[attr-defined]
        if not user.is_authenticated or getattr(view_func, "second_factor_exempt", False):
            return None
        # Every account passes a second factor: staff an app or backup code, families an
        # emailed code (ADR 0024).
        if not user.is_verified():  # type: ignore[attr-defined]  # added by django-otp
            return redirect("accounts:verify")
        return None


def _provider_mfa_still_counts(request: HttpRequest) -> bool:
    """False only for a session verified by an organisation provider's MFA (ADR 0033)
    whose organisation no longer trusts it for this user."""
    device = getattr(request.user, "otp_device", None)
    if not isinstance(device, ProviderMFADevice):
        return True
    return SingleSignOn.objects.filter(
        organisation__memberships__user=device.user_id, trust_provider_mfa=True, enabled=True
    ).exists()
