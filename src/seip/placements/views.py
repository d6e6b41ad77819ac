"""Pages for placements, part-time timetables, suspensions and the census return.

Each page opens the child through ``sharing.access.open_record`` (scope, page rule,
read recorded), reads rows through the scoping functions in ``selectors`` and writes
through one audited service in ``services``.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.behaviour.models import Exclusion, ExclusionKind
from seip.core.calendar import Term
from seip.core.forms import GovUKForm, form_submitted
from seip.placements import services
from seip.placements.census import CensusRefused, census_return
from seip.placements.forms import (
    CensusForm,
    CheckForm,
    PlanForm,
    ProviderForm,
    SuspensionForm,
    TimetableForm,
    VisitForm,
)
from seip.placements.models import Provider, Registration
from seip.placements.schooldays import provision_due_on, suspension_days
from seip.placements.selectors import (
    census_schools_for,
    panel_context,
    placements_visible_to,
    providers_manageable_by,
    timetables_visible_to,
)
from seip.provision.models import Intervention, InterventionType
from seip.sharing.access import open_record, record_list
from seip.students.models import Student
from seip.students.permissions import refuse_write


def _form_view(
    request: HttpRequest,
    student: Student,
    form: GovUKForm,
    title: str,
    apply: Callable[[dict[str, Any]], str],
    lead: str = "",
) -> HttpResponse:
    if form_submitted(request, form, lambda data: messages.success(request, apply(data))):
        return redirect("placements:list", student.pk)
    context = {"form": form, "student": student, "title": title, "lead": lead}
    return render(request, "placements/form.html", context)


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@require_GET
def placement_list(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="placements")
    context = panel_context(student, user_of(request), timezone.localdate())
    return render(request, "placements/list.html", context)


@require_http_methods(["GET", "POST"])
def plan_add(request: HttpRequest, pk: int, intervention_pk: int) -> HttpResponse:
    student = open_record(request, pk, part="placement_plan_form", check=refuse_write)
    intervention = get_object_or_404(
        Intervention.objects.select_related("student", "provider"),
        pk=intervention_pk,
        student=student,
        type=InterventionType.AP_PLACEMENT,
    )
    form = PlanForm(_data(request), schools=student.partnership.schools.order_by("name"))

    def apply(data: dict[str, Any]) -> str:
        services.placement_plan_record(
            intervention=intervention,
            commissioning_school=data["commissioning_school"],
            primary_reason=data["primary_reason"],
            objectives=data["objectives"],
            reintegration_criteria=data["reintegration_criteria"],
            sessions_per_week=data["sessions_per_week"],
            maximum_end=data["maximum_end"],
            planned_end=data["planned_end"],
            setting_type=data["setting_type"],
            actor=user_of(request),
        )
        return "Placement plan recorded"

    return _form_view(request, student, form, "Record the placement plan", apply)


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    user = user_of(request)
    student = open_record(request, pk, part="placement_plan_form", check=refuse_write)
    placement = get_object_or_404(
        placements_visible_to(user).select_related("intervention"), pk=placement_pk, student=student
    )
    placement.student = student
    initial = {
        name: getattr(placement, name)
        for name in (
            "primary_reason", "setting_type", "objectives", "reintegration_criteria",
            "sessions_per_week", "planned_end", "maximum_end", "end_reason",
        )
    }  # fmt: skip
    initial["commissioning_school"] = placement.commissioning_school_id
    form = PlanForm(
        _data(request),
        initial=initial,
        schools=student.partnership.schools.order_by("name"),
        ending=placement.intervention.end_date is not None,
    )

    def apply(data: dict[str, Any]) -> str:
        changes = {k: v for k, v in data.items() if k in initial}
        services.placement_plan_update(placement=placement, actor=user, **changes)
        return "Placement plan updated"

    return _form_view(request, student, form, "Change the placement plan", apply)


@require_http_methods(["GET", "POST"])
def placement_review(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    user = user_of(request)
    student = open_record(request, pk, part="placement_check_form", check=refuse_write)
    placement = get_object_or_404(
        placements_visible_to(user).select_related("intervention"), pk=placement_pk, student=student
    )
    form = CheckForm(_data(request))

    def apply(data: dict[str, Any]) -> str:
        services.placement_check_record(placement=placement, actor=user, **data)
        return "Placement review recorded"

    return _form_view(request, student, form, "Record a half-termly review", apply)


@require_http_methods(["GET", "POST"])
def timetable_add(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="timetable_form", check=refuse_write)
    form = TimetableForm(_data(request))
    del form.fields["ended_on"]

    def apply(data: dict[str, Any]) -> str:
        services.timetable_record(student=student, actor=user_of(request), **data)
        return "Part-time timetable recorded"

    return _form_view(request, student, form, "Record a part-time timetable", apply)


@require_http_methods(["GET", "POST"])
def timetable_edit(request: HttpRequest, pk: int, timetable_pk: int) -> HttpResponse:
    user = user_of(request)
    student = open_record(request, pk, part="timetable_form", check=refuse_write)
    timetable = get_object_or_404(timetables_visible_to(user), pk=timetable_pk, student=student)
    timetable.student = student
    fields = TimetableForm.base_fields
    initial = {name: getattr(timetable, name) for name in fields}
    form = TimetableForm(_data(request), initial=initial)

    def apply(data: dict[str, Any]) -> str:
        changes = {k: v if v is not None else None for k, v in data.items()}
        services.timetable_update(timetable=timetable, actor=user, **changes)
        return "Part-time timetable updated"

    return _form_view(
        request, student, form, "Change, extend or end the part-time timetable", apply
    )


@require_http_methods(["GET", "POST"])
def suspension(request: HttpRequest, pk: int, exclusion_pk: int) -> HttpResponse:
    student = open_record(request, pk, part="suspension_form", check=refuse_write)
    exclusion = get_object_or_404(
        Exclusion.objects.select_related("follow_up"),
        pk=exclusion_pk,
        student=student,
        kind=ExclusionKind.SUSPENSION,
    )
    exclusion.student = student
    follow = getattr(exclusion, "follow_up", None)
    initial = (
        {
            "council_told_on": follow.council_told_on,
            "provision_from": follow.provision_from,
            "provision": follow.provision,
        }
        if follow is not None
        else {}
    )
    form = SuspensionForm(_data(request), initial=initial)

    def apply(data: dict[str, Any]) -> str:
        services.suspension_follow_up(
            exclusion=exclusion,
            council_told_on=data["council_told_on"],
            provision_from=data["provision_from"],
            provision=data["provision"],
            actor=user_of(request),
        )
        return "Suspension follow-up recorded"

    title = f"The suspension from {exclusion.start_date:%-d %B %Y}"
    return _form_view(request, student, form, title, apply, lead=_suspension_lead(exclusion))


def _suspension_lead(exclusion: Exclusion) -> str:
    """What the key worker needs before the form: how long, and when day 6 is."""
    days = suspension_days(exclusion.sessions)
    day_six = provision_due_on(exclusion.start_date, exclusion.sessions)
    if day_six is None:
        return (
            f"A suspension of {days} school day{'s' if days != 1 else ''}: no education has to "
            "be arranged, but the council must be told."
        )
    return (
        f"A suspension of {days} school days. From the sixth, {day_six:%A %-d %B %Y}, "
        "education must be arranged; the council must be told of every suspension."
    )


@require_GET
def census(request: HttpRequest) -> HttpResponse:
    """The census-ready AP return for one school and term: the school contact's own
    school, or any of a co-ordinator's. Downloading it records a read (an export) of
    every student it names; a refusal records the read of the students it names."""
    user = user_of(request)
    schools = census_schools_for(user)
    if not schools.exists():
        raise PermissionDenied("Only a co-ordinator or a school contact makes the census return")
    form = CensusForm(request.GET or None, schools=schools)
    problems: list[str] = []
    if request.GET and form.is_valid():
        school = form.cleaned_data["school"]
        term = Term(form.cleaned_data["year"], form.cleaned_data["term"])
        detail = {"school": school.pk, "term": term.slug}
        try:
            made = census_return(user=user, school=school, term=term)
        except CensusRefused as refused:
            problems = refused.problems
            students = list({p.student_id: p.student for p in refused.placements}.values())
            record_list(request, students, part="placement_census_refused", detail=detail)
        else:
            students = list({p.student_id: p.student for p in made.placements}.values())
            record_list(request, students, part="placement_census", detail=detail, export=True)
            response = HttpResponse(made.content, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
            return response
    return render(request, "placements/census.html", {"form": form, "problems": problems})


def _coordinator_only(user: User) -> None:
    if not has_role(user, [Role.COORDINATOR]):
        raise PermissionDenied("Only a partnership co-ordinator keeps a provider's details")


@require_http_methods(["GET", "POST"])
def provider(request: HttpRequest, organisation: int) -> HttpResponse:
    """An alternative provider's census identity, registration and quality-assurance
    visits (no child on the page)."""
    user = user_of(request)
    _coordinator_only(user)
    found = get_object_or_404(providers_manageable_by(user), pk=organisation)
    details = Provider.objects.filter(organisation=found).first()
    initial = (
        {"urn": details.urn, "ukprn": details.ukprn, "registration": details.registration}
        if details is not None
        else {"registration": Registration.UNKNOWN}
    )
    form = ProviderForm(_data(request), initial=initial)

    def apply(data: dict[str, Any]) -> None:
        services.provider_record(organisation=found, actor=user, **data)
        messages.success(request, "Provider details saved")

    if form_submitted(request, form, apply):
        return redirect("placements:provider", found.pk)
    visits = list(details.visits.all()) if details is not None else []
    context = {"organisation": found, "form": form, "visits": visits, "details": details}
    return render(request, "placements/provider.html", context)


@require_http_methods(["GET", "POST"])
def provider_visit(request: HttpRequest, organisation: int) -> HttpResponse:
    user = user_of(request)
    _coordinator_only(user)
    found = get_object_or_404(providers_manageable_by(user), pk=organisation)
    form = VisitForm(_data(request))

    def apply(data: dict[str, Any]) -> None:
        details = Provider.objects.filter(organisation=found).first() or services.provider_record(
            organisation=found, actor=user
        )
        services.quality_visit_record(provider=details, actor=user, **data)
        messages.success(request, "Quality-assurance visit recorded")

    if form_submitted(request, form, apply):
        return redirect("placements:provider", found.pk)
    context = {"organisation": found, "form": form, "title": "Record a quality-assurance visit"}
    return render(request, "placements/provider_form.html", context)
