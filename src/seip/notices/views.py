"""A partnership's privacy notice: public pages for families, and an edit page for its
co-ordinator and DPO.

The public pages need no sign-in and no second factor (P26): a family reads the notice
before it has an account. They show the published notice and nothing else: no draft, no
person who published it, nothing from the partnership's working records.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seip.accounts.middleware import second_factor_exempt
from seip.accounts.models import User
from seip.notices.forms import NoticeConfigurationForm
from seip.notices.markup import to_html
from seip.notices.models import NoticeConfiguration, NoticeVersion
from seip.notices.pdf import notice_pdf
from seip.notices.permissions import can_manage_notice
from seip.notices.selectors import current_notice, notice_version, notice_versions
from seip.notices.services import (
    notice_configuration_for,
    notice_configuration_update,
    notice_publish,
)
from seip.notices.wording import PLACEHOLDERS, fill_notice, partnership_values
from seip.organisations.models import Partnership
from seip.organisations.selectors import partnerships_visible_to


def _public_partnership(slug: str) -> Partnership:
    return get_object_or_404(Partnership.objects.select_related("local_authority"), slug=slug)


def _published(slug: str, number: int) -> NoticeVersion:
    version = notice_version(_public_partnership(slug), number)
    if version is None:
        raise Http404("No such version of this notice")
    return version


def _notice_page(
    request: HttpRequest, partnership: Partnership, version: NoticeVersion | None
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "partnership": partnership,
        "version": version,
        "body": to_html(version.body) if version else "",
        "current": current_notice(partnership),
        "versions": notice_versions(partnership),
        "can_edit": can_manage_notice(user, partnership),
    }
    return render(request, "notices/notice.html", context)


@login_not_required
@second_factor_exempt
@require_GET
def notice(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's current notice, or a page saying it has not published one yet."""
    partnership = _public_partnership(slug)
    return _notice_page(request, partnership, current_notice(partnership))


@login_not_required
@second_factor_exempt
@require_GET
def version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One published version, exactly as it was published, current or not."""
    found = _published(slug, number)
    return _notice_page(request, found.partnership, found)


@login_not_required
@second_factor_exempt
@require_GET
def version_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The printable PDF of one published version."""
    found = _published(slug, number)
    response = HttpResponse(notice_pdf(found), content_type="application/pdf")
    filename = f"{found.partnership.slug}-privacy-notice-v{found.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _managed_partnership(request: HttpRequest, slug: str) -> tuple[User, Partnership]:
    """The partnership whose notice ``request.user`` manages: 404 if they cannot see it,
    403 if they can see it but their role may not change its notice."""
    user: User = request.user  # type: ignore[assignment]
    partnership = get_object_or_404(
        partnerships_visible_to(user).select_related("local_authority"), slug=slug
    )
    if not can_manage_notice(user, partnership):
        raise PermissionDenied("Only the co-ordinator or DPO can change the notice")
    return user, partnership


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit the wording, lawful basis, retention and sharing list, with a preview."""
    user, partnership = _managed_partnership(request, slug)
    configuration = notice_configuration_for(partnership)
    form = NoticeConfigurationForm(request.POST or None, initial=_initial(configuration))
    previewing = False
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            configuration = NoticeConfiguration(partnership=partnership, **form.cleaned_data)
            previewing = True
        else:
            try:
                notice_configuration_update(
                    partnership=partnership, actor=user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your changes are saved. Publish them when ready.")
                return redirect("notices:edit", slug=partnership.slug)
    return _edit_page(request, configuration, form, previewing=previewing)


def _edit_page(
    request: HttpRequest,
    configuration: NoticeConfiguration,
    form: NoticeConfigurationForm,
    *,
    previewing: bool,
) -> HttpResponse:
    partnership = configuration.partnership
    live = partnership_values(partnership)
    context = {
        "partnership": partnership,
        "form": form,
        "preview": _preview(configuration),
        "previewing": previewing,
        "current": current_notice(partnership),
        "placeholders": [(name, text, live.get(name, "")) for name, text in PLACEHOLDERS.items()],
    }
    return render(request, "notices/edit.html", context)


@require_POST
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish the saved configuration as a new version."""
    user, partnership = _managed_partnership(request, slug)
    try:
        published = notice_publish(partnership=partnership, actor=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("notices:edit", slug=partnership.slug)
    messages.success(request, f"Version {published.number} is published.")
    return redirect(reverse("notices:version", args=[partnership.slug, published.number]))


def _initial(configuration: NoticeConfiguration) -> dict[str, object]:
    return {
        "wording": configuration.wording,
        "lawful_basis": configuration.lawful_basis,
        "retention": configuration.retention,
        "shares_with": configuration.shares_with,
    }


def _preview(configuration: NoticeConfiguration) -> str:
    """The notice as it would be published from ``configuration``, with live details."""
    try:
        body = fill_notice(
            configuration.partnership,
            wording=configuration.wording,
            lawful_basis=configuration.lawful_basis,
            retention=configuration.retention,
            shares_with=configuration.shares_with,
        )
    except ValidationError:
        # Only a configuration saved before a check existed can get here; the form has
        # already shown the problem for anything just typed.
        return ""
    return to_html(body, nested=True)
