"""``{% released_bundle row.request %}``: the family's download links on the portal page."""

from django import template

from seip.bundles.models import AccessBundle, BundleStatus
from seip.rights.models import RightsRequest

register = template.Library()


@register.inclusion_tag("bundles/_portal_links.html")
def released_bundle(request: RightsRequest) -> dict[str, object]:
    # The rows are the family's own requests (portal_requests_of), so no further scoping;
    # one query per row, and a family has a handful of requests.
    bundle = AccessBundle.objects.filter(request=request, status=BundleStatus.RELEASED).first()
    return {"bundle": bundle, "r": request}
