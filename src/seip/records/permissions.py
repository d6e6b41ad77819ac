"""Who may read which part of a student's record, beyond seeing the student at all.

Reading the student is decided by ``students.selectors.student_record_visible_to``; this
module narrows it, default deny:

- the profile (needs, contacts, agencies, plan) goes with the student record;
- the chronology is the partnership's own working file (P08): the co-ordinator, the
  safeguarding lead, the DPO (who answers access requests from it) and the key worker who
  holds the student's open case; other key workers see that the record exists, not its
  notes;
- safeguarding concerns are restricted (P02): the safeguarding lead and the co-ordinator
  of the student's partnership read them; the rest of that partnership's staff may open
  them only by giving a reason ("break glass"); everyone else is told they do not exist.

One query fetches the user's roles in the student's partnership, so a page can ask every
question below for the same fixed cost.
"""

from dataclasses import dataclass

from django.db.models import Q

from seip.accounts.models import FAMILY_ROLES, PARTNERSHIP_ROLES, Role, User
from seip.organisations.models import OrganisationType
from seip.students.models import Student
from seip.students.permissions import CASE_STAFF, WHOLE_PARTNERSHIP_WRITERS, holds_case

#: Roles that read safeguarding concerns without giving a reason (P02).
SAFEGUARDING_ROLES = frozenset({Role.SAFEGUARDING_LEAD, Role.COORDINATOR})
#: Roles that read every chronology of their partnership; key workers read their caseload's.
CHRONOLOGY_ROLES = frozenset({Role.COORDINATOR, Role.SAFEGUARDING_LEAD, Role.DPO})


@dataclass(frozen=True)
class RecordAccess:
    """What ``user`` may do with one student's record. Build it with :func:`access_for`."""

    roles: frozenset[str]
    archived: bool
    #: The types of the organisations the user reads for, outside the partnership team.
    organisation_types: frozenset[str] = frozenset()
    #: A key worker holding this student's open case.
    holds_case: bool = False

    @property
    def is_staff(self) -> bool:
        """Partnership staff: may know that the chronology and concerns exist."""
        return bool(self.roles & PARTNERSHIP_ROLES)

    @property
    def reads_chronology(self) -> bool:
        """The case notes and their attachments (P08, need to know): the co-ordinator, the
        safeguarding lead, the DPO and the key worker holding the student's open case. A
        key worker's need to know is their caseload, not the whole partnership."""
        return bool(self.roles & CHRONOLOGY_ROLES) or (
            Role.KEY_WORKER in self.roles and self.holds_case
        )

    @property
    def can_write(self) -> bool:
        """Same rule as ``students.permissions.can_write``, from the roles already loaded."""
        if self.archived:
            return False
        return bool(self.roles & set(WHOLE_PARTNERSHIP_WRITERS)) or (
            Role.KEY_WORKER in self.roles and self.holds_case
        )

    @property
    def can_raise_concern(self) -> bool:
        """Safeguarding is everyone's job: any case staff may raise a concern (P02)."""
        return not self.archived and bool(self.roles & set(CASE_STAFF))

    @property
    def reads_health(self) -> bool:
        """Health details (SEN types of need) are special category data: the partnership
        team, the family, schools (whose own records hold them) and health organisations
        only. Other partners see that a need exists, not what it is."""
        if self.is_staff or self.roles & FAMILY_ROLES:
            return True
        return bool(self.organisation_types & {OrganisationType.SCHOOL, OrganisationType.HEALTH})

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
    ``student_record_visible_to(user)``. One query, two for a key worker."""
    if not user.is_authenticated or not user.is_active:
        return RecordAccess(roles=frozenset(), archived=student.is_archived)
    rows = user.memberships.filter(
        Q(partnership_id=student.partnership_id) | Q(organisation__isnull=False)
    ).values_list("role", "organisation__type")
    roles = frozenset(role for role, org_type in rows if org_type is None)
    return RecordAccess(
        roles=roles,
        archived=student.is_archived,
        organisation_types=frozenset(org_type for _, org_type in rows if org_type is not None),
        holds_case=Role.KEY_WORKER in roles and holds_case(user, student),
    )
