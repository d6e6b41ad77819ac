import mimetypes
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from seip.accounts.http import user_of
from seip.accounts.middleware import second_factor_exempt
from seip.accounts.models import FAMILY_ROLES, Role, User
from seip.core.forms import form_submitted
from seip.core.uploads import upload_limit
from seip.organisations.forms import (
    AgreementCreateForm,
    AgreementForm,
    OrganisationForm,
    PartnershipCreateForm,
    PartnershipForm,
    RegisterForm,
    SchoolForm,
)
from seip.organisations.models import (
    DataSharingAgreement,
    OrganisationType,
    PartnerOrganisation,
    Partnership,
    School,
)
from seip.organisations.permissions import (
    COUNTY_TYPES,
    Action,
    coordinated_partnership_ids,
    may_edit_organisation,
    may_manage,
)
from seip.organisations.selectors import (
    agreements_manageable_by,
    agreements_of,
    organisations_manageable_by,
    partner_organisations_of,
    partnership_table,
    partnerships_visible_to,
    schools_of,
)
from seip.organisations.services import (
    AGREEMENT_MAX_BYTES,
    LOGO_MAX_BYTES,
    ORGANISATION_FIELDS,
    PARTNERSHIP_FIELDS,
    agreement_create,
    agreement_document,
    agreement_update,
    organisation_create,
    organisation_register,
    organisation_unregister,
    organisation_update,
    partnership_create,
    partnership_logo_set,
    partnership_update,
    school_create,
    school_update,
)


def partnership_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request, "organisations/partnership_list.html", {"partnerships": partnership_table(user)}
    )


def partnership_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A partnership's contacts, schools and agreements. Another partnership's page is a
    404: the scoped queryset cannot find it, so its existence is not confirmed."""
    user: User = request.user  # type: ignore[assignment]
    partnership = get_object_or_404(
        partnerships_visible_to(user).select_related("local_authority"), slug=slug
    )
    # Families see who to contact; the working detail is for staff and partners.
    family_only = bool(user.roles) and user.roles <= FAMILY_ROLES
    context = {
        "partnership": partnership,
        "schools": [] if family_only else schools_of(partnership),
        "organisations": [] if family_only else partner_organisations_of(partnership),
        "agreements": [] if family_only else agreements_of(partnership),
        "family_only": family_only,
    }
    return render(request, "organisations/partnership_detail.html", context)


@login_not_required
@second_factor_exempt
@require_GET
def partnership_logo(request: HttpRequest, slug: str) -> FileResponse:
    """A partnership's logo. Public, like the privacy notice it appears on (P26)."""
    partnership = get_object_or_404(Partnership, slug=slug)
    if not partnership.logo:
        raise Http404("This partnership has no logo")
    content_type = (
        mimetypes.guess_type(partnership.logo.name or "")[0] or "application/octet-stream"
    )
    response = FileResponse(partnership.logo.open("rb"), content_type=content_type)
    # An SVG opened directly must not run script or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- administration ----------------------------------------------------------------------
# Each page looks its object up through a scoped queryset (a 404 for what the user may not
# see) and then asks ``may_manage`` (a 403 for what they see but may not change).


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("You cannot manage this")


def _upload(form: forms.Form, field: str) -> tuple[str, bytes] | None:
    file = form.cleaned_data.get(field)
    if not file:
        return None
    return file.name or "", file.read()


def _visible_partnership(request: HttpRequest, slug: str) -> Partnership:
    return get_object_or_404(
        partnerships_visible_to(user_of(request)).select_related("local_authority"), slug=slug
    )


def manage(request: HttpRequest) -> HttpResponse:
    """The administration home: the county for the administrator, their own
    partnership for a co-ordinator."""
    user = user_of(request)
    is_admin = Role.SYSTEM_ADMIN in user.roles
    ids = coordinated_partnership_ids(user)
    _require(is_admin or bool(ids))
    partnerships = partnership_table(user) if is_admin else Partnership.objects.filter(pk__in=ids)
    context = {
        "partnerships": partnerships,
        "is_admin": is_admin,
        "agreements": [
            (a, a.status())
            for a in agreements_manageable_by(user)
            .select_related("organisation", "partnership")
            .order_by("expires_on")
            if a.status() in {"expiring", "expired"}
        ],
    }
    return render(request, "organisations/manage.html", context)


@upload_limit(LOGO_MAX_BYTES)
def partnership_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(may_manage(user, Action.PARTNERSHIP_CREATE))
    form = PartnershipCreateForm(request.POST or None, request.FILES or None)
    created: list[Partnership] = []

    def apply(data: dict[str, Any]) -> None:
        fields = {f: data[f] for f in PARTNERSHIP_FIELDS if f != "dpo_route"}
        partnership = partnership_create(
            local_authority=data["local_authority"], slug=data["slug"], actor=user, **fields
        )
        partnership_update(
            partnership=partnership, changes={"dpo_route": data["dpo_route"]}, actor=user
        )
        if logo := _upload(form, "logo"):
            partnership_logo_set(
                partnership=partnership, filename=logo[0], content=logo[1], actor=user
            )
        created.append(partnership)

    if form_submitted(request, form, apply):
        messages.success(request, f"{created[0].name} was added.")
        return redirect("organisations:partnership_organisations", slug=created[0].slug)
    return render(request, "organisations/partnership_form.html", {"form": form})


@upload_limit(LOGO_MAX_BYTES)
def partnership_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's name and contact routes, which fill the privacy notice (P26)."""
    user = user_of(request)
    partnership = _visible_partnership(request, slug)
    _require(may_manage(user, Action.PARTNERSHIP_EDIT, partnership=partnership))
    initial = {field: getattr(partnership, field) for field in PARTNERSHIP_FIELDS}
    form = PartnershipForm(request.POST or None, request.FILES or None, initial=initial)

    def apply(data: dict[str, Any]) -> None:
        changes = {field: data[field] for field in PARTNERSHIP_FIELDS}
        partnership_update(partnership=partnership, changes=changes, actor=user)
        if logo := _upload(form, "logo"):
            partnership_logo_set(
                partnership=partnership, filename=logo[0], content=logo[1], actor=user
            )

    if form_submitted(request, form, apply):
        messages.success(request, "The partnership's details were saved.")
        return redirect("organisations:partnership_organisations", slug=partnership.slug)
    context = {"form": form, "partnership": partnership}
    return render(request, "organisations/partnership_form.html", context)


def partnership_organisations(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's schools and partner organisations, and the form that registers
    another organisation of the county with it."""
    user = user_of(request)
    partnership = _visible_partnership(request, slug)
    _require(may_manage(user, Action.ORGANISATION_REGISTER, partnership=partnership))
    choices = (
        PartnerOrganisation.objects.exclude(type__in=COUNTY_TYPES)
        .exclude(partnerships=partnership)
        .order_by("name")
    )
    form = RegisterForm(request.POST or None, choices=choices)

    def apply(data: dict[str, Any]) -> None:
        organisation_register(
            organisation=data["organisation"], partnership=partnership, actor=user
        )

    if form_submitted(request, form, apply):
        messages.success(request, f"{form.cleaned_data['organisation'].name} was registered.")
        return redirect("organisations:partnership_organisations", slug=partnership.slug)
    context = {
        "partnership": partnership,
        "schools": schools_of(partnership).select_related("organisation"),
        "organisations": partner_organisations_of(partnership),
        "form": form,
        "is_admin": Role.SYSTEM_ADMIN in user.roles,
    }
    return render(request, "organisations/partnership_organisations.html", context)


@require_POST
def organisation_unregister_view(
    request: HttpRequest, slug: str, organisation: int
) -> HttpResponse:
    user = user_of(request)
    partnership = _visible_partnership(request, slug)
    org = get_object_or_404(organisations_manageable_by(user), pk=organisation)
    _require(
        may_manage(user, Action.ORGANISATION_REGISTER, partnership=partnership, organisation=org)
    )
    try:
        organisation_unregister(organisation=org, partnership=partnership, actor=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{org.name} is no longer registered with {partnership.name}.")
    return redirect("organisations:partnership_organisations", slug=partnership.slug)


def organisation_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a partner organisation, registered with this partnership."""
    user = user_of(request)
    partnership = _visible_partnership(request, slug)
    _require(may_manage(user, Action.ORGANISATION_CREATE, partnership=partnership))
    form = OrganisationForm(request.POST or None)

    def apply(data: dict[str, Any]) -> None:
        organisation_create(partnerships=[partnership], actor=user, **data)

    if form_submitted(request, form, apply):
        messages.success(request, f"{form.cleaned_data['name']} was added.")
        return redirect("organisations:partnership_organisations", slug=partnership.slug)
    context = {"form": form, "partnership": partnership}
    return render(request, "organisations/organisation_form.html", context)


def school_new(request: HttpRequest, slug: str) -> HttpResponse:
    user = user_of(request)
    partnership = _visible_partnership(request, slug)
    _require(may_manage(user, Action.SCHOOL_MANAGE, partnership=partnership))
    form = SchoolForm(request.POST or None, initial={"partnership": partnership})

    def apply(data: dict[str, Any]) -> None:
        school_create(actor=user, **data)

    if form_submitted(request, form, apply):
        messages.success(request, f"{form.cleaned_data['name']} was added.")
        return redirect("organisations:partnership_organisations", slug=partnership.slug)
    context = {"form": form, "partnership": partnership, "school": True}
    return render(request, "organisations/organisation_form.html", context)


def organisation_list(request: HttpRequest) -> HttpResponse:
    """Every organisation of the county, for the administrator."""
    user = user_of(request)
    _require(may_manage(user, Action.SCHOOL_MANAGE))
    organisations = (
        organisations_manageable_by(user)
        .select_related("school")
        .prefetch_related("partnerships")
        .order_by("type", "name")
    )
    return render(request, "organisations/organisation_list.html", {"organisations": organisations})


def organisation_detail(request: HttpRequest, organisation: int) -> HttpResponse:
    """An organisation's details, registrations and agreements (a co-ordinator sees only
    their own partnership's agreements)."""
    user = user_of(request)
    org = get_object_or_404(
        organisations_manageable_by(user).select_related("school"), pk=organisation
    )
    context = {
        "organisation": org,
        "agreements": _with_status(
            agreements_manageable_by(user).filter(organisation=org).select_related("partnership")
        ),
        "may_edit": may_edit_organisation(user, org),
    }
    return render(request, "organisations/organisation_detail.html", context)


def organisation_edit(request: HttpRequest, organisation: int) -> HttpResponse:
    user = user_of(request)
    org = get_object_or_404(
        organisations_manageable_by(user).select_related("school"), pk=organisation
    )
    school = getattr(org, "school", None)
    if school is not None:
        return _school_edit(request, user, school)
    _require(may_edit_organisation(user, org))
    initial = {field: getattr(org, field) for field in ORGANISATION_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    if org.type == OrganisationType.LOCAL_AUTHORITY:
        # The council's own record keeps its type; only its contact details change.
        form.fields["type"].choices = [(org.type, org.get_type_display())]  # type: ignore[attr-defined]

    def apply(data: dict[str, Any]) -> None:
        organisation_update(organisation=org, changes=data, actor=user)

    if form_submitted(request, form, apply):
        messages.success(request, "The organisation's details were saved.")
        return redirect("organisations:organisation", organisation=org.pk)
    context = {"form": form, "organisation": org}
    return render(request, "organisations/organisation_form.html", context)


def _school_edit(request: HttpRequest, user: User, school: School) -> HttpResponse:
    _require(may_manage(user, Action.SCHOOL_MANAGE))
    initial = {
        "name": school.name,
        "urn": school.urn,
        "establishment_number": school.establishment_number,
        "ukprn": school.organisation.ukprn,
        "partnership": school.partnership,
    }
    form = SchoolForm(request.POST or None, initial=initial)

    def apply(data: dict[str, Any]) -> None:
        school_update(school=school, actor=user, **data)

    if form_submitted(request, form, apply):
        messages.success(request, "The school's details were saved.")
        return redirect("organisations:organisation", organisation=school.organisation_id)
    context = {"form": form, "organisation": school.organisation, "school": True}
    return render(request, "organisations/organisation_form.html", context)


def _with_status(
    agreements: QuerySet[DataSharingAgreement],
) -> list[tuple[DataSharingAgreement, str]]:
    return [(a, a.status()) for a in agreements.order_by("organisation__name", "-expires_on")]


def agreement_list(request: HttpRequest, slug: str) -> HttpResponse:
    user = user_of(request)
    partnership = _visible_partnership(request, slug)
    _require(may_manage(user, Action.AGREEMENT_MANAGE, partnership=partnership))
    agreements = agreements_manageable_by(user).filter(partnership=partnership)
    context = {
        "partnership": partnership,
        "agreements": _with_status(agreements.select_related("organisation")),
    }
    return render(request, "organisations/agreement_list.html", context)


@upload_limit(AGREEMENT_MAX_BYTES)
def agreement_new(request: HttpRequest, slug: str) -> HttpResponse:
    user = user_of(request)
    partnership = _visible_partnership(request, slug)
    _require(may_manage(user, Action.AGREEMENT_MANAGE, partnership=partnership))
    choices = partnership.partner_organisations.order_by("name")
    form = AgreementCreateForm(request.POST or None, request.FILES or None, choices=choices)

    def apply(data: dict[str, Any]) -> None:
        upload = _upload(form, "document")
        agreement_create(
            organisation=data["organisation"],
            partnership=partnership,
            reference=data["reference"],
            signed_on=data["signed_on"],
            expires_on=data["expires_on"],
            document=upload[1] if upload else None,
            actor=user,
        )

    if form_submitted(request, form, apply):
        messages.success(request, f"Agreement {form.cleaned_data['reference']} was recorded.")
        return redirect("organisations:agreement_list", slug=partnership.slug)
    context = {"form": form, "partnership": partnership}
    return render(request, "organisations/agreement_form.html", context)


@upload_limit(AGREEMENT_MAX_BYTES)
def agreement_edit(request: HttpRequest, agreement: int) -> HttpResponse:
    """Renew, correct or end an agreement. The page says so: access follows the new
    dates on the organisation's next request (P09)."""
    user = user_of(request)
    item = get_object_or_404(
        agreements_manageable_by(user).select_related("organisation", "partnership"), pk=agreement
    )
    initial = {
        "reference": item.reference,
        "signed_on": item.signed_on,
        "expires_on": item.expires_on,
    }
    form = AgreementForm(request.POST or None, request.FILES or None, initial=initial)

    def apply(data: dict[str, Any]) -> None:
        upload = _upload(form, "document")
        agreement_update(
            agreement=item,
            reference=data["reference"],
            signed_on=data["signed_on"],
            expires_on=data["expires_on"],
            document=upload[1] if upload else None,
            actor=user,
        )

    if form_submitted(request, form, apply):
        messages.success(request, f"Agreement {item.reference} was saved.")
        return redirect("organisations:agreement_list", slug=item.partnership.slug)
    context = {"form": form, "agreement": item, "partnership": item.partnership}
    return render(request, "organisations/agreement_form.html", context)


@require_GET
def agreement_document_view(request: HttpRequest, agreement: int) -> HttpResponse:
    item = get_object_or_404(agreements_manageable_by(user_of(request)), pk=agreement)
    if not item.document_file:
        raise Http404("This agreement has no signed document")
    response = HttpResponse(agreement_document(item), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{item.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
