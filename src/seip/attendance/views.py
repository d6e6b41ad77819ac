import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from seip.accounts.http import user_of
from seip.attendance.forms import MarksForm
from seip.attendance.selectors import history, panel_context, week
from seip.attendance.services import attendance_record_sessions
from seip.core.forms import apply_errors
from seip.sharing.access import open_record
from seip.students.models import Student
from seip.students.permissions import ensure_can_write
from seip.students.sources import SourceKind


def _monday(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def _page_url(student: Student, monday: dt.date) -> str:
    return f"{reverse('attendance:student', args=[student.pk])}?week={monday.isoformat()}"


def _record(request: HttpRequest, student: Student, form: MarksForm) -> str | None:
    """Save the form's marks through the service and return the page to go to, or None to
    show the form's errors. 403 for someone who may see the record but not change it."""
    ensure_can_write(user_of(request), student)
    if not form.is_valid():
        return None
    day: dt.date = form.cleaned_data["day"]
    warnings = attendance_record_sessions(
        student=student,
        school=student.school,
        marks={day: form.session_marks()},
        source_kind=SourceKind(form.cleaned_data["source_kind"]),
        source_note="Entered on the attendance page",
        obtained_on=timezone.localdate(),
        actor=user_of(request),
    )
    messages.success(request, f"Marks saved for {day:%A %-d %B %Y}")
    for warning in warnings:
        messages.warning(request, warning)
    return _page_url(student, day - dt.timedelta(days=day.weekday()))


@require_http_methods(["GET", "POST"])
def student_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Half terms, one week's sessions, and (for case staff) a form to enter marks."""
    student = open_record(request, pk, part="attendance")
    form = MarksForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            if target := _record(request, student, form):
                return redirect(target)
        except ValidationError as error:
            apply_errors(form, error)
    monday = _monday(request)
    years = history(student)
    context = {
        "student": student,
        "attendance_page": True,
        "form": form,
        "monday": monday,
        "days": week(student, monday, years=years),
        "previous_week": _page_url(student, monday - dt.timedelta(days=7)),
        "next_week": _page_url(student, monday + dt.timedelta(days=7)),
        **panel_context(student, user_of(request), years=years),
    }
    return render(request, "attendance/student_attendance.html", context)
