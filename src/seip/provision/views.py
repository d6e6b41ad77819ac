from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.core.forms import GovUKForm, form_submitted
from seip.provision.costs import ZERO
from seip.provision.forms import EndForm, InterventionForm, ReviewForm
from seip.provision.models import Intervention
from seip.provision.selectors import panel_context, placement_of
from seip.provision.services import intervention_end, intervention_record, placement_review_record
from seip.sharing.access import open_record
from seip.students.models import Student
from seip.students.permissions import refuse_write
from seip.students.sources import SourceKind


def _intervention(student: Student, pk: int) -> Intervention:
    return get_object_or_404(
        Intervention.objects.select_related("student__partnership", "provider", "placement"),
        pk=pk,
        student=student,
    )


def _form_view(
    request: HttpRequest,
    student: Student,
    form: GovUKForm,
    title: str,
    apply: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Validate the form, call one audited service, show its ValidationError on the
    form, or go back to the student's provision with the service's message."""
    if form_submitted(request, form, lambda data: messages.success(request, apply(data))):
        return redirect("provision:list", student.pk)
    context = {"form": form, "student": student, "title": title}
    return render(request, "provision/form.html", context)


@require_GET
def provision_list(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="provision")
    context = {"student": student, **panel_context(student, user_of(request))}
    return render(request, "provision/intervention_list.html", context)


@require_http_methods(["GET", "POST"])
def intervention_add(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="provision_form", check=refuse_write)
    data = request.POST if request.method == "POST" else None
    form = InterventionForm(data, partnership=student.partnership)

    def apply(data: dict[str, Any]) -> str:
        intervention_record(
            student=student,
            type=data["type"],
            description=data["description"],
            provider=data["provider"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            sessions_planned=data["sessions_planned"],
            sessions_attended=data["sessions_attended"],
            unit_cost=data["unit_cost"],
            quantity=data["quantity"],
            staff_hours=data["staff_hours"] or ZERO,
            staff_hourly_cost=data["staff_hourly_cost"] or ZERO,
            funding_stream=data["funding_stream"],
            placement=form.placement(),
            actor=user_of(request),
        )
        return "Provision recorded"

    return _form_view(request, student, form, "Record provision", apply)


@require_http_methods(["GET", "POST"])
def intervention_end_view(request: HttpRequest, pk: int, intervention_pk: int) -> HttpResponse:
    student = open_record(request, pk, part="provision_end_form", check=refuse_write)
    intervention = _intervention(student, intervention_pk)
    form = EndForm(request.POST if request.method == "POST" else None)

    def apply(data: dict[str, Any]) -> str:
        intervention_end(
            intervention=intervention,
            end_date=data["end_date"],
            sessions_attended=data["sessions_attended"],
            actor=user_of(request),
        )
        return f"{intervention} ended"

    return _form_view(request, student, form, f"End {str(intervention).lower()}", apply)


@require_http_methods(["GET", "POST"])
def placement_review(request: HttpRequest, pk: int, intervention_pk: int) -> HttpResponse:
    student = open_record(request, pk, part="placement_review_form", check=refuse_write)
    intervention = _intervention(student, intervention_pk)
    placement = placement_of(intervention)
    if placement is None:
        raise Http404("Only an Alternative Provision placement has reviews.")
    form = ReviewForm(request.POST if request.method == "POST" else None)

    def apply(data: dict[str, Any]) -> str:
        from_provider = bool(data["from_provider"]) and intervention.provider is not None
        placement_review_record(
            placement=placement,
            reviewed_on=data["reviewed_on"],
            attendance_percent=data["attendance_percent"],
            summary=data["summary"],
            next_steps=data["next_steps"],
            source_kind=SourceKind.AGENCY if from_provider else SourceKind.PARTNERSHIP,
            source_organisation=intervention.provider if from_provider else None,
            actor=user_of(request),
        )
        return "Placement review recorded"

    return _form_view(request, student, form, f"Review the placement at {placement.site}", apply)
