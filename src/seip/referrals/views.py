from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import PARTNERSHIP_ROLES, Role, User
from seip.accounts.selectors import has_role
from seip.core.forms import apply_errors, form_submitted
from seip.core.uploads import upload_limit
from seip.keys import crypto
from seip.organisations.models import School
from seip.records.services import referral_accept
from seip.referrals.forms import AcceptForm, DeclineForm, ReferralForm, SignatureForm
from seip.referrals.models import Referral, ReferralStatus
from seip.referrals.selectors import (
    draft_count,
    live_category_labels,
    may_open_scan,
    referrals_visible_to,
)
from seip.referrals.services import (
    FORM_MAX_BYTES,
    referral_decline,
    referral_draft_create,
    referral_draft_update,
    referral_sign,
)
from seip.sharing.access import record_list
from seip.sharing.services import record_referral_read


def _referral(
    request: HttpRequest,
    pk: int,
    part: str,
    *,
    check: Callable[[HttpRequest, Referral], None] | None = None,
    download: bool = False,
) -> Referral:
    """Through the scoped queryset: a referral the user may not see is a 404 (P25). The
    page's own rule (``check``, a 403) comes next; then the read is recorded (P14): every
    page here names the pupil, a form as much as the referral itself (ADR 0026)."""
    referral = get_object_or_404(
        referrals_visible_to(user_of(request)).select_related("partnership", "school"), pk=pk
    )
    if check is not None:
        check(request, referral)
    record_referral_read(actor=user_of(request), referral=referral, part=part, download=download)
    return referral


def _school_for(user: User) -> School:
    membership = (
        user.memberships.filter(role=Role.SCHOOL_CONTACT, organisation__school__isnull=False)
        .select_related("organisation__school")
        .first()
    )
    if membership is None or membership.organisation is None:
        raise PermissionDenied("Only a school contact can start a referral.")
    return membership.organisation.school


def _require_school(request: HttpRequest, referral: Referral) -> None:
    if not has_role(
        user_of(request), [Role.SCHOOL_CONTACT], organisation=referral.school.organisation
    ):
        raise PermissionDenied("Only a contact at the pupil's school can do this.")


def _require_coordinator(request: HttpRequest, referral: Referral) -> None:
    if not has_role(user_of(request), [Role.COORDINATOR], partnership=referral.partnership):
        raise PermissionDenied("Only the partnership's co-ordinator can decide on a referral.")


def _require_scan_reader(request: HttpRequest, referral: Referral) -> None:
    if not may_open_scan(user_of(request), referral):
        raise PermissionDenied(
            "Only the school, the co-ordinator and the DPO can open the signed form."
        )


def referral_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    referrals = list(
        referrals_visible_to(user).select_related("student").order_by("-updated_at")[:200]
    )
    # The list names each pupil: one audit event with the referrals' ids, and the ids of
    # those that became students (P14).
    students = [r.student for r in referrals if hasattr(r, "student")]
    ids = {"referrals": [r.pk for r in referrals]}
    record_list(request, students, part="referral_list", detail=ids)
    staff_partnerships = [
        m.partnership
        for m in user.memberships.filter(role__in=PARTNERSHIP_ROLES).select_related("partnership")
        if m.partnership
    ]
    drafts = {p.name: draft_count(p) for p in staff_partnerships}
    return render(
        request,
        "referrals/referral_list.html",
        {
            "referrals": referrals,
            "drafts": drafts,
            "can_start": user.memberships.filter(role=Role.SCHOOL_CONTACT).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    school = _school_for(user)
    form = ReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referral_draft_create(
                school=school,
                pupil=form.pupil(),
                carers=form.carers(),
                actor=user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The draft referral was saved. Only your school can see it.")
            return redirect("referrals:detail", referral.pk)
    return render(request, "referrals/referral_form.html", {"form": form, "school": school})


@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk, "referral_edit_form", check=_require_school)
    if not referral.is_draft:
        raise PermissionDenied("A signed referral cannot be edited.")
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        initial=ReferralForm.initial_from(referral),
    )

    def update(data: dict[str, Any]) -> None:
        referral_draft_update(
            referral=referral, pupil=form.pupil(), carers=form.carers(), actor=user_of(request)
        )

    if form_submitted(request, form, update):
        messages.success(request, "The draft referral was updated.")
        return redirect("referrals:detail", referral.pk)
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "school": referral.school, "referral": referral},
    )


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk, "referral")
    user = user_of(request)
    context = {
        "referral": referral,
        "carers": referral.carers.all(),
        "consents": referral.consents.select_related("notice_version"),
        "live_categories": live_category_labels(referral),
        "is_school": has_role(
            user, [Role.SCHOOL_CONTACT], organisation=referral.school.organisation
        ),
        "is_coordinator": has_role(user, [Role.COORDINATOR], partnership=referral.partnership),
        "may_open_scan": may_open_scan(user, referral),
        "student": getattr(referral, "student", None)
        if referral.status == ReferralStatus.ACCEPTED
        else None,
    }
    return render(request, "referrals/referral_detail.html", context)


@require_http_methods(["GET", "POST"])
@upload_limit(FORM_MAX_BYTES)
def referral_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk, "referral_sign_form", check=_require_school)
    form = SignatureForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        partnership=referral.partnership,
    )

    def sign(data: dict[str, Any]) -> None:
        referral_sign(referral=referral, actor=user_of(request), **form.signature())

    if form_submitted(request, form, sign):
        messages.success(request, "The signed form was recorded and sent to the partnership.")
        return redirect("referrals:detail", referral.pk)
    return render(request, "referrals/sign.html", {"form": form, "referral": referral})


@require_http_methods(["GET", "POST"])
def referral_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk, "referral_accept_form", check=_require_coordinator)
    form = AcceptForm(
        request.POST if request.method == "POST" else None,
        initial={"tier": referral.requested_tier},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = referral_accept(referral=referral, actor=user_of(request), **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The referral was accepted. This is the new record.")
            return redirect("students:detail", case.student_id)
    return render(
        request, "referrals/decide.html", {"form": form, "referral": referral, "action": "Accept"}
    )


@require_http_methods(["GET", "POST"])
def referral_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk, "referral_decline_form", check=_require_coordinator)
    form = DeclineForm(request.POST if request.method == "POST" else None)

    def decline(data: dict[str, Any]) -> None:
        referral_decline(referral=referral, reason=data["decline_reason"], actor=user_of(request))

    if form_submitted(request, form, decline):
        messages.success(request, "The referral was declined.")
        return redirect("referrals:detail", referral.pk)
    return render(
        request, "referrals/decide.html", {"form": form, "referral": referral, "action": "Decline"}
    )


def signed_form(request: HttpRequest, pk: int, consent_pk: int) -> FileResponse | HttpResponse:
    """The decrypted scan of a signed form, for the school and the co-ordinator or DPO."""
    referral = _referral(request, pk, "signed_form", check=_require_scan_reader, download=True)
    consent = get_object_or_404(referral.consents, pk=consent_pk)
    if not consent.form_file:
        raise Http404("No scan was uploaded with this signature.")
    try:
        content = crypto.read_encrypted_for(referral, consent.form_file)
    except crypto.KeyShredded as exc:
        # Erased for good (P22): say so plainly rather than fail with a server error.
        return HttpResponse(exc.message, status=410, content_type="text/plain; charset=utf-8")
    response = FileResponse(iter([content]), content_type=consent.form_content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="signed-referral-{referral.pk}-{consent.pk}"'
    )
    response["Cache-Control"] = "no-store"
    return response
