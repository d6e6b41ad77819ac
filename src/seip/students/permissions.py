"""Who may change a student's record. Reads are scoped by ``students.selectors``.

Until sharing (issue 5) narrows key workers to their own caseload, the partnership's
case staff may write to any open record of their partnership; no one may change an
archived one (P17).
"""

from django.core.exceptions import PermissionDenied, ValidationError

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.students.models import Student

CASE_STAFF = (Role.COORDINATOR, Role.KEY_WORKER, Role.SAFEGUARDING_LEAD)


def can_write(user: User, student: Student) -> bool:
    return not student.is_archived and has_role(user, CASE_STAFF, partnership=student.partnership)


def ensure_can_write(user: User, student: Student) -> None:
    """Raise ValidationError for an archived record, PermissionDenied for a wrong role."""
    if student.is_archived:
        raise ValidationError("This record is archived and cannot be changed.")
    if not has_role(user, CASE_STAFF, partnership=student.partnership):
        raise PermissionDenied("Only the partnership's case staff can change this record.")
