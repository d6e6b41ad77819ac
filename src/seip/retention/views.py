"""The retention schedule page, its changes, legal holds and the record of processing
(P17, P24). The co-ordinator and the DPO read; only the DPO changes anything."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seip.accounts.models import User
from seip.organisations.models import Partnership
from seip.organisations.selectors import partnerships_visible_to
from seip.retention.forms import HoldForm, RuleForm
from seip.retention.models import LegalHold, RecordType
from seip.retention.ropa import build_ropa, to_csv, to_markdown
from seip.retention.schedule import fixed_entries, schedule_for
from seip.retention.selectors import (
    can_change_retention,
    can_read_retention,
    disposals_of,
    erasures_of,
    live_holds,
)
from seip.retention.services import legal_hold_lift, legal_hold_place, retention_rule_set
from seip.sharing.access import open_record
from seip.students.selectors import student_record_visible_to

RECENT = 50


def _partnership(
    request: HttpRequest, slug: str, *, change: bool = False
) -> tuple[User, Partnership]:
    """404 for a partnership the user cannot see; 403 for one whose retention pages
    their role may not read (or, with ``change``, change)."""
    user: User = request.user  # type: ignore[assignment]
    partnership = get_object_or_404(
        partnerships_visible_to(user).select_related("local_authority"), slug=slug
    )
    allowed = can_change_retention if change else can_read_retention
    if not allowed(user, partnership):
        raise PermissionDenied("Only the co-ordinator or the DPO can do this")
    return user, partnership


@require_GET
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    user, partnership = _partnership(request, slug)
    context = {
        "partnership": partnership,
        "rules": schedule_for(partnership).values(),
        "fixed": fixed_entries(),
        "holds": live_holds(partnership).select_related("placed_by"),
        "erasures": erasures_of(partnership)[:RECENT],
        "disposals": disposals_of(partnership)[:RECENT],
        "can_change": can_change_retention(user, partnership),
    }
    return render(request, "retention/schedule.html", context)


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, slug: str, record_type: str) -> HttpResponse:
    user, partnership = _partnership(request, slug, change=True)
    if record_type not in RecordType.values:
        raise Http404("No such record type")
    rule = schedule_for(partnership)[record_type]
    form = RuleForm(request.POST or None, initial={"years": rule.years, "days": rule.days})
    if request.method == "POST" and form.is_valid():
        try:
            retention_rule_set(
                partnership=partnership, record_type=record_type, actor=user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The period for {rule.label.lower()} is changed.")
            return redirect("retention:schedule", slug=partnership.slug)
    return render(
        request,
        "retention/rule_edit.html",
        {"partnership": partnership, "rule": rule, "form": form},
    )


@require_http_methods(["GET", "POST"])
def hold_place(request: HttpRequest, slug: str, student_id: int) -> HttpResponse:
    user, partnership = _partnership(request, slug, change=True)
    student = open_record(
        request,
        student_id,
        part="legal_hold_form",
        scope=lambda user: student_record_visible_to(user).filter(partnership=partnership),
    )
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            legal_hold_place(
                student_or_referral=student, reason=form.cleaned_data["reason"], actor=user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The record is under a legal hold.")
            return redirect("retention:schedule", slug=partnership.slug)
    return render(
        request,
        "retention/hold_place.html",
        {"partnership": partnership, "student": student, "form": form},
    )


@require_POST
def hold_lift(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user, partnership = _partnership(request, slug, change=True)
    hold = get_object_or_404(LegalHold, pk=pk, referral__partnership=partnership)
    try:
        legal_hold_lift(hold=hold, actor=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The hold is lifted. The next sweep disposes of the record "
                         "if its retention period has ended.")  # fmt: skip
    return redirect("retention:schedule", slug=partnership.slug)


@require_GET
def ropa(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The Article 30 record of processing, as Markdown or CSV (P24)."""
    _, partnership = _partnership(request, slug)
    record = [build_ropa(partnership)]
    if fmt == "csv":
        response = HttpResponse(to_csv(record), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(to_markdown(record), content_type="text/markdown; charset=utf-8")
    name = f"{partnership.slug}-record-of-processing.{'csv' if fmt == 'csv' else 'md'}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
