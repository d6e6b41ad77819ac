import mimetypes

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from seip.accounts.middleware import second_factor_exempt
from seip.accounts.models import FAMILY_ROLES, User
from seip.core.home import partnership_table
from seip.organisations.models import Partnership
from seip.organisations.selectors import (
    agreements_of,
    partner_organisations_of,
    partnerships_visible_to,
    schools_of,
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
