"""Opening a student's record: the one place that both checks access and records the read.

Every page that shows a student's information fetches the student here. The student comes
through a scoping function (``student_record_visible_to`` for staff and partners,
``progress.selectors.portal_students_visible_to`` for the family), so a record the user
may not see is a 404, never a 403 (P08). A page's own rule (case staff only, a write form)
runs next, so a refused page leaves no trace in the family's log. Then the read is
recorded: an audit event ``read.<part>`` and, for a reader outside the partnership team, a
disclosure the family sees in the portal (P14). A page that lists students records one
event for the page through :func:`record_list`.

A view cannot show a student without recording it: ``core/tests/test_read_audit.py``
opens every page as every persona and fails when a page shows a student and leaves no
``read.*`` event naming them (ADR 0026).
"""

from collections.abc import Callable, Mapping, Sequence

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from seip.accounts.http import user_of
from seip.accounts.models import User
from seip.sharing.models import DisclosureKind
from seip.sharing.services import record_list_read, record_read
from seip.students.models import Student
from seip.students.selectors import student_record_visible_to

#: Who may see which students: a scoping function, default deny.
Scope = Callable[[User], QuerySet[Student]]
#: A page's own rule after the student is found: raises ``PermissionDenied`` (403) or
#: ``Http404``; its result is ignored.
Check = Callable[[User, Student], object]

RELATED = ("school", "partnership", "referral")


reader = user_of


def open_record(
    request_or_user: HttpRequest | User,
    pk: int,
    *,
    part: str,
    download: bool = False,
    check: Check | None = None,
    scope: Scope | None = None,
) -> Student:
    """The student ``pk`` if the reader may see them through ``scope`` (by default
    ``student_record_visible_to``; 404 otherwise) and may use this page (``check``),
    with the read recorded as ``read.<part>`` (P08, P14).

    Any request that passes counts as a read, a GET of a write form included: the form
    shows the student's name (ADR 0026).
    """
    user = reader(request_or_user)
    # Looked up at call time, not bound as a default, so there is one name to replace
    # (benchmarks/profile_overhead.py swaps it for an unscoped baseline).
    visible = (scope or student_record_visible_to)(user)
    student = get_object_or_404(visible.select_related(*RELATED), pk=pk)
    if check is not None:
        check(user, student)
    record_read(actor=user, student=student, part=part, download=download)
    return student


def record_list(
    request_or_user: HttpRequest | User,
    students: Sequence[Student],
    *,
    part: str,
    detail: Mapping[str, object] | None = None,
    export: bool = False,
) -> None:
    """Record that a page (or, with ``export``, a file) named ``students`` (already scoped
    to the reader): one audit event with their ids, and for an outside reader a ``list``
    (or ``export``) disclosure each (P14)."""
    record_list_read(
        actor=reader(request_or_user),
        part=part,
        students=students,
        detail=detail,
        kind=DisclosureKind.EXPORT if export else DisclosureKind.LIST,
    )
