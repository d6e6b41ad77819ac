from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import PARTNERSHIP_ROLES, User
from seip.accounts.selectors import has_role
from seip.core.forms import apply_errors
from seip.progress.charts import to_svg
from seip.progress.forms import FamilyInviteForm, PortalAccessForm, ReviewForm
from seip.progress.models import PortalRelationship
from seip.progress.pdf import render_pdf
from seip.progress.report import Audience, build_report
from seip.progress.selectors import (
    family_plan,
    portal_students_visible_to,
    reviews_due,
    reviews_of,
)
from seip.progress.services import (
    PORTAL_REFUSAL,
    STUDENT_PORTAL_MIN_AGE,
    family_invite,
    may_grant_portal,
    portal_link_grant,
    review_record,
    student_age,
)
from seip.sharing.access import open_record, record_list
from seip.students.models import Student
from seip.students.permissions import can_write, ensure_can_write
from seip.students.selectors import current_case


def due(request: HttpRequest) -> HttpResponse:
    """Reviews due, due soon and overdue: the key worker's caseload, or the partnership's."""
    items = reviews_due(user_of(request))
    record_list(request, [item.case.student for item in items], part="reviews_due")
    return render(request, "progress/due.html", {"due": items})


def _portal_granter(user: User, student: Student) -> None:
    if not may_grant_portal(user, student):
        raise PermissionDenied(
            "Only the co-ordinator or the student's key worker can give portal access."
        )


@require_http_methods(["GET", "POST"])
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="review_form", check=ensure_can_write)
    user = user_of(request)
    case = current_case(student)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and case is not None:
        try:
            review_record(case=case, actor=user, **form.review_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The review was recorded. The next review date has moved on.")
            return redirect("progress:reviews", student.pk)
    return render(request, "progress/review_form.html", {"form": form, "student": student})


def reviews(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="reviews")
    case = current_case(student)
    return render(
        request,
        "progress/reviews.html",
        {
            "student": student,
            "reviews": reviews_of(case) if case else [],
            "can_write": can_write(user_of(request), student),
        },
    )


@require_http_methods(["GET", "POST"])
def portal_access(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="portal_access_form", check=_portal_granter)
    form = PortalAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        person = User.objects.filter(email=form.cleaned_data["email"].lower()).first()
        try:
            if person is None:
                # The same words as any other refusal: the form does not tell who has
                # an account.
                raise ValidationError({"email": PORTAL_REFUSAL})
            portal_link_grant(
                user=person,
                student=student,
                relationship=PortalRelationship(form.cleaned_data["relationship"]),
                parental_responsibility=form.cleaned_data["parental_responsibility"],
                actor=user_of(request),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("students:detail", student.pk)
    return render(request, "progress/portal_access.html", {"form": form, "student": student})


@require_http_methods(["GET", "POST"])
def family_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite a parent or carer from the contacts with parental responsibility, or the
    student from 13 (ADR 0031). The form shows the student and their contacts, so it is
    opened as a read of the record."""
    student = open_record(request, pk, part="family_invite_form", check=_portal_granter)
    contacts = list(student.contacts.filter(parental_responsibility=True))
    choices = [
        (f"contact:{c.pk}", f"{c.name} ({c.relationship}){'' if c.email else ': no email'}")
        for c in contacts
    ]
    if student_age(student) >= STUDENT_PORTAL_MIN_AGE:
        choices.append(("student", f"{student.first_name} {student.last_name}, the student"))
    form = FamilyInviteForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"]
        contact = next((c for c in contacts if who == f"contact:{c.pk}"), None)
        try:
            family_invite(
                student=student,
                contact=contact,
                student_email=form.cleaned_data["student_email"] or "",
                site=request.build_absolute_uri("/").rstrip("/"),
                actor=user_of(request),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Invitation sent. They can see this student's progress only.")
            return redirect("students:detail", student.pk)
    return render(
        request,
        "progress/family_invite.html",
        {"form": form, "student": student, "min_age": STUDENT_PORTAL_MIN_AGE},
    )


def portal_home(request: HttpRequest) -> HttpResponse:
    """The family portal: the children (or the student themself) this account may follow."""
    students = list(portal_students_visible_to(user_of(request)))
    # The family's own read: audited, never a disclosure (they are not an organisation).
    record_list(request, students, part="portal_home")
    return render(request, "progress/portal_home.html", {"students": students})


def _staff_audience(user: User, student: Student) -> Audience:
    if has_role(user, PARTNERSHIP_ROLES, partnership=student.partnership):
        return Audience.KEY_WORKER
    return Audience.SCHOOL


def _progress_page(
    request: HttpRequest, student: Student, audience: Audience, pdf_url: str
) -> HttpResponse:
    report = build_report(student, audience)
    charts = [(chart, to_svg(chart), chart.table()) for chart in report.charts]
    family = audience in (Audience.PARENT, Audience.STUDENT)
    return render(
        request,
        "progress/progress.html",
        {
            "report": report,
            "student": student,
            "charts": charts,
            "pdf_url": pdf_url,
            # The family's page also carries the plan: staff have it on the record.
            "plan": family_plan(student) if family else None,
        },
    )


def _pdf(student: Student, audience: Audience) -> HttpResponse:
    response = HttpResponse(
        render_pdf(build_report(student, audience)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="progress-report-{student.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff and school view: everything for the partnership; schools only see students
    on their roll while the family's consent covers schools (the scoped queryset)."""
    student = open_record(request, pk, part="progress")
    audience = _staff_audience(user_of(request), student)
    return _progress_page(request, student, audience, reverse("progress:progress_pdf", args=[pk]))


def progress_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="progress_pdf", download=True)
    return _pdf(student, _staff_audience(user_of(request), student))


def _portal_student(request: HttpRequest, pk: int, part: str) -> tuple[Student, Audience]:
    student = open_record(
        request, pk, part=part, download=part == "portal_pdf", scope=portal_students_visible_to
    )
    link = student.portal_links.filter(user=user_of(request), revoked_at__isnull=True).first()
    audience = (
        Audience.STUDENT
        if link is not None and link.relationship == PortalRelationship.STUDENT
        else Audience.PARENT
    )
    return student, audience


def portal_progress(request: HttpRequest, pk: int) -> HttpResponse:
    student, audience = _portal_student(request, pk, "portal")
    return _progress_page(request, student, audience, reverse("progress:portal_pdf", args=[pk]))


def portal_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    student, audience = _portal_student(request, pk, "portal_pdf")
    return _pdf(student, audience)
