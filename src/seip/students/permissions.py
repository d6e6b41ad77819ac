"""Who may change a student's record. Reads are scoped by ``students.selectors``.

The co-ordinator and the safeguarding lead may write to any open record of their
partnership; a key worker only to their own caseload, the students whose open case they
hold (P08); no one may change an archived one (P17).
"""

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied, ValidationError

from seip.access.predicates import live_grants
from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.organisations.models import OrganisationType
from seip.students.models import CaseStatus, Student

CASE_STAFF = (Role.COORDINATOR, Role.KEY_WORKER, Role.SAFEGUARDING_LEAD)
#: Case staff who may write to every open record of their partnership.
WHOLE_PARTNERSHIP_WRITERS = (Role.COORDINATOR, Role.SAFEGUARDING_LEAD)

# Why a write is refused, in words the person can act on: the 403 page shows them.
ARCHIVED = "This record is archived and cannot be changed."
NOT_ON_CASELOAD = (
    "This student is not on your caseload. Ask your co-ordinator to assign the case to you "
    "if you need to change this record."
)
NOT_CASE_STAFF = "Only the partnership's case staff can change this record."


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
        and live_grants()
        .filter(referral=student.referral_id, category=OrganisationType.SCHOOL)
        .exists()
    )


def refusal_for(*, roles: Collection[str], archived: bool, holds: Callable[[], bool]) -> str | None:
    """The one rule for changing a student's record, and why it says no (P08, P17).

    ``roles`` are the roles the user holds in the student's partnership; ``holds`` says
    whether the user is the key worker of the student's open case (asked only of a key
    worker, since it costs a query). None means the write is allowed; otherwise the reason,
    which the 403 page shows, so the answer and its explanation cannot drift apart."""
    if archived:
        return ARCHIVED
    if set(roles) & set(WHOLE_PARTNERSHIP_WRITERS):
        return None
    if Role.KEY_WORKER in roles:
        return None if holds() else NOT_ON_CASELOAD
    return NOT_CASE_STAFF


def write_refusal(user: User, student: Student) -> str | None:
    """Why ``user`` may not change ``student``'s record by hand, or None if they may."""
    roles = {role for role in CASE_STAFF if has_role(user, [role], partnership=student.partnership)}
    return refusal_for(
        roles=roles, archived=student.is_archived, holds=lambda: holds_case(user, student)
    )


def refuse_write(user: User, student: Student) -> None:
    """A write page's check (``open_record(check=refuse_write)``): a 403 that says why,
    from :func:`write_refusal`."""
    refusal = write_refusal(user, student)
    if refusal is not None:
        raise PermissionDenied(refusal)


def can_write(user: User, student: Student) -> bool:
    refusal = write_refusal(user, student)
    if refusal is None:
        return True
    return refusal != ARCHIVED and _school_importing_for(user, student)


def ensure_case_staff(user: User, student: Student) -> None:
    """Any of the partnership's case staff, whoever holds the case: for what anyone must be
    able to do, such as raising a safeguarding concern. ValidationError if archived."""
    if student.is_archived:
        raise ValidationError(ARCHIVED)
    if not has_role(user, CASE_STAFF, partnership=student.partnership):
        raise PermissionDenied(NOT_CASE_STAFF)


def ensure_can_write(user: User, student: Student) -> None:
    """Raise ValidationError for an archived record, PermissionDenied for a wrong role or,
    for a key worker, a student who is not on their caseload, with the reason from
    :func:`refusal_for`."""
    if student.is_archived:
        raise ValidationError(ARCHIVED)
    if _school_importing_for(user, student):
        return
    ensure_case_staff(user, student)
    refusal = write_refusal(user, student)
    if refusal is not None:
        raise PermissionDenied(refusal)
