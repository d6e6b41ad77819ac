"""Who may change a student's record. Reads are scoped by ``students.selectors``.

The co-ordinator and the safeguarding lead may write to any open record of their
partnership; a key worker only to their own caseload, the students whose open case they
hold (P08); no one may change an archived one (P17).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied, ValidationError

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.organisations.models import OrganisationType
from seip.referrals.models import ConsentGrant
from seip.students.models import CaseStatus, Student

CASE_STAFF = (Role.COORDINATOR, Role.KEY_WORKER, Role.SAFEGUARDING_LEAD)
#: Case staff who may write to every open record of their partnership.
WHOLE_PARTNERSHIP_WRITERS = (Role.COORDINATOR, Role.SAFEGUARDING_LEAD)


def holds_case(user: User, student: Student) -> bool:
    """``user`` is the key worker of one of ``student``'s open cases."""
    return (
        student.cases.filter(key_worker=user)
        .exclude(status__in=[CaseStatus.CLOSED, CaseStatus.LEFT])
        .exists()
    )


#: The school whose own file is being imported, while ``school_import`` runs.
_importing_school: ContextVar[int | None] = ContextVar("importing_school", default=None)


@contextmanager
def school_import(school_id: int) -> Iterator[None]:
    """While a school's own file is imported, its contacts may write the school's facts
    about its pupils: the school is the source of most of the record (P11). Only the
    import services open this; no page does, so a school contact still cannot change a
    record by hand. Consent still rules: the student must be on that school's roll and
    the family's consent for schools live (P07)."""
    token = _importing_school.set(school_id)
    try:
        yield
    finally:
        _importing_school.reset(token)


def _school_importing_for(user: User, student: Student) -> bool:
    school_id = _importing_school.get()
    return (
        school_id is not None
        and student.school_id == school_id
        and has_role(user, [Role.SCHOOL_CONTACT], organisation=student.school.organisation)
        and ConsentGrant.objects.filter(
            referral=student.referral_id,
            category=OrganisationType.SCHOOL,
            withdrawn_at__isnull=True,
        ).exists()
    )


def can_write(user: User, student: Student) -> bool:
    if student.is_archived:
        return False
    if has_role(user, WHOLE_PARTNERSHIP_WRITERS, partnership=student.partnership):
        return True
    if has_role(user, [Role.KEY_WORKER], partnership=student.partnership):
        return holds_case(user, student)
    return _school_importing_for(user, student)


def ensure_case_staff(user: User, student: Student) -> None:
    """Any of the partnership's case staff, whoever holds the case: for what anyone must be
    able to do, such as raising a safeguarding concern. ValidationError if archived."""
    if student.is_archived:
        raise ValidationError("This record is archived and cannot be changed.")
    if not has_role(user, CASE_STAFF, partnership=student.partnership):
        raise PermissionDenied("Only the partnership's case staff can change this record.")


def ensure_can_write(user: User, student: Student) -> None:
    """Raise ValidationError for an archived record, PermissionDenied for a wrong role or,
    for a key worker, a student who is not on their caseload."""
    if student.is_archived:
        raise ValidationError("This record is archived and cannot be changed.")
    if _school_importing_for(user, student):
        return
    ensure_case_staff(user, student)
    if not can_write(user, student):
        raise PermissionDenied("Key workers can change only the records of their own caseload.")
