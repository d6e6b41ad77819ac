"""Scoped reads of student records. Default deny: a role not named here sees no one.

- partnership staff see their own partnership's students (P08 for staff);
- the co-ordinator and DPO also see archived records, which no one else sees (P17);
- a school contact sees students on their school's roll while the family's consent for
  schools is live (P07): withdrawal ends it at once, because the check is in the query;
- any organisation's contacts (providers, agencies, LA officers, and schools other than
  the school on roll) see a student only through a live involvement of their organisation:
  running today, covered by the family's consent for its category and by a current
  data-sharing agreement (P07, P08, P09; ``access.predicates.reached_through_involvement``). All of
  it is decided in the query, so a withdrawal or an expiry closes access at once.
"""

from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from seip.access.predicates import reached_through_involvement, school_may_see
from seip.accounts.models import EXTERNAL_ROLES, PARTNERSHIP_ROLES, Membership, Role, User
from seip.accounts.selectors import places_of
from seip.keys.fields import by_name, indexed, normalise_text
from seip.students.models import Case, CaseStatus, Student

#: A UPN is a letter and twelve characters (the last a letter when it is temporary).
UPN_LENGTH = 13

ARCHIVE_ROLES = (Role.COORDINATOR, Role.DPO)


def students_visible_to(user: User) -> QuerySet[Student]:
    """Students in working lists and searches: never archived ones.

    Only the doors the user's roles open are put in the query (from the memberships
    cached for the request), so a co-ordinator's page does not pay for the involvement
    check a provider needs."""
    if not user.is_authenticated or not user.is_active:
        return Student.objects.none()
    staff, _ = places_of(user, PARTNERSHIP_ROLES)
    _, schools = places_of(user, [Role.SCHOOL_CONTACT])
    _, organisations = places_of(user, EXTERNAL_ROLES)
    doors = Q(pk__in=[])
    if staff:
        doors |= Q(partnership__in=staff)
    if schools:
        # An objection restricts processing (P20): the school on roll stops seeing the
        # record too, as every other outside organisation does.
        doors |= Q(school__organisation__in=schools) & school_may_see(
            OuterRef("pk"), OuterRef("referral")
        )
    if organisations:
        doors |= Q(reached_through_involvement(organisations, timezone.localdate()))
    return Student.objects.filter(doors, archived_at__isnull=True)


def archived_students_visible_to(user: User) -> QuerySet[Student]:
    """The archive: read-only, and open only to the co-ordinator and the DPO (P17)."""
    if not user.is_authenticated or not user.is_active:
        return Student.objects.none()
    partnerships = Membership.objects.filter(user=user, role__in=ARCHIVE_ROLES).values(
        "partnership"
    )
    return Student.objects.filter(partnership__in=partnerships, archived_at__isnull=False)


def student_record_visible_to(user: User) -> QuerySet[Student]:
    """Every record ``user`` may open: working students plus, for some, the archive."""
    return students_visible_to(user) | archived_students_visible_to(user)


def current_case(student: Student) -> Case | None:
    return student.cases.select_related("key_worker").order_by("-opened_at").first()


def open_cases(student: Student) -> QuerySet[Case]:
    return student.cases.exclude(status__in=[CaseStatus.CLOSED, CaseStatus.LEFT])


def search(students: QuerySet[Student], query: str) -> list[Student]:
    """``students`` (already scoped to the reader) matching ``query``, in name order.

    Identity is sealed (ADR 0034), so the database cannot search it: a UPN is found by its
    blind index, and a name by opening the names of the reader's students (their keys in
    one query) and comparing them with case and accents folded. An empty query is every
    student, in name order."""
    words = normalise_text(query).split()
    compact = "".join(query.split()).upper()
    if len(compact) == UPN_LENGTH and compact[0].isalpha() and compact[1:12].isdigit():
        return by_name(students.filter(upn_index=indexed("upn", compact)))
    ordered = by_name(students)
    if not words:
        return ordered
    return [
        s
        for s in ordered
        if all(word in normalise_text(f"{s.first_name} {s.last_name}") for word in words)
    ]
