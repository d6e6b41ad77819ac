"""Who may read which part of a student's record, beyond seeing the student at all.

Reading the student is decided by ``students.selectors.student_record_visible_to``; this
module narrows it, default deny:

- the profile (needs, contacts, agencies, plan) goes with the student record;
- the chronology is the partnership's own working file: its staff only (P08);
- safeguarding concerns are restricted (P02): the safeguarding lead and the co-ordinator
  of the student's partnership read them; the rest of that partnership's staff may open
  them only by giving a reason ("break glass"); everyone else is told they do not exist.

One query fetches the user's roles in the student's partnership, so a page can ask every
question below for the same fixed cost.
"""

from dataclasses import dataclass

from seip.accounts.models import PARTNERSHIP_ROLES, Role, User
from seip.students.models import Student
from seip.students.permissions import CASE_STAFF

#: Roles that read safeguarding concerns without giving a reason (P02).
SAFEGUARDING_ROLES = frozenset({Role.SAFEGUARDING_LEAD, Role.COORDINATOR})


@dataclass(frozen=True)
class RecordAccess:
    """What ``user`` may do with one student's record. Build it with :func:`access_for`."""

    roles: frozenset[str]
    archived: bool

    @property
    def is_staff(self) -> bool:
        """Partnership staff: may read the chronology."""
        return bool(self.roles & PARTNERSHIP_ROLES)

    @property
    def can_write(self) -> bool:
        """Same rule as ``students.permissions.can_write``, from the roles already loaded."""
        return not self.archived and bool(self.roles & set(CASE_STAFF))

    @property
    def reads_concerns(self) -> bool:
        """Designated to read safeguarding concerns (P02)."""
        return bool(self.roles & SAFEGUARDING_ROLES)

    @property
    def may_break_glass(self) -> bool:
        """Other partnership staff: may open concerns only by giving a reason (P02)."""
        return self.is_staff and not self.reads_concerns


def access_for(user: User, student: Student) -> RecordAccess:
    """The user's access to ``student``, who must already have been fetched through
    ``student_record_visible_to(user)``. One query."""
    if not user.is_authenticated or not user.is_active:
        return RecordAccess(roles=frozenset(), archived=student.is_archived)
    roles = frozenset(
        user.memberships.filter(partnership_id=student.partnership_id).values_list(
            "role", flat=True
        )
    )
    return RecordAccess(roles=roles, archived=student.is_archived)
