"""Pages for rectification, objection and erasure on a rights request (P19, P20, P22).

Every page fetches the request through ``rights_requests_visible_to`` (404 outside it);
proposing and deciding corrections is for either handler, the objection's balancing
decision and erasure for the DPO alone (403 to the co-ordinator).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from seip.accounts.http import user_of
from seip.core.forms import apply_errors, form_submitted
from seip.organisations.models import PartnerOrganisation
from seip.rights import forms as rights_forms
from seip.rights.access import open_request as _request
from seip.rights.corrections import (
    correctable_facts,
    correction_decide,
    correction_notice_record,
    correction_propose,
    recipients,
)
from seip.rights.models import Decision, NoticeMethod, ProposedCorrection, RequestType
from seip.rights.objections import ensure_dpo, erasure_grounds, objection_decide, request_erase
from seip.rights.selectors import restriction_of
from seip.rights.services import ensure_handler, rights_refuse


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _correction(request: HttpRequest, pk: int, correction: int) -> ProposedCorrection:
    item = _request(request, pk)
    found = item.corrections.filter(pk=correction).first()
    if found is None:
        raise Http404("No such correction")
    return found


@require_http_methods(["GET", "POST"])
def corrections(request: HttpRequest, pk: int) -> HttpResponse:
    """The request's proposed corrections, and a form to propose another."""
    item = _request(request, pk)
    ensure_handler(user_of(request), item.partnership)
    facts = correctable_facts(item.student) if item.student is not None else []
    form = rights_forms.ProposeCorrectionForm(_post(request), facts=facts)

    def propose(data: dict[str, Any]) -> None:
        correction_propose(
            request=item,
            fact=form.fact_reference(),
            description=data["description"],
            proposed_value=data["proposed_value"],
            reason=data["reason"],
            actor=user_of(request),
        )

    if form_submitted(request, form, propose):
        return redirect("rights:corrections", item.pk)
    context = {
        "item": item,
        "form": form if item.type == RequestType.RECTIFICATION and item.is_open else None,
        "corrections": item.corrections.select_related("decided_by"),
    }
    return render(request, "rights/corrections.html", context)


@require_http_methods(["GET", "POST"])
def correction_decide_view(request: HttpRequest, pk: int, correction: int) -> HttpResponse:
    found = _correction(request, pk, correction)
    ensure_handler(user_of(request), found.request.partnership)
    form = rights_forms.DecideCorrectionForm(_post(request))

    def decide(data: dict[str, Any]) -> None:
        try:
            correction_decide(
                correction=found,
                approve=data["decision"] == "approve",
                reason=data["reason"],
                actor=user_of(request),
            )
        except PermissionDenied as error:
            # The DPO may decide but not write to the record: say so on the form.
            raise ValidationError(str(error)) from error

    if form_submitted(request, form, decide):
        return redirect("rights:correction_notices", pk, found.pk)
    context = {"form": form, "item": found.request, "correction": found}
    return render(request, "rights/correction_decide.html", context)


@require_http_methods(["GET", "POST"])
def correction_notices(request: HttpRequest, pk: int, correction: int) -> HttpResponse:
    """Who received the old value and must be told (Art 19), with a button for each."""
    found = _correction(request, pk, correction)
    ensure_handler(user_of(request), found.request.partnership)
    form = rights_forms.NoticeForm(_post(request))

    def record(data: dict[str, Any]) -> None:
        organisation = PartnerOrganisation.objects.filter(pk=data["organisation"]).first()
        if organisation is None:
            raise ValidationError({"organisation": "Choose an organisation from the list"})
        correction_notice_record(
            correction=found,
            organisation=organisation,
            method=NoticeMethod(data["method"]),
            note=data["note"],
            actor=user_of(request),
        )

    if form_submitted(request, form, record):
        return redirect("rights:correction_notices", pk, found.pk)
    context = {
        "item": found.request,
        "correction": found,
        "approved": found.decision == Decision.APPROVED,
        "recipients": recipients(found),
        "methods": NoticeMethod.choices,
        "form": form,
    }
    return render(request, "rights/correction_notices.html", context)


@require_http_methods(["GET", "POST"])
def objection(request: HttpRequest, pk: int) -> HttpResponse:
    """The DPO's balancing decision on an objection (P20)."""
    item = _request(request, pk)
    ensure_dpo(user_of(request), item)
    form = rights_forms.ObjectionForm(_post(request))

    def decide(data: dict[str, Any]) -> None:
        objection_decide(
            request=item,
            upheld=data["outcome"] == "upheld",
            reasons=data["reasons"],
            actor=user_of(request),
        )

    if form_submitted(request, form, decide):
        return redirect("rights:detail", item.pk)
    context = {"form": form, "item": item, "restriction": restriction_of(item)}
    return render(request, "rights/objection.html", context)


@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    """The DPO decides an erasure request, or erases after an upheld objection (P22)."""
    item = _request(request, pk)
    ensure_dpo(user_of(request), item)
    grounds = erasure_grounds(item) if item.is_open else []
    form = rights_forms.EraseForm(_post(request), grounds=grounds)

    def decide(data: dict[str, Any]) -> None:
        if data["decision"] == "erase":
            request_erase(request=item, ground=data["ground"], actor=user_of(request))
        elif not data["reason"].strip():
            raise ValidationError({"reason": "Give the reason for refusing"})
        else:
            rights_refuse(
                request=item,
                refused_on=timezone.localdate(),
                reason=data["reason"],
                actor=user_of(request),
            )

    if grounds and form_submitted(request, form, decide):
        return redirect("rights:detail", item.pk)
    if request.method == "POST" and not grounds:
        apply_errors(form, ValidationError("Erasure is not available on this request."))
    context = {"form": form if grounds else None, "item": item}
    return render(request, "rights/erase.html", context)
