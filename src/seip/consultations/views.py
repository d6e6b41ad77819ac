"""Pages for pre-referral consultations (P25). Reads go through the scoped selectors, so
a consultation you may not see is a 404; writes without the right role are a 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.models import User
from seip.consultations.forms import ConsultationForm
from seip.consultations.selectors import (
    CONSULTATION_ROLES,
    academic_year,
    consultation_activity,
    consultations_visible_to,
    partnership_staff,
    schools_recordable_by,
)
from seip.consultations.services import consultation_record
from seip.core.forms import apply_errors
from seip.organisations.models import Partnership


@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    """The consultations the user may see, with this school year's anonymous counts."""
    user: User = request.user  # type: ignore[assignment]
    if not user.roles & CONSULTATION_ROLES:
        raise PermissionDenied
    visible = consultations_visible_to(user)
    start, end = academic_year(timezone.localdate())
    partnerships = Partnership.objects.filter(pk__in=visible.values("partnership"))
    activities = [
        (partnership, consultation_activity(partnership, start, end, among=visible))
        for partnership in partnerships.order_by("name")
    ]
    page = Paginator(visible.select_related("school"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "activities": activities,
        "start": start,
        "end": end,
        "can_record": schools_recordable_by(user).exists(),
    }
    return render(request, "consultations/consultation_list.html", context)


@require_http_methods(["GET", "POST"])
def consultation_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    schools = schools_recordable_by(user)
    if not schools.exists():
        raise PermissionDenied
    staff = partnership_staff(Partnership.objects.filter(schools__in=schools))
    form = ConsultationForm(
        request.POST if request.method == "POST" else None, schools=schools, staff=staff
    )
    if request.method == "POST" and form.is_valid():
        try:
            consultation = consultation_record(**form.cleaned_data, actor=user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Consultation recorded")
            return redirect("consultations:detail", pk=consultation.pk)
    return render(request, "consultations/consultation_form.html", {"form": form})


@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One consultation. Another school's or partnership's is a 404: the scoped queryset
    cannot find it, so its existence is not confirmed."""
    user: User = request.user  # type: ignore[assignment]
    consultation = get_object_or_404(
        consultations_visible_to(user)
        .select_related("school", "partnership", "recorded_by")
        .prefetch_related("staff"),
        pk=pk,
    )
    return render(request, "consultations/consultation_detail.html", {"consultation": consultation})
