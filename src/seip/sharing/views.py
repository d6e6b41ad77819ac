"""Involvements and the disclosure log. Students are fetched through the scoped
querysets, so a record the user may not see is a 404; a reader who may not write gets 403."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import User
from seip.core.forms import form_submitted
from seip.progress.selectors import portal_students_visible_to
from seip.records.permissions import access_for
from seip.sharing.access import open_record
from seip.sharing.forms import EndInvolvementForm, InvolvementForm
from seip.sharing.models import Involvement
from seip.sharing.selectors import disclosure_days
from seip.sharing.services import involvement_create, involvement_end
from seip.students.models import Student
from seip.students.permissions import can_write
from seip.students.selectors import student_record_visible_to


def _writer(user: User, student: Student) -> None:
    if not can_write(user, student):
        raise PermissionDenied("Only the student's case staff can record who works with them.")


def _staff(user: User, student: Student) -> None:
    """The log is the partnership team's: others are told nothing, as for the chronology."""
    if not access_for(user, student).is_staff:
        raise Http404


def _form_page(
    request: HttpRequest, student: Student, form: InvolvementForm | EndInvolvementForm, title: str
) -> HttpResponse:
    return render(
        request, "students/case_form.html", {"form": form, "student": student, "title": title}
    )


@require_http_methods(["GET", "POST"])
def involvement_new(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="involvement_form", check=_writer)
    form = InvolvementForm(
        request.POST if request.method == "POST" else None,
        student=student,
        initial={"starts_on": timezone.localdate()},
    )

    def apply(data: dict[str, Any]) -> None:
        involvement_create(student=student, actor=user_of(request), **data)

    if form_submitted(request, form, apply):
        messages.success(request, "The organisation's involvement was recorded.")
        return redirect("students:detail", student.pk)
    return _form_page(request, student, form, "Record an organisation working with this student")


@require_http_methods(["GET", "POST"])
def involvement_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    involvement = get_object_or_404(
        Involvement.objects.filter(student__in=student_record_visible_to(user_of(request))), pk=pk
    )
    student = open_record(
        request, involvement.student_id, part="involvement_end_form", check=_writer
    )
    form = EndInvolvementForm(
        request.POST if request.method == "POST" else None,
        initial={"ends_on": timezone.localdate()},
    )

    def apply(data: dict[str, Any]) -> None:
        involvement_end(involvement=involvement, ends_on=data["ends_on"], actor=user_of(request))

    if form_submitted(request, form, apply):
        messages.success(request, "The involvement was ended. Their access ends now.")
        return redirect("students:detail", student.pk)
    return _form_page(request, student, form, f"End {involvement.organisation.name}'s involvement")


@require_GET
def disclosures(request: HttpRequest, pk: int) -> HttpResponse:
    """The partnership's view of the disclosure log: its staff only; others are told
    nothing, as for the chronology."""
    student = open_record(request, pk, part="disclosures", check=_staff)
    return render(
        request,
        "sharing/disclosures.html",
        {"student": student, "days": disclosure_days(student), "portal": False},
    )


@require_GET
def portal_disclosures(request: HttpRequest, pk: int) -> HttpResponse:
    """For the family: who has seen or received this child's record."""
    student = open_record(request, pk, part="portal_disclosures", scope=portal_students_visible_to)
    return render(
        request,
        "sharing/disclosures.html",
        {"student": student, "days": disclosure_days(student), "portal": True},
    )
