"""Report pages: ask for a report, read it, download it as PDF, CSV or XLSX (P04, P13).

Only the roles in ``permissions`` receive reports; anyone else gets a 403 that names no
report. A generated report is fetched through ``runs_visible_to``, so another person's
report is a 404.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import User
from seip.reports import render_files
from seip.reports.document import from_json
from seip.reports.forms import ReportForm, TableForm
from seip.reports.measures import MEASURES
from seip.reports.models import RunStatus
from seip.reports.outcomes import Recipient, period_label, scope_label
from seip.reports.permissions import available_scopes, builder_scopes, scope_for
from seip.reports.population import Scope
from seip.reports.runs import (
    read_progress,
    report_run_read,
    report_run_start,
    run_pdf,
    runs_visible_to,
)


def _choices(found: list[tuple[str, Scope, Recipient]]) -> list[tuple[str, str]]:
    return [(key, scope_label(scope)) for key, scope, _ in found]


def _form(
    request: HttpRequest,
    form_class: type[ReportForm],
    scopes: Callable[[User], list[tuple[str, Scope, Recipient]]],
    refusal: str,
) -> tuple[User, ReportForm]:
    """The request form over the scopes ``scopes`` lets this user receive; 403 if none."""
    user = user_of(request)
    found = scopes(user)
    if not found:
        raise PermissionDenied(refusal)
    return user, form_class(request.POST or None, scopes=_choices(found))


def _start(form: ReportForm, report: str, title: str, user: User, **more: str) -> HttpResponse:
    """Queue the report the form asks for (the worker makes it, issue 10) and show it."""
    data = form.cleaned_data
    if scope_for(user, data["scope"]) is None:
        raise PermissionDenied
    params = {"report": report, "year": data["year"], "terms": data["terms"], **more}
    run = report_run_start(scope=data["scope"], title=title, params=params, actor=user)
    return redirect("reports:run", run.pk)


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    user, form = _form(
        request,
        ReportForm,
        available_scopes,
        "Outcome reports go to co-ordinators, schools and the LA only.",
    )
    if request.method == "POST" and form.is_valid():
        return _start(form, "outcomes", f"Outcomes report, {period_label(form.period())}", user)
    context = {
        "form": form,
        "runs": runs_visible_to(user)[:10],
        "can_build": bool(builder_scopes(user)),
    }
    return render(request, "reports/index.html", context)


@require_http_methods(["GET", "POST"])
def impact(request: HttpRequest) -> HttpResponse:
    """What helps, what slows progress and value for money (P05, P06): released to the
    same people as the outcome reports, through the same ledger."""
    user, form = _form(
        request,
        ReportForm,
        available_scopes,
        "Impact reports go to co-ordinators, schools and the LA only.",
    )
    if request.method == "POST" and form.is_valid():
        title = f"Impact and value for money, {period_label(form.period())}"
        return _start(form, "impact", title, user)
    return render(request, "reports/impact.html", {"form": form})


@require_http_methods(["GET", "POST"])
def builder(request: HttpRequest) -> HttpResponse:
    user, form = _form(
        request,
        TableForm,
        builder_scopes,
        "The table builder is for the partnership co-ordinator.",
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        title = f"{MEASURES[data['measure']].label}, {period_label(form.period())}"
        return _start(
            form,
            "table",
            title,
            user,
            measure=data["measure"],
            rows=data["rows"],
            columns=data["columns"] or "",
        )
    return render(request, "reports/builder.html", {"form": form})


#: Seconds between refreshes of a report being made (no JavaScript needed).
REFRESH_SECONDS = 2


@require_GET
def run_detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = get_object_or_404(runs_visible_to(user_of(request)), pk=run_pk)
    if run.status != RunStatus.DONE or run.document is None:
        done, total = read_progress(run)
        response = render(
            request, "reports/waiting.html", {"run": run, "done": done, "total": total}
        )
        if not run.is_finished:
            response["Refresh"] = str(REFRESH_SECONDS)
        return response
    report_run_read(run=run, fmt="page", actor=user_of(request))
    return render(request, "reports/run.html", {"run": run, "document": from_json(run.document)})


@require_GET
def run_download(request: HttpRequest, run_pk: int, fmt: str) -> HttpResponse:
    run = get_object_or_404(
        runs_visible_to(user_of(request)).filter(status=RunStatus.DONE, document__isnull=False),
        pk=run_pk,
    )
    document = from_json(run.document or {})
    name = slugify(document.title) or f"report-{run.pk}"
    if fmt == "pdf":
        body: bytes | str = run_pdf(run, document)
        content_type = "application/pdf"
    elif fmt == "csv":
        body, content_type = (
            render_files.report_csv(document, geographic_level=document.geographic_level),
            "text/csv; charset=utf-8",
        )
    elif fmt == "meta.csv":
        body = render_files.report_csv_metadata(document)
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = render_files.report_xlsx(document)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    report_run_read(run=run, fmt=fmt, actor=user_of(request))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
