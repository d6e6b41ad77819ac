"""Who may change a student's record. Reads are scoped by ``students.selectors``.

The co-ordinator and the safeguarding lead may write to any open record of their
partnership; a key worker only to their own caseload, the students whose open case they
hold (P08); no one may change an archived one (P17).
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ImportGrant:
    """The right to write one school's facts about its own pupils, for one import run.

    A school is the source of most of the record (P11), so while its own file is imported
    its contacts may write what the file says; no page ever holds a grant, so a school
    contact still cannot change a record by hand. The import issues one grant per run
    (``imports.pipeline.import_grant``, which audits it) and passes it to every service it
    calls; the service checks it (:func:`ensure_can_write`) and records :meth:`audit` in
    its own event, so each write names the run that made it. Consent still rules: the
    student must be on the grant's school's roll and the family's consent for schools
    live (P07)."""

    #: The run's reference, also in the import's own audit event.
    run: str
    school_id: int
    school_urn: str
    actor_id: int

    def audit(self) -> dict[str, object]:
        """What an audit event records about the grant: the run and the school, no pupil."""
        return {"import": self.run, "import_school": self.school_urn}


def grant_detail(grant: ImportGrant | None) -> dict[str, object]:
    """The audit detail a service adds for a write made under ``grant`` (none by hand)."""
    return grant.audit() if grant is not None else {}


def _granted(grant: ImportGrant | None, user: User, student: Student) -> bool:
    return (
        grant is not None
        and grant.actor_id == user.pk
        and student.school_id == grant.school_id
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
    """Whether ``user`` may change ``student``'s record by hand (pages ask; no grant)."""
    return write_refusal(user, student) is None


def ensure_case_staff(user: User, student: Student) -> None:
    """Any of the partnership's case staff, whoever holds the case: for what anyone must be
    able to do, such as raising a safeguarding concern. ValidationError if archived."""
    if student.is_archived:
        raise ValidationError(ARCHIVED)
    if not has_role(user, CASE_STAFF, partnership=student.partnership):
        raise PermissionDenied(NOT_CASE_STAFF)


def ensure_can_write(user: User, student: Student, *, grant: ImportGrant | None = None) -> None:
    """Raise ValidationError for an archived record, PermissionDenied for a wrong role or,
    for a key worker, a student who is not on their caseload, with the reason from
    :func:`refusal_for`. A school's own import writes under its :class:`ImportGrant`."""
    if student.is_archived:
        raise ValidationError(ARCHIVED)
    if _granted(grant, user, student):
        return
    ensure_case_staff(user, student)
    refusal = write_refusal(user, student)
    if refusal is not None:
        raise PermissionDenied(refusal)
