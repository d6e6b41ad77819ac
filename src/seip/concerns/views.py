"""Raising a data-protection concern (public form, portal) and the DPO's list (P23).

The public form needs no account and no second factor, like the privacy notice: a
concern about the partnership must not depend on the partnership letting you in. It is
protected by CSRF and length limits, and asks for no child's details.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.accounts.middleware import second_factor_exempt
from seip.accounts.models import User
from seip.concerns import forms as concern_forms
from seip.concerns.models import ACKNOWLEDGE_WITHIN_DAYS, Concern
from seip.concerns.selectors import concerns_visible_to, dpo_partnerships
from seip.concerns.services import (
    concern_acknowledge,
    concern_link_student,
    concern_raise_portal,
    concern_raise_public,
    concern_respond,
)
from seip.core.forms import form_submitted
from seip.notices.wording import ICO_DETAILS
from seip.organisations.models import Partnership
from seip.progress.selectors import portal_students_visible_to
from seip.rights.forms import LinkStudentForm
from seip.sharing.access import record_list
from seip.students.selectors import student_record_visible_to


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _routes(partnerships: Any = None) -> dict[str, Any]:
    """The ICO's contact details and each partnership's route to its DPO."""
    return {
        "ico_lines": [line.removeprefix("- ") for line in ICO_DETAILS.splitlines()],
        "partnerships": partnerships
        if partnerships is not None
        else Partnership.objects.order_by("name"),
        "days": ACKNOWLEDGE_WITHIN_DAYS,
    }


@login_not_required
@second_factor_exempt
@require_http_methods(["GET", "POST"])
def public_new(request: HttpRequest) -> HttpResponse:
    form = concern_forms.PublicConcernForm(_post(request))
    if form_submitted(request, form, lambda data: concern_raise_public(**data)):
        return redirect("concerns:sent")
    return render(request, "concerns/public_form.html", {"form": form, **_routes()})


@login_not_required
@second_factor_exempt
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "concerns/sent.html", _routes())


def _portal_partnerships(user: User) -> Any:
    ids = portal_students_visible_to(user).values("partnership")
    return Partnership.objects.filter(pk__in=ids).order_by("name")


@require_http_methods(["GET", "POST"])
def portal_new(request: HttpRequest) -> HttpResponse:
    partnerships = _portal_partnerships(user_of(request))
    if not partnerships.exists():
        raise PermissionDenied("The portal form is for families following a child.")
    form = concern_forms.PortalConcernForm(_post(request), partnerships=partnerships)

    def send(data: dict[str, Any]) -> None:
        concern_raise_portal(actor=user_of(request), **data)

    if form_submitted(request, form, send):
        return redirect("concerns:sent")
    context = {"form": form, **_routes(partnerships)}
    return render(request, "concerns/portal_form.html", context)


def concern_list(request: HttpRequest) -> HttpResponse:
    """The DPO's concerns, newest first, with the acknowledgement date and overdue flag."""
    if not dpo_partnerships(user_of(request)).exists():
        raise PermissionDenied("Concerns go to the data protection officer.")
    rows = list(concerns_visible_to(user_of(request)))
    today = timezone.localdate()
    context = {"rows": [(c, c.is_overdue(today)) for c in rows]}
    return render(request, "concerns/list.html", context)


def _concern(request: HttpRequest, pk: int) -> Concern:
    return get_object_or_404(concerns_visible_to(user_of(request)), pk=pk)


def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    concern = _concern(request, pk)
    if concern.student is not None:
        # The page names the student the DPO linked: a read like any other list.
        record_list(request, [concern.student], part="concern_detail")
    context = {"concern": concern, "overdue": concern.is_overdue()}
    return render(request, "concerns/detail.html", context)


@require_http_methods(["GET", "POST"])
def concern_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    concern = _concern(request, pk)
    form = concern_forms.AcknowledgeForm(
        _post(request), initial={"acknowledged_on": timezone.localdate()}
    )

    def apply(data: dict[str, Any]) -> None:
        concern_acknowledge(concern=concern, actor=user_of(request), **data)

    if form_submitted(request, form, apply):
        messages.success(request, "The concern was acknowledged.")
        return redirect("concerns:detail", concern.pk)
    context = {"form": form, "concern": concern, "title": "Acknowledge the concern"}
    return render(request, "concerns/action.html", context)


@require_http_methods(["GET", "POST"])
def concern_respond_view(request: HttpRequest, pk: int) -> HttpResponse:
    concern = _concern(request, pk)
    form = concern_forms.RespondForm(_post(request), initial={"responded_on": timezone.localdate()})

    def apply(data: dict[str, Any]) -> None:
        concern_respond(concern=concern, actor=user_of(request), **data)

    if form_submitted(request, form, apply):
        messages.success(request, "The response was recorded.")
        return redirect("concerns:detail", concern.pk)
    context = {"form": form, "concern": concern, "title": "Record the response"}
    return render(request, "concerns/action.html", context)


@require_http_methods(["GET", "POST"])
def concern_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The DPO names the student a concern turned out to be about (ADR 0035)."""
    user = user_of(request)
    concern = _concern(request, pk)
    students = student_record_visible_to(user).filter(partnership=concern.partnership)
    form = LinkStudentForm(_post(request), students=students)

    def apply(data: dict[str, Any]) -> None:
        concern_link_student(concern=concern, student=data["student"], actor=user)

    if form_submitted(request, form, apply):
        messages.success(request, "The concern is now linked to the student's record.")
        return redirect("concerns:detail", concern.pk)
    record_list(request, list(students), part="concern_link_form")
    context = {"form": form, "concern": concern, "title": "Name the student it is about"}
    return render(request, "concerns/action.html", context)
