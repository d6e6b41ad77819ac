"""Which students a school's file may concern (issue 7; security review, issue 15).

A school's file lists every pupil on its roll, and the person importing it may be one of
the school's own contacts. So the file is matched only against the students that school
answers for: open records of the school's partnership, on that school's roll, from an
accepted (so signed) referral. A pupil of the partnership's other schools, of another
partnership, or whose family withdrew consent is reported exactly like a pupil who was
never referred (P25): the report tells a school nothing about another school's pupils.
"""

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet

from seip.access.predicates import live_consent
from seip.accounts.models import User
from seip.accounts.selectors import has_role
from seip.keys.fields import indexed
from seip.organisations.models import OrganisationType, School
from seip.referrals.models import ReferralStatus
from seip.rights.selectors import restricted_student_ids
from seip.students.models import Student
from seip.students.permissions import WHOLE_PARTNERSHIP_WRITERS


def importable_students(school: School, actor: User) -> QuerySet[Student]:
    """The students a pupil of ``school``'s file may be, for ``actor`` (P25).

    For anyone but the partnership's whole-record writers, the family's consent for
    schools must also be live: a school contact may write only then (under the import's
    ``students.permissions.ImportGrant``, P07), and a refusal at write time would tell
    them that the pupil is referred.
    """
    students = Student.objects.filter(
        school=school,
        partnership=school.partnership,
        archived_at__isnull=True,
        referral__status=ReferralStatus.ACCEPTED,
    )
    if not has_role(actor, WHOLE_PARTNERSHIP_WRITERS, partnership=school.partnership):
        students = students.filter(live_consent(OuterRef("referral"), OrganisationType.SCHOOL))
    return students.select_related("partnership", "school")


def restricted_among(students: list[Student]) -> set[int]:
    """Ids of those ``students`` whose processing an objection restricts (P20): an import
    writes nothing for them."""
    ids = [student.pk for student in students]
    return set(restricted_student_ids().filter(student_id__in=ids))


def importable_by_upn(school: School, actor: User, upns: Iterable[str]) -> dict[str, Student]:
    """Of ``upns``, those that are importable students, each with its student. UPNs are
    sealed (ADR 0034): the look-up is by blind index, so only the matches are decrypted."""
    wanted = {indexed("upn", upn): upn for upn in upns if upn}
    found = importable_students(school, actor).filter(upn_index__in=list(wanted))
    return {wanted[student.upn_index]: student for student in found}
