from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.attendance.selectors import panel_context as attendance_panel
from seip.behaviour.selectors import panel_context as behaviour_panel
from seip.core.forms import GovUKForm, form_submitted
from seip.core.uploads import upload_limit
from seip.organisations.models import School
from seip.progress.services import may_grant_portal
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
from seip.sharing.access import open_record, record_list
from seip.sharing.selectors import panel_context as sharing_panel
from seip.students.forms import (
    CloseForm,
    KeyWorkerForm,
    LeaveForm,
    StudentFilterForm,
    WithdrawForm,
)
from seip.students.lists import (
    LIST_COLUMNS,
    SORTS,
    ListQuery,
    ListStatus,
    StudentRow,
    export_csv,
    query_detail,
    student_rows,
)
from seip.students.models import Student
from seip.students.selectors import (
    ARCHIVE_ROLES,
    current_case,
    student_record_visible_to,
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


def _coordinator(user: User, student: Student) -> None:
    if not has_role(user, [Role.COORDINATOR], partnership=student.partnership):
        raise PermissionDenied("Only the partnership's co-ordinator can do this.")


def _coordinator_student(request: HttpRequest, pk: int, part: str) -> Student:
    return open_record(request, pk, part=part, check=_coordinator)


#: Rows per page of a list: a caseload fits on one page; a whole partnership is paged.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    """A sortable column heading: its sort link and its ``aria-sort`` state."""

    label: str
    href: str
    aria_sort: str


def _may_open_archive(user: User) -> bool:
    return has_role(user, ARCHIVE_ROLES)


def _filter_form(request: HttpRequest, user: User, *, archive: bool) -> StudentFilterForm:
    # The choices come from the reader's own scope: a filter never names a school or a
    # key worker of students they cannot see (P08).
    visible = student_record_visible_to(user) if archive else students_visible_to(user)
    return StudentFilterForm(
        request.GET or None,
        schools=School.objects.filter(students__in=visible).distinct().order_by("name"),
        key_workers=User.objects.filter(caseload__student__in=visible)
        .distinct()
        .order_by("full_name"),
        archive=archive,
    )


def _with(request: HttpRequest, **changes: str | None) -> str:
    """The current query string with ``changes`` applied (``None`` removes a key)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return f"?{params.urlencode()}" if params else "?"


def _columns(request: HttpRequest, sort: str, descending: bool) -> list[Column]:
    columns = []
    for key, label in LIST_COLUMNS:
        current = key == sort
        flip = "asc" if current and descending else "desc" if current else "asc"
        state = ("descending" if descending else "ascending") if current else "none"
        columns.append(Column(label, _with(request, sort=key, dir=flip, page=None), state))
    return columns


def _sort_of(request: HttpRequest) -> tuple[str, bool]:
    sort = request.GET.get("sort", "name")
    return (sort if sort in SORTS else "name"), request.GET.get("dir") == "desc"


def student_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, archive=False)


def archive_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, archive=True)


def _query(request: HttpRequest, form: StudentFilterForm, *, archive: bool) -> ListQuery:
    sort, descending = _sort_of(request)
    query = form.list_query(sort=sort, descending=descending)
    if archive:
        # The archive page is the list of archived records, whatever else is asked.
        query = replace(query, statuses=frozenset({ListStatus.ARCHIVED}))
    return query


def _list_page(request: HttpRequest, *, archive: bool) -> HttpResponse:
    user = user_of(request)
    form = _filter_form(request, user, archive=_may_open_archive(user))
    query = _query(request, form, archive=archive)
    rows = student_rows(user, query)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # The page names its students: one audit event, a disclosure each to an outsider.
    record_list(
        request, [row.student for row in page], part="archive" if archive else "student_list"
    )
    return render(
        request,
        "students/student_list.html",
        {
            "form": form,
            "rows": page.object_list,
            "page": page,
            "pages": _page_links(request, page),
            "prev_href": _with(request, page=str(page.number - 1)),
            "next_href": _with(request, page=str(page.number + 1)),
            "columns": _columns(request, query.sort, query.descending),
            "archive": archive,
            "query": query,
            "export_href": reverse("students:export") + _with(request, page=None),
        },
    )


def _page_links(request: HttpRequest, page: Page[StudentRow]) -> list[dict[str, Any]]:
    """The GOV.UK pagination items: first, last, and the pages either side of this one,
    with an ellipsis for each gap."""
    last = page.paginator.num_pages
    wanted = sorted(
        {1, last, page.number - 1, page.number, page.number + 1} & set(range(1, last + 1))
    )
    items: list[dict[str, Any]] = []
    for number in wanted:
        if items and number - items[-1]["number"] > 1:
            items.append({"number": number - 1, "ellipsis": True})
        items.append(
            {
                "number": number,
                "href": _with(request, page=str(number)),
                "current": number == page.number,
            }
        )
    return items


def student_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV: the same scope and filters as the page, the read recorded
    as the page records it, with the filters (never the search text) in the event (P14)."""
    user = user_of(request)
    form = _filter_form(request, user, archive=_may_open_archive(user))
    if request.GET and not form.is_valid():
        return _list_page(request, archive=False)
    query = _query(request, form, archive=False)
    rows = student_rows(user, query)
    record_list(
        request,
        [row.student for row in rows],
        part="student_export",
        detail={"format": "csv", "filters": query_detail(query)},
        export=True,
    )
    response = HttpResponse(export_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="students-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Every read is audited; a read from outside the partnership team is also a
    # disclosure the family can see (P14).
    student = open_record(request, pk, part="profile")
    user = user_of(request)
    referral = student.referral
    context = {
        "student": student,
        "case": current_case(student),
        "referral": referral,
        "consents": referral.consents.select_related("notice_version"),
        "live_categories": live_category_labels(referral),
        "may_open_scan": may_open_scan(user, referral),
        # The links to give the family access follow the rule their pages check.
        "may_grant_portal": may_grant_portal(user, student),
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
        messages.success(request, f"{title}: saved.")
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
        case_assign_key_worker(case=case, key_worker=data["key_worker"], actor=user_of(request))

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
            actor=user_of(request),
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
            actor=user_of(request),
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
        consent_withdraw(referral=student.referral, categories=categories, actor=user_of(request))

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
        consent_extend(referral=student.referral, actor=user_of(request), **form.signature())

    return _case_form_view(request, student, form, "Record a new signature adding consent", apply)
