"""The rights register for the co-ordinator and the DPO, and the family's requests in the
portal. A request outside the user's scope is a 404; a form the user may not use, 403."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import Membership, User
from seip.core.forms import form_submitted
from seip.organisations.models import Partnership
from seip.progress.selectors import portal_students_visible_to
from seip.rights import forms as rights_forms
from seip.rights.access import open_request as _request
from seip.rights.models import PauseReason, RequestType, Status
from seip.rights.models import RightsRequest as Request
from seip.rights.selectors import (
    DUE_SOON_DAYS,
    HANDLER_ROLES,
    RegisterRow,
    child_age_on,
    child_view_expected,
    clock_of,
    dashboard,
    portal_requests_of,
    register_rows,
    restriction_of,
    urgency_of,
)
from seip.rights.services import (
    ensure_handler,
    rights_checks_record,
    rights_complete,
    rights_extend,
    rights_identity_verified,
    rights_pause,
    rights_refuse,
    rights_request_create,
    rights_request_link_student,
    rights_request_portal,
    rights_resume,
    rights_withdraw,
)
from seip.sharing.access import record_list
from seip.students.selectors import student_record_visible_to


def _handled_partnerships(user: User) -> Any:
    ids = Membership.objects.filter(user=user, role__in=HANDLER_ROLES).values("partnership")
    return Partnership.objects.filter(pk__in=ids)


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def register(request: HttpRequest) -> HttpResponse:
    """Overdue, due soon and every open request, soonest first, then the closed ones."""
    if not _handled_partnerships(user_of(request)).exists():
        raise PermissionDenied("Only the co-ordinator or the DPO can see rights requests.")
    board = dashboard(user_of(request))
    rows = board.open + board.closed
    named = {row.request.student_id: row.request.student for row in rows if row.request.student}
    record_list(request, list(named.values()), part="rights_register")
    context = {"board": board, "due_soon_days": DUE_SOON_DAYS}
    return render(request, "rights/register.html", context)


@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    partnerships = _handled_partnerships(user)
    if not partnerships.exists():
        raise PermissionDenied("Only the co-ordinator or the DPO can enter rights requests.")
    # Archived students too: a request can come after the student has left (P17).
    students = student_record_visible_to(user).filter(partnership__in=partnerships)
    form = rights_forms.RequestForm(_post(request), partnerships=partnerships, students=students)
    created: list[Request] = []

    def create(data: dict[str, Any]) -> None:
        created.append(rights_request_create(actor=user, **form.request_fields()))

    if form_submitted(request, form, create):
        return redirect("rights:detail", created[0].pk)
    # The student picker names every student it offers: a list read like any other.
    record_list(request, list(students), part="rights_new_form")
    return render(request, "rights/request_form.html", {"form": form})


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rights_request = _request(request, pk)
    state = clock_of(rights_request)
    context = {
        "item": RegisterRow(
            rights_request, state, urgency_of(rights_request, state, timezone.localdate())
        ),
        "pauses": rights_request.pauses.all(),
        "open_pause": next((p for p in rights_request.pauses.all() if p.ended_on is None), None),
        "child_age": child_age_on(rights_request),
        "child_view_expected": child_view_expected(rights_request),
        "restriction": restriction_of(rights_request),
    }
    return render(request, "rights/request_detail.html", context)


@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Name the student on record a request turned out to be about: its text moves under
    the student's own key (``rights_request_link_student``, ADR 0035)."""
    user = user_of(request)
    item = _request(request, pk)
    ensure_handler(user, item.partnership)
    students = student_record_visible_to(user).filter(partnership=item.partnership)
    form = rights_forms.LinkStudentForm(_post(request), students=students)

    def link(data: dict[str, Any]) -> None:
        rights_request_link_student(request=item, student=data["student"], actor=user)

    if form_submitted(request, form, link):
        return redirect("rights:detail", item.pk)
    record_list(request, list(students), part="rights_link_form")
    context = {
        "form": form,
        "item": item,
        "title": "Name the student on record",
        "clock": clock_of(item),
    }
    return render(request, "rights/action.html", context)


Apply = Callable[[Request, dict[str, Any], User], object]


def _close(item: Request, data: dict[str, Any], actor: User) -> object:
    outcome, on, notes = data["outcome"], data["closed_on"], data["notes"]
    if outcome == Status.COMPLETED:
        return rights_complete(request=item, completed_on=on, outcome_notes=notes, actor=actor)
    if outcome == Status.REFUSED:
        return rights_refuse(request=item, refused_on=on, reason=notes, actor=actor)
    return rights_withdraw(request=item, withdrawn_on=on, note=notes, actor=actor)


#: Each action on a request: its form, the service it calls, and the page heading.
ACTIONS: dict[str, tuple[type[forms.Form], Apply, str]] = {
    "identity": (
        rights_forms.IdentityForm,
        lambda r, d, a: rights_identity_verified(request=r, actor=a, **d),
        "Record the identity check",
    ),
    "checks": (
        rights_forms.ChecksForm,
        lambda r, d, a: rights_checks_record(request=r, actor=a, **d),
        "Parental responsibility and the child's view",
    ),
    "pause": (
        rights_forms.PauseForm,
        lambda r, d, a: rights_pause(
            request=r,
            reason=PauseReason(d["reason"]),
            asked_on=d["asked_on"],
            note=d["note"],
            actor=a,
        ),
        "Stop the clock",
    ),
    "resume": (
        rights_forms.ResumeForm,
        lambda r, d, a: rights_resume(request=r, actor=a, **d),
        "Restart the clock",
    ),
    "extend": (
        rights_forms.ExtendForm,
        lambda r, d, a: rights_extend(request=r, actor=a, **d),
        "Extend the deadline",
    ),
    "close": (rights_forms.CloseForm, _close, "Close the request"),
}


_DATES = ("checked_on", "asked_on", "received_on", "notified_on", "closed_on")


def _action(name: str) -> Callable[[HttpRequest, int], HttpResponse]:
    form_class, apply, title = ACTIONS[name]

    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        item = _request(request, pk)
        ensure_handler(user_of(request), item.partnership)
        form = form_class(_post(request), initial=dict.fromkeys(_DATES, timezone.localdate()))
        if form_submitted(request, form, lambda data: apply(item, data, user_of(request))):
            messages.success(request, f"{title}: saved.")
            return redirect("rights:detail", item.pk)
        context = {"form": form, "item": item, "title": title, "clock": clock_of(item)}
        return render(request, "rights/action.html", context)

    view.__name__ = f"request_{name}"
    return view


request_identity = _action("identity")
request_checks = _action("checks")
request_pause = _action("pause")
request_resume = _action("resume")
request_extend = _action("extend")
request_close = _action("close")


def portal_requests(request: HttpRequest) -> HttpResponse:
    """A family's own requests and when each must be answered."""
    rows = register_rows(portal_requests_of(user_of(request)))
    can_ask = portal_students_visible_to(user_of(request)).exists()
    return render(request, "rights/portal_list.html", {"rows": rows, "can_ask": can_ask})


@require_http_methods(["GET", "POST"])
def portal_request_new(request: HttpRequest) -> HttpResponse:
    students = portal_students_visible_to(user_of(request))
    if not students.exists():
        raise PermissionDenied("You can ask only about a child you follow in the portal.")
    form = rights_forms.PortalRequestForm(_post(request), students=students)

    def ask(data: dict[str, Any]) -> None:
        rights_request_portal(
            student=data["student"],
            type=RequestType(data["type"]),
            details=data["details"],
            actor=user_of(request),
        )

    if form_submitted(request, form, ask):
        return redirect("rights:portal")
    return render(request, "rights/portal_form.html", {"form": form})
