from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.attendance.selectors import panel_context as attendance_panel
from seip.behaviour.selectors import panel_context as behaviour_panel
from seip.core.forms import GovUKForm, form_submitted
from seip.core.uploads import upload_limit
from seip.provision.selectors import panel_context as provision_panel
from seip.records.selectors import panel_context as records_panel
from seip.referrals.forms import SignatureForm
from seip.referrals.selectors import live_category_labels, may_open_scan
from seip.referrals.services import (
    CONSENT_MANAGERS,
    FORM_MAX_BYTES,
    consent_extend,
    consent_withdraw,
)
from seip.sharing.selectors import panel_context as sharing_panel
from seip.students.access import open_record, record_list
from seip.students.forms import CloseForm, KeyWorkerForm, LeaveForm, WithdrawForm
from seip.students.models import Student
from seip.students.selectors import (
    archived_students_visible_to,
    current_case,
    search,
    students_visible_to,
)
from seip.students.services import case_assign_key_worker, case_close, student_leave

PANELS: list[Callable[[Student, User], dict[str, Any]]] = [
    records_panel,
    attendance_panel,
    behaviour_panel,
    provision_panel,
    sharing_panel,
]


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _coordinator(user: User, student: Student) -> None:
    if not has_role(user, [Role.COORDINATOR], partnership=student.partnership):
        raise PermissionDenied("Only the partnership's co-ordinator can do this.")


def _coordinator_student(request: HttpRequest, pk: int, part: str) -> Student:
    return open_record(request, pk, part=part, check=_coordinator)


def student_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, students_visible_to(_user(request)), archive=False)


def archive_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, archived_students_visible_to(_user(request)), archive=True)


#: Rows per page of a list: a caseload fits on one page; a whole partnership is paged.
PAGE_SIZE = 50


def _list_page(request: HttpRequest, students: QuerySet[Student], *, archive: bool) -> HttpResponse:
    # Names are sealed, so the scope is searched and sorted here, its keys opened in one
    # query (selectors.search).
    # Only the names are loaded for the whole scope; the page's rows then in full.
    query = request.GET.get("q", "").strip()[:100]
    names = students.only("pk", "referral_id", "first_name", "last_name")
    page = Paginator(search(names, query), PAGE_SIZE).get_page(request.GET.get("page"))
    full = students.select_related("school").in_bulk([s.pk for s in page.object_list])
    shown = [full[s.pk] for s in page.object_list]
    # The page names its students: one audit event, a disclosure each to an outsider.
    record_list(request, shown, part="archive" if archive else "student_list")
    return render(
        request,
        "students/student_list.html",
        {"students": shown, "page": page, "archive": archive, "query": query},
    )


def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Every read is audited; a read from outside the partnership team is also a
    # disclosure the family can see (P14).
    student = open_record(request, pk, part="profile")
    user = _user(request)
    referral = student.referral
    context = {
        "student": student,
        "case": current_case(student),
        "referral": referral,
        "consents": referral.consents.select_related("notice_version"),
        "live_categories": live_category_labels(referral),
        "may_open_scan": may_open_scan(user, referral),
        "paper_files": student.paper_files.select_related("returned_to"),
        "is_coordinator": has_role(user, [Role.COORDINATOR], partnership=student.partnership),
        "is_staff": has_role(
            user, [Role.COORDINATOR, Role.DPO, Role.KEY_WORKER], partnership=student.partnership
        ),
        "is_dpo": has_role(user, [Role.DPO], partnership=student.partnership),
    }
    # Each part of the record adds its own panel, each at a fixed number of queries.
    for panel in PANELS:
        context.update(panel(student, user))
    return render(request, "students/student_detail.html", context)


def _case_form_view(
    request: HttpRequest,
    student: Student,
    form: GovUKForm,
    title: str,
    apply: Callable[[dict[str, Any]], None],
) -> HttpResponse:
    """The shared shape of every case action: validate the form, call one audited
    service, show its ValidationError on the form, or go back to the record."""
    if form_submitted(request, form, apply):
        return redirect("students:detail", student.pk)
    return render(
        request, "students/case_form.html", {"form": form, "student": student, "title": title}
    )


@require_http_methods(["GET", "POST"])
def key_worker(request: HttpRequest, pk: int) -> HttpResponse:
    student = _coordinator_student(request, pk, "key_worker_form")
    case = current_case(student)
    form = KeyWorkerForm(
        request.POST if request.method == "POST" else None, partnership=student.partnership
    )

    def apply(data: dict[str, Any]) -> None:
        if case is None:
            raise ValidationError("This student has no case.")
        case_assign_key_worker(case=case, key_worker=data["key_worker"], actor=_user(request))

    return _case_form_view(request, student, form, "Assign a key worker", apply)


@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    student = _coordinator_student(request, pk, "close_form")
    case = current_case(student)
    form = CloseForm(request.POST if request.method == "POST" else None)

    def apply(data: dict[str, Any]) -> None:
        if case is None:
            raise ValidationError("This student has no case.")
        case_close(
            case=case,
            outcome=data["outcome"],
            destination=data["destination"],
            actor=_user(request),
        )

    return _case_form_view(request, student, form, "Close the case", apply)


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    student = _coordinator_student(request, pk, "leave_form")
    case = current_case(student)
    form = LeaveForm(request.POST if request.method == "POST" else None)

    def apply(data: dict[str, Any]) -> None:
        if case is None:
            raise ValidationError("This student has no case.")
        student_leave(
            case=case,
            paper_files=str(data["paper_files"]).splitlines(),
            returned_to=None,
            returned_on=data["returned_on"],
            received_by=str(data["received_by"]),
            receipt_confirmed=bool(data["receipt_confirmed"]),
            actor=_user(request),
        )

    return _case_form_view(
        request, student, form, f"Return paper files to {student.school.name} and archive", apply
    )


def _consent_manager(user: User, student: Student) -> None:
    if not has_role(user, CONSENT_MANAGERS, partnership=student.partnership):
        raise PermissionDenied("Only partnership staff can record a change of consent.")


@require_http_methods(["GET", "POST"])
def consent_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="withdraw_form", check=_consent_manager)
    form = WithdrawForm(request.POST if request.method == "POST" else None)

    def apply(data: dict[str, Any]) -> None:
        categories = None if data["everything"] else set(data["categories"])
        consent_withdraw(referral=student.referral, categories=categories, actor=_user(request))

    return _case_form_view(request, student, form, "Record a withdrawal of consent", apply)


@require_http_methods(["GET", "POST"])
@upload_limit(FORM_MAX_BYTES)
def consent_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="extend_form", check=_consent_manager)
    form = SignatureForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        partnership=student.partnership,
    )

    def apply(data: dict[str, Any]) -> None:
        consent_extend(referral=student.referral, actor=_user(request), **form.signature())

    return _case_form_view(request, student, form, "Record a new signature adding consent", apply)
