"""Reads of access bundles, scoped like the rights register they hang off (default deny).

The co-ordinator and the DPO of a partnership see its bundles (through
``rights_requests_visible_to``); a family sees only the released bundles of requests it
made itself (``released_bundles_of``).
"""

from django.db.models import QuerySet

from seip.accounts.models import User
from seip.bundles.models import AccessBundle, BundleStatus
from seip.rights.selectors import portal_requests_of, rights_requests_visible_to


def bundles_visible_to(user: User) -> QuerySet[AccessBundle]:
    return AccessBundle.objects.filter(request__in=rights_requests_visible_to(user)).select_related(
        "request", "request__partnership", "student"
    )


def released_bundles_of(user: User) -> QuerySet[AccessBundle]:
    """Released bundles of the requests ``user`` made in the portal: theirs, nothing else."""
    return AccessBundle.objects.filter(
        request__in=portal_requests_of(user), status=BundleStatus.RELEASED
    ).select_related("request", "student")
