"""Sign-in in two steps: password (rate-limited by django-axes), then a second factor
from django-otp (TOTP, or a one-time backup code)."""

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import (
    LogoutView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
)
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.csp import CSP
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc.errors import JoseError
from requests import RequestException

from seip.accounts.devices import match_token
from seip.accounts.forms import (
    InviteForm,
    NewPasswordForm,
    PasswordForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
    TokenForm,
)
from seip.accounts.invitations import (
    accounts_unused,
    invitation_accept,
    invitation_find,
    invitation_resend,
    invitation_revoke,
    invitation_send,
    invitations_for,
    invite_option_parse,
    invite_options,
    membership_end,
    memberships_managed_by,
    user_deactivate,
)
from seip.accounts.middleware import second_factor_exempt
from seip.accounts.models import (
    AuthenticatorDevice,
    EmailCodeDevice,
    EnrolmentPurpose,
    EnrolmentToken,
    ProviderMFADevice,
    Role,
    SingleSignOn,
    User,
)
from seip.accounts.selectors import (
    account_devices,
    backup_code_was_used,
    has_confirmed_device,
    has_role,
    partnership_team_for,
)
from seip.accounts.services import (
    authenticator_confirm,
    authenticator_start,
    backup_codes_issue,
    email_code_send,
    enrolment_link_find,
    enrolment_link_issue,
    password_reset_record,
    second_factor_failed_record,
    sign_in_record,
)
from seip.accounts.sso import (
    REFUSALS,
    sso_client,
    sso_for_email,
    sso_link,
    sso_origins,
    sso_refusal_record,
    sso_sign_in_record,
)
from seip.accounts.tasks import password_reset_send
from seip.accounts.throttle import (
    client_address,
    known_browser,
    password_reset_allowed,
    remember_browser,
    sign_in_failure_count,
    sign_in_success_reset,
    sign_in_wait,
)
from seip.core.forms import GovUKForm, apply_errors

#: The session remembers which set-up link the password step was passed for.
ENROLMENT_SESSION_KEY = "seip_enrolment"


@login_not_required
@second_factor_exempt
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        # Already signed in: on to where they were going, or the security-code step.
        if request.user.is_verified():  # type: ignore[attr-defined]  # django-otp
            return redirect(_safe_next(request))
        return redirect(_with_next(reverse("accounts:verify"), request))
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        user = _password_step(request, form, email, form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            sign_in_record(user=user, second_factor=False)
            # The page asked for survives the security-code step (same site only).
            return remember_browser(
                redirect(_with_next(reverse("accounts:verify"), request)), email
            )
    status = 429 if getattr(request, "seip_slowed", False) else 200
    context = {"form": form, "sso_url": _with_next(reverse("accounts:sso_start"), request)}
    return render(request, "accounts/sign_in.html", context, status=status)


def _password_step(request: HttpRequest, form: GovUKForm, email: str, password: str) -> User | None:
    """Check a password, slowed per account and per address (ADR 0024). A browser that
    has signed in to this account before is not slowed, so an attacker cannot keep the
    real person out; django-axes still locks one account from one address."""
    address = client_address(request)
    if not known_browser(request, email):
        wait = sign_in_wait(email=email, address=address)
        if wait:
            request.seip_slowed = True  # type: ignore[attr-defined]
            form.add_error(None, f"Too many wrong passwords. Wait {wait} seconds and try again.")
            return None
    user = authenticate(request, email=email, password=password)
    if user is None:
        if not getattr(request, "axes_locked_out", False):
            sign_in_failure_count(email=email, address=address)
        # One message for a wrong email or a wrong password: which one is not told.
        form.add_error(None, "Enter a correct email address and password.")
        return None
    sign_in_success_reset(email=email)
    if not user.memberships.exists():
        # A leaver whose last role was removed, or an account never given one (ADR 0031).
        # The password was right, so saying why tells an attacker nothing new.
        form.add_error(None, "Your account has no role in SEIP. Ask your partnership co-ordinator.")
        return None
    return user


@second_factor_exempt
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("core:home")
    if not has_confirmed_device(user):
        if user.signs_in_with_email_code:
            return _verify_by_email(request, user)
        # No self-enrolment with a password alone (P14): only a link from someone else.
        return render(request, "accounts/no_second_factor.html")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device = match_token(user, token)
        if device is not None:
            django_otp.login(request, device)
            sign_in_record(user=user, second_factor=True)
            return redirect(_safe_next(request))
        second_factor_failed_record(user=user)
        if backup_code_was_used(user, token):
            form.add_error("token", "That backup code has already been used")
        else:
            form.add_error(
                "token", "Enter a correct security code. It may have expired; try the newest one."
            )
    return render(request, "accounts/verify.html", {"form": form})


def _verify_by_email(request: HttpRequest, user: User) -> HttpResponse:
    device = EmailCodeDevice.objects.filter(user=user).first()
    resend = request.method == "POST" and "resend" in request.POST
    if device is None or not device.has_live_code or resend:
        email_code_send(user=user)
        if resend:
            messages.success(request, "We have sent you a new code.")
            return redirect(request.get_full_path())
    form = TokenForm(
        request.POST if request.method == "POST" else None,
        label="Code from your email",
        help_text="The 6-digit code we have just emailed to you.",
    )
    if request.method == "POST" and form.is_valid():
        matched = match_token(user, form.cleaned_data["token"])
        if matched is not None:
            django_otp.login(request, matched)
            sign_in_record(user=user, second_factor=True)
            return redirect(_safe_next(request))
        second_factor_failed_record(user=user)
        form.add_error("token", "Enter the code from the newest email we sent you")
    return render(request, "accounts/verify_email.html", {"form": form})


@login_not_required
@second_factor_exempt
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    """Open a set-up link: the link and the account's password together let its owner add
    an authenticator app (ADR 0024). Neither alone is enough."""
    enrolment = enrolment_link_find(token)
    if enrolment is None:
        return render(request, "accounts/enrol_invalid.html", status=404)
    form = PasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = enrolment.user.email
        user = _password_step(request, form, email, form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            sign_in_record(user=user, second_factor=False)
            request.session[ENROLMENT_SESSION_KEY] = enrolment.pk
            return remember_browser(redirect("accounts:setup"), email)
    return render(request, "accounts/enrol.html", {"form": form, "enrolment": enrolment})


@second_factor_exempt
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: through a set-up link, or when already fully signed in
    (from the account page). Never with a password alone (P14)."""
    user: User = request.user  # type: ignore[assignment]
    enrolment = _session_enrolment(request, user)
    if enrolment is None and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:verify")
    if not user.needs_second_factor:
        return redirect("accounts:account")  # families use emailed codes
    device = AuthenticatorDevice.objects.filter(
        user=user, confirmed=False
    ).first() or authenticator_start(user=user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if authenticator_confirm(
            device=device, token=form.cleaned_data["token"], enrolment=enrolment
        ):
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            if enrolment is None:
                messages.success(request, "Your authenticator app is set up.")
                return redirect("accounts:account")
            django_otp.login(request, device)
            sign_in_record(user=user, second_factor=True)
            codes = backup_codes_issue(user=user, actor=user)
            return render(request, "accounts/backup_codes.html", {"codes": codes})
        form.add_error("token", "Enter the code your authenticator app shows now.")
    return render(
        request,
        "accounts/setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": _b32(device)},
    )


def _session_enrolment(request: HttpRequest, user: User) -> EnrolmentToken | None:
    pk = request.session.get(ENROLMENT_SESSION_KEY)
    if pk is None:
        return None
    enrolment = EnrolmentToken.objects.filter(
        pk=pk, user=user, purpose=EnrolmentPurpose.SECOND_FACTOR
    ).first()
    return enrolment if enrolment is not None and enrolment.is_live else None


def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    memberships = user.memberships.select_related("partnership", "organisation")
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": memberships,
            "devices": account_devices(user),
            "may_issue_links": partnership_team_for(user).exists(),
        },
    )


@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    """Fresh backup codes, shown once, for a fully signed-in user; the old ones stop."""
    user: User = request.user  # type: ignore[assignment]
    if not user.needs_second_factor:
        raise PermissionDenied("Families sign in with a code sent by email.")
    codes = backup_codes_issue(user=user, actor=user)
    return render(request, "accounts/backup_codes.html", {"codes": codes})


def people(request: HttpRequest) -> HttpResponse:
    """The people a co-ordinator (their partnership team) or an administrator (all
    staff) can send a set-up link to."""
    user: User = request.user  # type: ignore[assignment]
    if not has_role(user, [Role.COORDINATOR, Role.SYSTEM_ADMIN]):
        raise PermissionDenied("Only a co-ordinator or an administrator can see this page.")
    team = partnership_team_for(user).order_by("full_name")
    roles = memberships_managed_by(user)
    return render(
        request,
        "accounts/people.html",
        {
            "people": team,
            "invitations": invitations_for(user),
            "may_invite": bool(invite_options(user)),
            "roles": roles,
            "unused": accounts_unused(
                days=UNUSED_DAYS, among=User.objects.filter(pk__in={m.user_id for m in roles})
            ),
            "unused_days": UNUSED_DAYS,
            "may_close": has_role(user, [Role.SYSTEM_ADMIN]),
        },
    )


#: The People page lists accounts not used for this long (``seip accounts unused``).
UNUSED_DAYS = 90


@require_POST
def membership_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    membership = next((m for m in memberships_managed_by(actor) if m.pk == pk), None)
    if membership is None:
        raise Http404
    membership_end(membership=membership, actor=actor)
    messages.success(request, "The role has been removed. Their open sessions have ended.")
    return redirect("accounts:people")


@require_POST
def user_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if not has_role(actor, [Role.SYSTEM_ADMIN]):
        raise PermissionDenied("Only a system administrator can close an account.")
    person = get_object_or_404(User, pk=pk, is_active=True)
    user_deactivate(user=person, actor=actor)
    messages.success(request, "The account has been closed. Its open sessions have ended.")
    return redirect("accounts:people")


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    """Invite someone to a role the actor may give (ADR 0031); the choices come from the
    one who-may-invite-whom rule, and the service checks it again."""
    actor: User = request.user  # type: ignore[assignment]
    options = invite_options(actor)
    if not options and not has_role(actor, [Role.SYSTEM_ADMIN]):
        raise PermissionDenied("You cannot invite anyone.")
    if not options:
        # A fresh install: the administrator registers a partnership first.
        return render(request, "accounts/invite_nothing.html")
    form = InviteForm(request.POST if request.method == "POST" else None, options=options)
    if request.method == "POST" and form.is_valid():
        try:
            role, partnership, organisation = invite_option_parse(form.cleaned_data["place"])
            invitation_send(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=role,
                partnership=partnership,
                organisation=organisation,
                site=_site(request),
                actor=actor,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Invitation sent.")
            return redirect("accounts:people")
    return render(request, "accounts/invite.html", {"form": form})


@require_POST
def invitation_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    invitation = get_object_or_404(invitations_for(actor), pk=pk)
    invitation_resend(invitation=invitation, site=_site(request), actor=actor)
    messages.success(request, "A new invitation has been sent. The old link no longer works.")
    return redirect("accounts:people")


@require_POST
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    invitation = get_object_or_404(invitations_for(actor), pk=pk)
    invitation_revoke(invitation=invitation, actor=actor)
    messages.success(request, "The invitation has been withdrawn.")
    return redirect("accounts:people")


@login_not_required
@second_factor_exempt
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: choose a password, then (staff) set up an authenticator app
    with backup codes shown once, through the set-up step of ADR 0024."""
    found = invitation_find(token)
    if found is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            setup_link = invitation_accept(
                invitation=found, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            user = found.user
            user.refresh_from_db()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            sign_in_record(user=user, second_factor=False)
            if setup_link is None:
                return redirect("accounts:verify")
            request.session[ENROLMENT_SESSION_KEY] = setup_link.pk
            return redirect("accounts:setup")
    return render(request, "accounts/invitation.html", {"form": form, "invited": found.user})


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_POST
def enrolment_link(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    person = get_object_or_404(partnership_team_for(actor), pk=pk)
    token = enrolment_link_issue(user=person, actor=actor)
    link = request.build_absolute_uri(reverse("accounts:enrol", args=[token]))
    return render(
        request,
        "accounts/enrolment_link.html",
        {"person": person, "link": link, "hours": settings.ENROLMENT_LINK_HOURS},
    )


class _SignOut(LogoutView):
    """POST signs out (as Django's LogoutView); GET shows a page with the button, rather
    than 405, for someone who types the address."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return render(request, "accounts/sign_out.html")


sign_out = login_not_required(second_factor_exempt(_SignOut.as_view()))


@login_not_required
@second_factor_exempt
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The page does the same work and says the same thing whether
    or not the address has an account: the lookup and the email happen in a background
    task (ADR 0031). Past the hourly limit nothing is sent, and that is not said either."""
    form = ResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if password_reset_allowed(email=email, address=client_address(request)):
            password_reset_send.enqueue(email, request.get_host(), request.is_secure())
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


password_reset_done = login_not_required(
    second_factor_exempt(
        PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
    )
)


class _ResetConfirm(PasswordResetConfirmView):
    """Django's token check and new-password form. It does not sign in: the person then
    signs in with the new password and their second factor (P14)."""

    form_class = ResetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        password_reset_record(user=form.user)
        return response


password_reset_confirm = login_not_required(second_factor_exempt(_ResetConfirm.as_view()))
password_reset_complete = login_not_required(
    second_factor_exempt(
        PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
    )
)


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


def _b32(device: AuthenticatorDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _with_next(url: str, request: HttpRequest, target: str | None = None) -> str:
    """``url`` carrying ``next`` on (the request's, unless ``target`` is given), when it
    is a page of this site."""
    target = request.GET.get("next", "") if target is None else target
    if target and _safe_next(request, target) == target:
        return f"{url}?{urlencode({'next': target})}"
    return url


def _safe_next(request: HttpRequest, target: str | None = None) -> str:
    """Follow ``next`` (the request's, unless ``target`` is given) only to a page of this
    site, never off-site. The one rule for every way in: password and single sign-on."""
    target = request.GET.get("next", "") if target is None else target
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")


#: The session remembers, beside authlib's state, which organisation's provider a single
#: sign-on was started with and the page of this site that was asked for.
SSO_SESSION_KEY = "seip_sso"


@login_not_required
@second_factor_exempt
@require_http_methods(["GET", "POST"])
def sso_start(request: HttpRequest) -> HttpResponse:
    """ "Sign in with your organisation": the email's domain picks the organisation's
    OpenID Connect provider (ADR 0033); authlib sends the browser there with state,
    nonce and a PKCE challenge kept in this session."""
    if request.user.is_authenticated:
        return redirect(_with_next(reverse("accounts:login"), request))
    form = ResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        config = sso_for_email(email)
        if config is None:
            form.add_error(
                "email",
                "Your organisation does not sign in to SEIP this way. "
                "Sign in with your email address and password instead.",
            )
        else:
            # Kept only when it is a page of this site; checked again on the way back.
            target = request.GET.get("next", "")
            if _safe_next(request, target) != target:
                target = ""
            request.session[SSO_SESSION_KEY] = {"config": config.pk, "next": target}
            try:
                return sso_client(config).authorize_redirect(  # type: ignore[no-any-return]
                    request,
                    request.build_absolute_uri(reverse("accounts:sso_callback")),
                    login_hint=email,
                )
            except (OAuthError, JoseError, RequestException, KeyError, ValueError):
                return _sso_refuse(request, config, "protocol")
    response = render(
        request,
        "accounts/sso_start.html",
        {"form": form, "password_url": _with_next(reverse("accounts:login"), request)},
    )
    # The form's redirect goes to the provider: only this page lets a form go there.
    response._csp_config = {  # type: ignore[attr-defined]  # Django's csp_override
        **settings.SECURE_CSP,
        "form-action": [CSP.SELF, *sso_origins()],
    }
    return response


@login_not_required
@second_factor_exempt
@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here. authlib checks state, exchanges the code
    (with the PKCE verifier) and validates the ID token: signature against the provider's
    JWKS, issuer, audience, expiry, nonce. Then the claims may only link to an existing
    invited account of the organisation; they never create one or a role."""
    if request.user.is_authenticated:
        return redirect("accounts:login")
    started = request.session.pop(SSO_SESSION_KEY, None)
    started = started if isinstance(started, dict) else {}
    pk, target = started.get("config"), str(started.get("next", ""))
    config = SingleSignOn.objects.filter(pk=pk, enabled=True).first() if pk else None
    if config is None:
        return _sso_refuse(request, None, "no_provider")
    try:
        token = sso_client(config).authorize_access_token(request)
        claims = dict(token["userinfo"])
    except (OAuthError, JoseError, RequestException, KeyError, TypeError, ValueError):
        return _sso_refuse(request, config, "protocol")
    outcome = sso_link(config=config, claims=claims)
    if outcome.user is None:
        return _sso_refuse(request, config, outcome.refusal)
    user = outcome.user
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    sso_sign_in_record(config=config, user=user, verified=outcome.verified)
    if outcome.verified:
        device, _ = ProviderMFADevice.objects.get_or_create(
            user=user, defaults={"name": "Organisation sign-in", "confirmed": True}
        )
        django_otp.login(request, device)
        return redirect(_safe_next(request, target))
    # The provider stands for the password only: SEIP's own second factor still follows,
    # and the page asked for after it.
    return redirect(_with_next(reverse("accounts:verify"), request, target))


def _sso_refuse(request: HttpRequest, config: SingleSignOn | None, reason: str) -> HttpResponse:
    sso_refusal_record(config=config, reason=reason)
    return render(request, "accounts/sso_refused.html", {"reason": REFUSALS[reason]}, status=403)
