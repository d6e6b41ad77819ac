"""The access bundle's pages: prepare, redaction review, release, and the downloads.

A request or bundle outside the user's scope is a 404 (found through the scoped
selectors); an action the service refuses shows its reason on the review page.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from seip.accounts.http import user_of
from seip.accounts.models import User
from seip.bundles import present, redaction, services
from seip.bundles.assemble import assemble
from seip.bundles.forms import DecisionForm, initial_for
from seip.bundles.models import AccessBundle, BundleStatus, Decision, Flag, FlaggedItem
from seip.bundles.schema import TABLE_BY_KEY
from seip.bundles.selectors import bundles_visible_to, released_bundles_of
from seip.core.forms import apply_errors
from seip.rights.access import open_request as _request
from seip.rights.models import RightsRequest
from seip.sharing.services import record_read

FLAG_LABELS = dict(Flag.choices)


def _item_rows(
    bundle: AccessBundle, user: User, bound: FlaggedItem | None, form: DecisionForm | None
) -> list[dict[str, Any]]:
    """Each flagged item with its content, so the reviewer can read what they decide."""
    data = assemble(bundle.student, user)
    rows = []
    for item in bundle.items.all():
        row = data.row(item.item_type, item.item_id)
        table = TABLE_BY_KEY[item.item_type]
        shown = [
            (present.label(name), present.text(row.get(name)))
            for name in table.names
            if row is not None and row.get(name) not in (None, "") and not present.hidden(name)
        ]
        rows.append({
            "item": item,
            "label": redaction.label_of(row, item.item_type),
            "flags": [FLAG_LABELS.get(flag, flag) for flag in item.flags],
            "content": shown,
            "form": form
            if item == bound
            else DecisionForm(prefix=f"item-{item.pk}", initial=initial_for(item)),
        })  # fmt: skip
    return rows


def _review_page(
    request: HttpRequest,
    rights_request: RightsRequest,
    *,
    bound: FlaggedItem | None = None,
    form: DecisionForm | None = None,
    release_errors: list[str] | None = None,
) -> HttpResponse:
    user = user_of(request)
    bundle = AccessBundle.objects.filter(request=rights_request).select_related("student").first()
    items = []
    if bundle is not None and bundle.status == BundleStatus.REVIEW:
        # Reading every flagged item is a read of the record: it is in the access log.
        record_read(actor=user, student=bundle.student, part="access_bundle_review")
        items = _item_rows(bundle, user, bound, form)
    context = {
        "r": rights_request,
        "bundle": bundle,
        "items": items,
        "undecided": sum(1 for row in items if not row["item"].decision),
        "release_errors": release_errors or [],
        "form": form,
        "bundle_types": services.BUNDLE_TYPES,
        "decisions": dict(Decision.choices),
    }
    response = render(request, "bundles/review.html", context)
    if bundle is not None and bundle.is_preparing:
        response["Refresh"] = str(REFRESH_SECONDS)  # no JavaScript needed
    return response


#: Seconds between refreshes of a bundle being prepared.
REFRESH_SECONDS = 2


@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _request(request, pk))


@require_POST
def prepare(request: HttpRequest, pk: int) -> HttpResponse:
    rights_request = _request(request, pk)
    try:
        services.bundle_prepare_start(request=rights_request, actor=user_of(request))
    except ValidationError as exc:
        return _review_page(request, rights_request, release_errors=exc.messages)
    return redirect("bundles:review", rights_request.pk)


@require_POST
def decide(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    rights_request = _request(request, pk)
    flagged = get_object_or_404(FlaggedItem, bundle__request=rights_request, pk=item)
    form = DecisionForm(request.POST, prefix=f"item-{flagged.pk}")
    if form.is_valid():
        try:
            services.flagged_item_decide(
                item=flagged, actor=user_of(request), **form.decision_fields()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("bundles:review", rights_request.pk)
    return _review_page(request, rights_request, bound=flagged, form=form)


@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    rights_request = _request(request, pk)
    bundle = get_object_or_404(AccessBundle, request=rights_request)
    try:
        if services.bundle_refresh(bundle=bundle, actor=user_of(request)):
            raise ValidationError("The record has changed since the review: decide the new items.")
        services.bundle_release(bundle=bundle, actor=user_of(request))
    except ValidationError as exc:
        return _review_page(request, rights_request, release_errors=exc.messages)
    return redirect("bundles:review", rights_request.pk)


CONTENT_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}


def _file(content: bytes, fmt: str, bundle: AccessBundle) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = f"information-request-{bundle.request_id}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _staff(fmt: str) -> Any:
    @require_GET
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        bundle = get_object_or_404(bundles_visible_to(user_of(request)), request_id=pk)
        try:
            content = services.staff_download(bundle=bundle, fmt=fmt, actor=user_of(request))
        except ValidationError:
            return HttpResponse(status=404)
        return _file(content, fmt, bundle)

    view.__name__ = f"staff_{fmt}"
    return view


def _portal(fmt: str) -> Any:
    @require_GET
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        bundle = get_object_or_404(released_bundles_of(user_of(request)), request_id=pk)
        try:
            content = services.release_download(bundle=bundle, fmt=fmt, actor=user_of(request))
        except ValidationError:
            return HttpResponse(status=404)
        return _file(content, fmt, bundle)

    view.__name__ = f"portal_{fmt}"
    return view


staff_pdf, staff_zip = _staff("pdf"), _staff("zip")
portal_pdf, portal_zip = _portal("pdf"), _portal("zip")
