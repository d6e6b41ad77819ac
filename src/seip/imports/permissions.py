"""Who may import a school's data, and who may see an import's progress and report.

A school's file holds every pupil on its roll, so importing one is for the people who
answer for that school's data: the school's own contacts (the school is the source, P11)
and the partnership staff who may write to every open record (the co-ordinator and the
safeguarding lead). A key worker may write only to their own caseload (P08), so a whole
school's file is not theirs to import. Each pupil's facts still pass the record
services' own write check, so this check can only narrow what they allow.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.imports.models import ImportRun, MatchCandidate
from seip.organisations.models import School
from seip.students.permissions import WHOLE_PARTNERSHIP_WRITERS


def can_import(user: User, school: School) -> bool:
    return has_role(user, WHOLE_PARTNERSHIP_WRITERS, partnership=school.partnership) or has_role(
        user, [Role.SCHOOL_CONTACT], organisation=school.organisation
    )


def ensure_can_import(user: User, school: School) -> None:
    if not can_import(user, school):
        raise PermissionDenied(
            "Only the school's contacts and the partnership's co-ordinator or safeguarding "
            "lead can import a school's file."
        )


def schools_for_import(user: User) -> QuerySet[School]:
    """The schools whose files ``user`` may import (none by default)."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    memberships = user.memberships.all()
    partnerships = memberships.filter(role__in=WHOLE_PARTNERSHIP_WRITERS).values("partnership")
    organisations = memberships.filter(role=Role.SCHOOL_CONTACT).values("organisation")
    return (
        School.objects.filter(Q(partnership__in=partnerships) | Q(organisation__in=organisations))
        .select_related("partnership", "organisation")
        .order_by("name")
    )


def runs_visible_to(user: User) -> QuerySet[ImportRun]:
    """Import runs of the schools ``user`` may import. The report names referred pupils by
    UPN only, and those are the pupils whose records these people already answer for."""
    return ImportRun.objects.filter(school__in=schools_for_import(user)).select_related("school")


def matches_visible_to(user: User) -> QuerySet[MatchCandidate]:
    """The manual matching queue: the co-ordinator's, for their partnership's students."""
    if not user.is_authenticated or not user.is_active:
        return MatchCandidate.objects.none()
    partnerships = user.memberships.filter(role=Role.COORDINATOR).values("partnership")
    return MatchCandidate.objects.filter(student__partnership__in=partnerships).select_related(
        "student", "school"
    )
