"""Pages for a student's behaviour, attitude and attainment (P03).

The student is opened through ``sharing.access.open_record``, so a student the user may
not see is a 404 and every page shown is a recorded read. The pages are for the
partnership's case staff: anyone else who can see the student gets a 403, and recording
also needs a record that is not archived.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import User
from seip.accounts.selectors import has_role
from seip.behaviour.codes import ATTITUDE_SCALE
from seip.behaviour.forms import AttitudeForm, ExclusionForm, IncidentForm, ResultForm, SourcedForm
from seip.behaviour.selectors import (
    attitude_series,
    incidents_of,
    latest_attainment,
    suspensions,
)
from seip.behaviour.services import (
    attitude_record,
    exclusion_record,
    incident_record,
    result_record,
)
from seip.core.forms import form_submitted
from seip.sharing.access import open_record
from seip.students.models import Student
from seip.students.permissions import CASE_STAFF, can_write, refuse_write


def _case_staff(user: User, student: Student) -> None:
    if not has_role(user, CASE_STAFF, partnership=student.partnership):
        raise PermissionDenied("Only the partnership's case staff can see this page.")


def _writer(user: User, student: Student) -> None:
    _case_staff(user, student)
    refuse_write(user, student)


@require_GET
def behaviour_list(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="behaviour", check=_case_staff)
    context = {
        "student": student,
        "incidents": incidents_of(student),
        "exclusions": suspensions(student),
        "ratings": attitude_series(student)[::-1],
        "attitude_scale": ATTITUDE_SCALE,
        "attainment": latest_attainment(student),
        "results": student.attainment_results.select_related("source_organisation"),
        "can_record": can_write(user_of(request), student),
    }
    return render(request, "behaviour/behaviour_list.html", context)


def _record(
    request: HttpRequest,
    pk: int,
    form_class: type[SourcedForm],
    title: str,
    save: Callable[[Student, SourcedForm, User], Any],
) -> HttpResponse:
    """The shared shape of every record page: validate, call one audited service, show its
    ValidationError on the form, or go back to the list."""
    student = open_record(request, pk, part="behaviour_form", check=_writer)
    form = form_class(request.POST if request.method == "POST" else None, student=student)
    if form_submitted(request, form, lambda data: save(student, form, user_of(request))):
        messages.success(request, "Saved to the behaviour record.")
        return redirect("behaviour:list", student.pk)
    context = {"form": form, "student": student, "title": title, "attitude_scale": ATTITUDE_SCALE}
    return render(request, "behaviour/record_form.html", context)


@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest, pk: int) -> HttpResponse:
    def save(student: Student, form: SourcedForm, actor: User) -> None:
        data = form.cleaned_data
        incident_record(
            student=student,
            occurred_on=data["occurred_on"],
            category=data["category"],
            severity=data["severity"],
            description=data["description"],
            actor=actor,
            **form.source(),
        )

    return _record(request, pk, IncidentForm, "Record an incident", save)


@require_http_methods(["GET", "POST"])
def exclusion_new(request: HttpRequest, pk: int) -> HttpResponse:
    def save(student: Student, form: SourcedForm, actor: User) -> None:
        data = form.cleaned_data
        exclusion_record(
            student=student,
            kind=data["kind"],
            school=data["school"],
            start_date=data["start_date"],
            sessions=data["sessions"],
            reasons=[data["reason_1"], data["reason_2"], data["reason_3"]],
            actor=actor,
            **form.source(),
        )

    return _record(request, pk, ExclusionForm, "Record a suspension or permanent exclusion", save)


@require_http_methods(["GET", "POST"])
def attitude_new(request: HttpRequest, pk: int) -> HttpResponse:
    def save(student: Student, form: SourcedForm, actor: User) -> None:
        data = form.cleaned_data
        attitude_record(
            student=student,
            rated_on=data["rated_on"],
            engagement=data["engagement"],
            relationships=data["relationships"],
            self_regulation=data["self_regulation"],
            attitude_to_learning=data["attitude_to_learning"],
            actor=actor,
            **form.source(),
        )

    return _record(request, pk, AttitudeForm, "Record attitude ratings", save)


@require_http_methods(["GET", "POST"])
def result_new(request: HttpRequest, pk: int) -> HttpResponse:
    def save(student: Student, form: SourcedForm, actor: User) -> None:
        data = form.cleaned_data
        result_record(
            student=student,
            subject=data["subject"],
            subject_other=data["subject_other"],
            assessed_on=data["assessed_on"],
            assessment_label=data["assessment_label"],
            scale=data["scale"],
            grade=data["grade"],
            target_grade=data["target_grade"],
            actor=actor,
            **form.source(),
        )

    return _record(request, pk, ResultForm, "Record a subject result", save)
