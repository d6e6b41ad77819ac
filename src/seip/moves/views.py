"""Pages for managed moves and Fair Access.

A move is found through ``moves_visible_to`` (404 otherwise), and its student is then
opened through ``sharing.access.open_record``, which checks the record's own scope and
records the read (P08, P14). Forms check the write rule first (403). Fair Access pages are
the co-ordinator's; a Fair Access case names no child (P25), so reading one is no read of
a record.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import PARTNERSHIP_ROLES, Role
from seip.accounts.selectors import places_of
from seip.core.forms import GovUKForm, form_submitted
from seip.keys.fields import open_all
from seip.moves import forms, services
from seip.moves.models import Allocation, FairAccessCase, ManagedMove
from seip.moves.selectors import (
    allocations_visible_to,
    fair_access_cases_visible_to,
    fairness_table,
    moves_visible_to,
    panels_visible_to,
    uninvited_schools,
)
from seip.organisations.models import Partnership, School
from seip.referrals.models import ReferralStatus
from seip.referrals.selectors import referrals_visible_to
from seip.sharing.access import open_record, record_list
from seip.students.models import Student
from seip.students.permissions import refuse_write, write_refusal


def _name(student: Student) -> str:
    return f"{student.first_name} {student.last_name}"


def _form(
    request: HttpRequest,
    form: GovUKForm,
    title: str,
    apply: Callable[[dict[str, Any]], object],
    done: str,
    *,
    back: str,
    caption: str = "",
) -> HttpResponse | None:
    """Validate, call one audited service, or show the page again with its errors."""
    if form_submitted(request, form, apply):
        messages.success(request, done)
        return None
    context = {"form": form, "title": title, "back": back, "caption": caption}
    return render(request, "moves/form.html", context)


# Managed moves ----------------------------------------------------------------------------


@require_GET
def move_list(request: HttpRequest) -> HttpResponse:
    """The partnership's managed moves, or a school's own (home or host)."""
    user = user_of(request)
    if not user.roles & (PARTNERSHIP_ROLES | {Role.SCHOOL_CONTACT}):
        raise PermissionDenied
    moves = list(moves_visible_to(user).order_by("-trial_starts_on", "-pk"))
    students = [m.student for m in moves]
    # Their names are sealed: every child's key in one query, not one per row.
    open_all(students, [s.referral_id for s in students])
    record_list(request, students, part="managed_moves")
    return render(request, "moves/move_list.html", {"moves": moves})


def _move(request: HttpRequest, pk: int, part: str, check: Any = None) -> ManagedMove:
    move = get_object_or_404(moves_visible_to(user_of(request)), pk=pk)
    move.student = open_record(request, move.student_id, part=part, check=check)
    return move


@require_GET
def move_detail(request: HttpRequest, pk: int) -> HttpResponse:
    move = _move(request, pk, "managed_move")
    context = {"move": move, "can_write": write_refusal(user_of(request), move.student) is None}
    return render(request, "moves/move_detail.html", context)


@require_http_methods(["GET", "POST"])
def move_propose(request: HttpRequest, pk: int) -> HttpResponse:
    student = open_record(request, pk, part="managed_move_form", check=refuse_write)
    schools = School.objects.filter(partnership=student.partnership_id).exclude(
        pk=student.school_id
    )
    form = forms.ProposeForm(request.POST if request.method == "POST" else None, schools=schools)
    made: list[ManagedMove] = []

    def apply(data: dict[str, Any]) -> None:
        made.append(services.move_propose(student=student, actor=user_of(request), **data))

    page = _form(
        request, form, "Propose a managed move", apply, "Managed move proposed",
        back=reverse("students:detail", args=[student.pk]), caption=_name(student),
    )  # fmt: skip
    return page or redirect("moves:detail", made[0].pk)


def _move_form(
    request: HttpRequest,
    pk: int,
    form_class: type[GovUKForm],
    title: str,
    done: str,
    service: Callable[..., object],
) -> HttpResponse:
    move = _move(request, pk, "managed_move_form", check=refuse_write)
    form = form_class(request.POST if request.method == "POST" else None)
    student = move.student
    page = _form(
        request, form, title, lambda data: service(move=move, actor=user_of(request), **data), done,
        back=reverse("moves:detail", args=[move.pk]), caption=_name(student),
    )  # fmt: skip
    return page or redirect("moves:detail", move.pk)


@require_http_methods(["GET", "POST"])
def move_agree(request: HttpRequest, pk: int) -> HttpResponse:
    return _move_form(
        request, pk, forms.AgreeForm, "Record the family's agreement",
        "Agreement recorded: the host school can now see the record", services.move_agree,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def move_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _move_form(
        request, pk, forms.ReviewForm, "Record the review", "Review recorded",
        services.move_review,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def move_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _move_form(
        request, pk, forms.DecideForm, "Record the decision", "Decision recorded",
        services.move_decide,
    )  # fmt: skip


# Fair Access (ADR 0048) -------------------------------------------------------------------


def _coordinated(request: HttpRequest) -> Partnership:
    """The partnership the user co-ordinates (403 for anyone else)."""
    partnerships, _ = places_of(user_of(request), [Role.COORDINATOR])
    if not partnerships:
        raise PermissionDenied
    return Partnership.objects.get(pk=min(partnerships))


@require_GET
def fair_access(request: HttpRequest) -> HttpResponse:
    partnership = _coordinated(request)
    user = user_of(request)
    panels = list(panels_visible_to(user).prefetch_related("invited", "present"))
    for panel in panels:
        panel.missing = uninvited_schools(panel)  # type: ignore[attr-defined]
    context = {
        "partnership": partnership,
        "cases": fair_access_cases_visible_to(user).select_related("allocation__school"),
        "panels": panels,
    }
    return render(request, "moves/fair_access.html", context)


def _cell(value: object) -> str:
    return f"{value:.0f}" if isinstance(value, float) else str(value or "")


@require_GET
def fairness(request: HttpRequest) -> HttpResponse:
    partnership = _coordinated(request)
    table = fairness_table(user_of(request), partnership.pk, timezone.localdate())
    published = table.protected.published() if table.protected is not None else {}
    rows = [
        (school.name, [_cell(published.get((school.name, y))) for y in table.year_groups])
        for school in table.schools
    ]
    context = {"partnership": partnership, "fairness": table, "rows": rows}
    return render(request, "moves/fairness.html", context)


@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    partnership = _coordinated(request)
    schools = School.objects.filter(partnership=partnership)
    data = request.POST if request.method == "POST" else None
    form = forms.FairAccessCaseForm(data, schools=schools)
    made: list[FairAccessCase] = []

    def apply(data: dict[str, Any]) -> None:
        made.append(
            services.fair_access_case_open(partnership=partnership, actor=user_of(request), **data)
        )

    page = _form(
        request,
        form,
        "Open a Fair Access case",
        apply,
        "Case opened",
        back=reverse("moves:fair_access"),
    )
    return page or redirect("moves:case", made[0].pk)


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(fair_access_cases_visible_to(user_of(request)), pk=pk)
    allocation = Allocation.objects.filter(case=case).select_related("panel", "school").first()
    return render(request, "moves/case_detail.html", {"case": case, "allocation": allocation})


@require_http_methods(["GET", "POST"])
def panel_new(request: HttpRequest) -> HttpResponse:
    partnership = _coordinated(request)
    schools = School.objects.filter(partnership=partnership).order_by("name")
    form = forms.PanelForm(request.POST if request.method == "POST" else None, schools=schools)

    def apply(data: dict[str, Any]) -> None:
        services.panel_record(partnership=partnership, actor=user_of(request), **data)

    page = _form(
        request, form, "Record a panel", apply, "Panel recorded", back=reverse("moves:fair_access")
    )
    return page or redirect("moves:fair_access")


@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    case = get_object_or_404(fair_access_cases_visible_to(user), pk=pk)
    schools = School.objects.filter(partnership=case.partnership_id).order_by("name")
    panels = panels_visible_to(user).filter(partnership=case.partnership_id)
    data = request.POST if request.method == "POST" else None
    form = forms.AllocationForm(data, panels=panels, schools=schools)
    page = _form(
        request, form, "Record the panel's allocation",
        lambda d: services.allocation_record(case=case, actor=user, **d), "Allocation recorded",
        back=reverse("moves:case", args=[case.pk]), caption=case.reference,
    )  # fmt: skip
    return page or redirect("moves:case", case.pk)


@require_http_methods(["GET", "POST"])
def allocation_dates(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    allocation = get_object_or_404(allocations_visible_to(user), case__pk=pk)
    data = request.POST if request.method == "POST" else None
    initial = {
        "school_told_on": allocation.school_told_on,
        "admissions_told_on": allocation.admissions_told_on,
        "on_roll_on": allocation.on_roll_on,
    }
    form = forms.AllocationUpdateForm(data, initial=initial)
    page = _form(
        request, form, "Who was told, and the on-roll check",
        lambda d: services.allocation_update(allocation=allocation, actor=user, **d),
        "Dates recorded", back=reverse("moves:case", args=[pk]), caption=allocation.case.reference,
    )  # fmt: skip
    return page or redirect("moves:case", pk)


@require_http_methods(["GET", "POST"])
def case_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    case = get_object_or_404(fair_access_cases_visible_to(user), pk=pk)
    referrals = (
        referrals_visible_to(user)
        .filter(
            partnership=case.partnership_id,
            status__in=[ReferralStatus.SIGNED, ReferralStatus.ACCEPTED],
            fair_access__isnull=True,
        )
        .select_related("school")
    )
    form = forms.LinkForm(request.POST if request.method == "POST" else None, referrals=referrals)
    page = _form(
        request, form, "Link to the signed referral",
        lambda d: services.fair_access_link(case=case, actor=user, **d), "Case linked",
        back=reverse("moves:case", args=[pk]), caption=case.reference,
    )  # fmt: skip
    return page or redirect("moves:case", pk)
