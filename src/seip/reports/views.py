"""Report pages: ask for a report, read it, download it as PDF, CSV or XLSX (P04, P13).

Only the roles in ``permissions`` receive reports; anyone else gets a 403 that names no
report. A generated report is fetched through ``runs_visible_to``, so another person's
report is a 404.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.models import User
from seip.impact.report import impact_report
from seip.notices.pdf import png_logo
from seip.organisations.models import Partnership
from seip.reports import render_files, render_pdf
from seip.reports.document import from_json
from seip.reports.forms import ReportForm, TableForm
from seip.reports.outcomes import Recipient, outcome_report, scope_label, table_report
from seip.reports.permissions import available_scopes, builder_scopes, scope_for
from seip.reports.population import Scope
from seip.reports.runs import report_run_create, runs_visible_to


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _choices(found: list[tuple[str, Scope, Recipient]]) -> list[tuple[str, str]]:
    return [(key, scope_label(scope)) for key, scope, _ in found]


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    found = available_scopes(user)
    if not found:
        raise PermissionDenied("Outcome reports go to co-ordinators, schools and the LA only.")
    form = ReportForm(request.POST or None, scopes=_choices(found))
    if request.method == "POST" and form.is_valid():
        allowed = scope_for(user, form.cleaned_data["scope"])
        if allowed is None:
            raise PermissionDenied
        scope, recipient = allowed
        try:
            document = outcome_report(
                scope=scope, period=form.period(), recipient=recipient, actor=user
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            run = report_run_create(scope=form.cleaned_data["scope"], document=document, actor=user)
            return redirect("reports:run", run.pk)
    return render(
        request,
        "reports/index.html",
        {
            "form": form,
            "runs": runs_visible_to(user)[:10],
            "can_build": bool(builder_scopes(user)),
        },
    )


@require_http_methods(["GET", "POST"])
def impact(request: HttpRequest) -> HttpResponse:
    """What helps, what slows progress and value for money (P05, P06): released to the
    same people as the outcome reports, through the same ledger."""
    user = _user(request)
    found = available_scopes(user)
    if not found:
        raise PermissionDenied("Impact reports go to co-ordinators, schools and the LA only.")
    form = ReportForm(request.POST or None, scopes=_choices(found))
    if request.method == "POST" and form.is_valid():
        allowed = scope_for(user, form.cleaned_data["scope"])
        if allowed is None:
            raise PermissionDenied
        scope, recipient = allowed
        try:
            document = impact_report(
                scope=scope, period=form.period(), recipient=recipient, actor=user
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            run = report_run_create(scope=form.cleaned_data["scope"], document=document, actor=user)
            return redirect("reports:run", run.pk)
    return render(request, "reports/impact.html", {"form": form})


@require_http_methods(["GET", "POST"])
def builder(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    found = builder_scopes(user)
    if not found:
        raise PermissionDenied("The table builder is for the partnership co-ordinator.")
    form = TableForm(request.POST or None, scopes=_choices(found))
    if request.method == "POST" and form.is_valid():
        allowed = scope_for(user, form.cleaned_data["scope"])
        if allowed is None:
            raise PermissionDenied
        scope, recipient = allowed
        data = form.cleaned_data
        try:
            document = table_report(
                scope=scope,
                period=form.period(),
                measure=data["measure"],
                rows=data["rows"],
                columns=data["columns"] or None,
                recipient=recipient,
                actor=user,
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            run = report_run_create(scope=data["scope"], document=document, actor=user)
            return redirect("reports:run", run.pk)
    return render(request, "reports/builder.html", {"form": form})


@require_GET
def run_detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = get_object_or_404(runs_visible_to(_user(request)), pk=run_pk)
    return render(request, "reports/run.html", {"run": run, "document": from_json(run.document)})


@require_GET
def run_download(request: HttpRequest, run_pk: int, fmt: str) -> HttpResponse:
    run = get_object_or_404(runs_visible_to(_user(request)), pk=run_pk)
    document = from_json(run.document)
    name = slugify(document.title) or f"report-{run.pk}"
    if fmt == "pdf":
        kind, _, number = run.scope.partition(":")
        partnership = (
            Partnership.objects.filter(pk=number).first() if kind == "partnership" else None
        )
        logo = png_logo(partnership) if partnership else None
        body: bytes | str = render_pdf.report_pdf(document, logo=logo)
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
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
