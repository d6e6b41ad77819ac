"""Sign-in in two steps: password (rate-limited by django-axes), then a second factor
from django-otp (TOTP, or a one-time backup code)."""

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from seip.accounts.forms import SignInForm, TokenForm
from seip.accounts.middleware import second_factor_exempt
from seip.accounts.models import User
from seip.accounts.selectors import account_devices, has_confirmed_device
from seip.accounts.services import (
    second_factor_failed_record,
    sign_in_record,
    totp_device_confirm,
    totp_device_start,
)


@login_not_required
@second_factor_exempt
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            email=form.cleaned_data["email"].lower(),
            password=form.cleaned_data["password"],
        )
        if user is not None:
            login(request, user)
            sign_in_record(user=user, second_factor=False)
            return redirect("accounts:verify")
        # One message for a wrong email or a wrong password: which one is not told.
        form.add_error(None, "Enter a correct email address and password.")
    return render(request, "accounts/sign_in.html", {"form": form})


@second_factor_exempt
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("core:home")
    if not has_confirmed_device(user):
        if user.needs_second_factor:
            return redirect("accounts:setup")
        return redirect("core:home")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            sign_in_record(user=user, second_factor=True)
            return redirect(_safe_next(request))
        second_factor_failed_record(user=user)
        form.add_error(
            "token", "Enter a correct security code. It may have expired; try the newest one."
        )
    return render(request, "accounts/verify.html", {"form": form})


@second_factor_exempt
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First sign-in of a staff user: add an authenticator app, proving it with a code."""
    user: User = request.user  # type: ignore[assignment]
    if has_confirmed_device(user):
        return redirect("accounts:verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or totp_device_start(
        user=user
    )
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            django_otp.login(request, device)
            sign_in_record(user=user, second_factor=True)
            messages.success(request, "Your authenticator app is set up.")
            return redirect("core:home")
        form.add_error("token", "Enter the code your authenticator app shows now.")
    return render(
        request,
        "accounts/setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": _b32(device)},
    )


def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    memberships = user.memberships.select_related("partnership", "organisation")
    return render(
        request,
        "accounts/account.html",
        {"memberships": memberships, "devices": account_devices(user)},
    )


sign_out = second_factor_exempt(LogoutView.as_view())


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    # Generated from our own device URL, never from user input.
    return mark_safe(  # noqa: S308
        svg.replace("<svg", '<svg role="img" aria-label="QR code for your authenticator app"', 1)
    )


def _b32(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _safe_next(request: HttpRequest) -> str:
    """Follow ``next`` only to a page of this site, never off-site."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")
