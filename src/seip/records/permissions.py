"""Who may read which part of a student's record, beyond seeing the student at all.

Reading the student is decided by ``students.selectors.student_record_visible_to``; this
module narrows it, default deny:

- the profile (needs, contacts, agencies, plan) goes with the student record, except its
  health details (types of need, health services involved), which go only to readers who
  reach this student as the team, the family, a school or a health organisation (P07);
- the chronology is the partnership's own working file (P08): the co-ordinator, the
  safeguarding lead, the DPO (who answers access requests from it) and the key worker who
  holds the student's open case; other key workers see that the record exists, not its
  notes;
- safeguarding concerns are restricted (P02): the safeguarding lead and the co-ordinator
  of the student's partnership read them; the rest of that partnership's staff may open
  them only by giving a reason ("break glass"); everyone else is told they do not exist.

One query fetches the user's memberships that reach this student (a role held for another
child counts for nothing here), so a page can ask every question below for the same
fixed cost.
"""

from dataclasses import dataclass

from django.db.models import Q

from seip.access.predicates import school_may_see
from seip.accounts.models import EXTERNAL_ROLES, FAMILY_ROLES, PARTNERSHIP_ROLES, Role, User
from seip.organisations.models import OrganisationType
from seip.sharing.selectors import live_involvements
from seip.students.models import Student
from seip.students.permissions import CASE_STAFF, holds_case, refusal_for

#: Roles that read safeguarding concerns without giving a reason (P02).
SAFEGUARDING_ROLES = frozenset({Role.SAFEGUARDING_LEAD, Role.COORDINATOR})
#: Roles that read every chronology of their partnership; key workers read their caseload's.
CHRONOLOGY_ROLES = frozenset({Role.COORDINATOR, Role.SAFEGUARDING_LEAD, Role.DPO})


@dataclass(frozen=True)
class RecordAccess:
    """What ``user`` may do with one student's record. Build it with :func:`access_for`."""

    roles: frozenset[str]
    archived: bool
    #: The types of the organisations through which the user reaches this student.
    organisation_types: frozenset[str] = frozenset()
    #: A key worker holding this student's open case.
    holds_case: bool = False
    #: A contact of the student's school on roll (not another school involved).
    school_on_roll: bool = False

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
    def write_refusal(self) -> str | None:
        """Why the user may not change the record, or None: the same rule as
        ``students.permissions.write_refusal``, from the roles already loaded."""
        return refusal_for(roles=self.roles, archived=self.archived, holds=lambda: self.holds_case)

    @property
    def can_write(self) -> bool:
        return self.write_refusal is None

    @property
    def can_raise_concern(self) -> bool:
        """Safeguarding is everyone's job: any case staff may raise a concern (P02)."""
        return not self.archived and bool(self.roles & set(CASE_STAFF))

    @property
    def reads_health(self) -> bool:
        """Health details are special category data (P07): the SEN types of need and the
        health services involved (``StudentAgency.reveals_health``) go to the partnership
        team, the family, schools (whose own records hold them) and health organisations
        only, each reaching this student. Other partners learn that something is withheld,
        not what."""
        if self.is_staff or self.roles & FAMILY_ROLES:
            return True
        return bool(self.organisation_types & {OrganisationType.SCHOOL, OrganisationType.HEALTH})

    @property
    def reads_referral(self) -> bool:
        """Why the child was referred (the reasons, the support tried, the school's
        summaries): the partnership team, who decide on it, and the school on roll, who
        wrote it. Other partners, and the family in the staff record, are not shown it;
        default deny (P08)."""
        return self.is_staff or self.school_on_roll

    @property
    def reads_concerns(self) -> bool:
        """Designated to read safeguarding concerns (P02)."""
        return bool(self.roles & SAFEGUARDING_ROLES)

    @property
    def may_break_glass(self) -> bool:
        """Other partnership staff: may open concerns only by giving a reason (P02)."""
        return self.is_staff and not self.reads_concerns


def _reaching(student: Student) -> Q:
    """The memberships that reach ``student``, and so decide what its record shows: the
    partnership team (and the family) of the student's partnership; a contact of the
    school on roll while the family's consent for schools is live and no objection
    restricts processing; a contact of an organisation with a live involvement with this
    student. These are the doors of ``students.selectors.students_visible_to``, narrowed
    to one student. A role held for another child opens nothing here (P08)."""
    school_on_roll = Q(
        role=Role.SCHOOL_CONTACT, organisation__school=student.school_id
    ) & school_may_see(student.pk, student.referral_id)
    involved = Q(
        role__in=EXTERNAL_ROLES,
        organisation__in=live_involvements().filter(student=student).values("organisation"),
    )
    return Q(partnership_id=student.partnership_id) | school_on_roll | involved


def access_for(user: User, student: Student) -> RecordAccess:
    """The user's access to ``student``, who must already have been fetched through
    ``student_record_visible_to(user)``. One query, two for a key worker.

    Only the memberships that reach this student count (:func:`_reaching`): a health
    agency contact who reaches this child as a provider's contact reads what a provider
    reads."""
    if not user.is_authenticated or not user.is_active:
        return RecordAccess(roles=frozenset(), archived=student.is_archived)
    rows = user.memberships.filter(_reaching(student)).values_list(
        "role", "organisation__type", "organisation__school"
    )
    roles = frozenset(role for role, org_type, _ in rows if org_type is None)
    return RecordAccess(
        roles=roles,
        archived=student.is_archived,
        organisation_types=frozenset(org_type for _, org_type, _ in rows if org_type is not None),
        holds_case=Role.KEY_WORKER in roles and holds_case(user, student),
        school_on_roll=any(
            role == Role.SCHOOL_CONTACT and school == student.school_id for role, _, school in rows
        ),
    )
