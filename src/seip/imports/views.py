"""Pages for importing school data: the upload form, a run's progress and report, and the
co-ordinator's matching queue (issue 7).

Uploading is for the people :func:`seip.imports.permissions.can_import` names; anyone
else gets a 403 (the page reveals no record). A run or a match candidate is fetched
through its scoping function, so one the user may not see is a 404.
"""

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.core.forms import form_submitted
from seip.core.uploads import upload_limit
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.imports.forms import MatchForm, UploadForm
from seip.imports.matching import match_resolve
from seip.imports.models import ImportKind, RunStatus
from seip.imports.permissions import matches_visible_to, runs_visible_to, schools_for_import
from seip.imports.runs import (
    csv_preview,
    import_run_read,
    import_run_start,
    read_progress,
    report_lines,
)
from seip.imports.services import Outcome
from seip.imports.validation import ImportValidationError
from seip.organisations.models import School
from seip.sharing.access import open_record, record_list

#: Seconds between refreshes of a running import's page (no JavaScript needed).
REFRESH_SECONDS = 2


@require_http_methods(["GET", "POST"])
@upload_limit(DEFAULT_MAX_BYTES)
def upload(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    schools = schools_for_import(user)
    if not schools.exists():
        raise PermissionDenied("Only school contacts and partnership staff can import files.")
    form = UploadForm(request.POST or None, request.FILES or None, schools=schools)
    preview: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        content = b"".join(data["file"].chunks())
        if "preview" not in request.POST:
            run = import_run_start(
                school=data["school"], kind=data["kind"], file_name=data["file"].name,
                content=content, valid_only=data["valid_only"], columns=data["mapping"],
                actor=user,
            )  # fmt: skip
            return redirect("imports:run", run.pk)
        if data["kind"] == ImportKind.CTF:
            form.add_error("kind", "A preview is for CSV files: a CTF needs no mapping")
        else:
            try:
                preview = csv_preview(
                    data["kind"], io.BytesIO(content), school=data["school"],
                    columns=data["mapping"], actor=user,
                )  # fmt: skip
            except ImportValidationError as exc:
                form.add_error(None, str(exc))
    runs = runs_visible_to(user)[:10]
    context = {
        "form": form,
        "preview": preview,
        "runs": runs,
        "is_coordinator": Role.COORDINATOR in user.roles,
    }
    return render(request, "imports/upload.html", context)


def _is_coordinator_of(school: School, user: User) -> bool:
    return has_role(user, [Role.COORDINATOR], partnership=school.partnership)


@require_GET
def run_detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    user = user_of(request)
    run = get_object_or_404(runs_visible_to(user), pk=run_pk)
    if run.finished:
        # The finished report lists pupils by UPN: a read to audit (not each refresh).
        import_run_read(run=run, actor=user)
    done, total = read_progress(run)
    report = run.report or {}
    counts = report.get("counts", {})
    context = {
        "run": run,
        "done": done,
        "total": total,
        "counts": [(outcome.value, counts.get(outcome.value, 0)) for outcome in Outcome],
        "refused": report_lines([report.get("refused", "")])[0],
        # Why pupils were not imported is the co-ordinator's to know, not the school's
        # (ADR 0027): they decide objections and answer for the restriction (P20).
        "restricted": report.get("restricted", 0) if _is_coordinator_of(run.school, user) else 0,
        # Stored by student id; the UPN is read from the student's record (ADR 0035).
        "rejected": report_lines(report.get("rejected", [])),
        "warnings": report_lines(report.get("warnings", [])),
        "refresh": REFRESH_SECONDS,
        "status": RunStatus(run.status),
    }
    response = render(request, "imports/run.html", context)
    if not run.finished:
        # The Refresh header reloads the page in every browser without JavaScript (and
        # without a <meta> in the shared layout); it stops once the run has finished.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def _coordinator(request: HttpRequest) -> User:
    user = user_of(request)
    if Role.COORDINATOR not in user.roles:
        raise PermissionDenied("The matching queue is the co-ordinator's.")
    return user


@require_GET
def match_list(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    candidates = list(
        matches_visible_to(user).filter(resolved_at__isnull=True).select_related("student")
    )
    record_list(request, [c.student for c in candidates], part="match_list")
    return render(request, "imports/matches.html", {"candidates": candidates})


@require_http_methods(["GET", "POST"])
def match_decide(request: HttpRequest, match_pk: int) -> HttpResponse:
    user = _coordinator(request)
    candidate = get_object_or_404(
        matches_visible_to(user).filter(resolved_at__isnull=True), pk=match_pk
    )
    open_record(request, candidate.student_id, part="match_form")
    form = MatchForm(request.POST or None)
    if form_submitted(
        request,
        form,
        lambda data: match_resolve(candidate=candidate, resolution=data["resolution"], actor=user),
    ):
        messages.success(request, "Your decision was recorded.")
        return redirect("imports:matches")
    return render(request, "imports/match_decide.html", {"form": form, "candidate": candidate})
