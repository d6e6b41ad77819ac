"""Opening a rights request: the request through its scope, and its student's read.

A request's pages name the student it is about, so opening one is a read of the record,
recorded by ``sharing.access.open_record`` like every other page (P14, ADR 0026).
"""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from seip.accounts.models import User
from seip.rights.models import RightsRequest
from seip.rights.selectors import rights_requests_visible_to
from seip.sharing.access import open_record


def open_request(request: HttpRequest, pk: int) -> RightsRequest:
    """The rights request ``pk`` if the user handles it (404 otherwise), with the read of
    its student recorded. A request about a child not on record names no student."""
    user: User = request.user  # type: ignore[assignment]
    item = get_object_or_404(rights_requests_visible_to(user), pk=pk)
    if item.student_id is not None:
        open_record(request, item.student_id, part="rights_request")
    return item
