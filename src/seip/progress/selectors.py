"""Reads for reviews and the portal.

``portal_students_visible_to`` is the portal's one scoping function: a family member sees
only the students linked to them, and only while they hold parental responsibility (or
are the student). It is separate from the staff record's scope on purpose: the portal
shows progress, never notes, safeguarding or contacts.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from seip.accounts.models import Membership, Role, User
from seip.progress.models import PortalLink, PortalRelationship, Review
from seip.progress.schedule import NextReview, next_review
from seip.provision.models import Intervention, InterventionType
from seip.students.models import Case, CaseStatus, Student


def portal_students_visible_to(user: User) -> QuerySet[Student]:
    if not user.is_authenticated or not user.is_active:
        return Student.objects.none()
    links = PortalLink.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(relationship=PortalRelationship.STUDENT) | Q(parental_responsibility=True)
    )
    return Student.objects.filter(
        pk__in=links.values("student"), archived_at__isnull=True
    ).select_related("school", "partnership")


def reviews_of(case: Case) -> QuerySet[Review]:
    """The case's reviews, newest first. Through the case's related manager, so each review
    reaches the child's key (its text is sealed, P14) with no query of its own."""
    return case.reviews.select_related("recorded_by")


@dataclass(frozen=True)
class DueReview:
    case: Case
    next: NextReview
    last_review: dt.date | None


def _with_next_review(cases: QuerySet[Case], day: dt.date) -> list[DueReview]:
    """Each open case with its next review: the one schedule (P12) for staff lists and
    for the family's own page."""
    annotated = (
        cases.filter(status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE])
        .filter(student__archived_at__isnull=True)
        .select_related("student", "student__school", "key_worker")
        .annotate(
            last_review=Max("reviews__held_on"),
            in_ap=Exists(
                Intervention.objects.filter(
                    student=OuterRef("student"),
                    type=InterventionType.AP_PLACEMENT,
                    start_date__lte=day,
                ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            ),
        )
    )
    return [
        DueReview(
            case=case,
            next=next_review(
                last_review=case.last_review,
                opened_on=timezone.localtime(case.opened_at).date(),
                in_ap=case.in_ap,
                today=day,
            ),
            last_review=case.last_review,
        )
        for case in annotated
    ]


def reviews_due(user: User, *, today: dt.date | None = None) -> list[DueReview]:
    """Open cases with their next review, soonest first (P12).

    A key worker sees their own caseload; the co-ordinator sees the whole partnership.
    One query, whatever the number of cases or reviews.
    """
    day = today or timezone.localdate()
    memberships = Membership.objects.filter(user=user)
    coordinated = memberships.filter(role=Role.COORDINATOR).values("partnership")
    cases = Case.objects.filter(Q(student__partnership__in=coordinated) | Q(key_worker=user))
    return next_reviews(cases, today=day)


def next_reviews(cases: QuerySet[Case], *, today: dt.date) -> list[DueReview]:
    """The open ones of ``cases`` (already scoped by the caller) with their next review,
    soonest first (P12). One query, whatever the number of cases or reviews."""
    return sorted(_with_next_review(cases, today), key=lambda d: d.next.due_on)


@dataclass(frozen=True)
class PlanTarget:
    domain: str
    description: str
    measure: str
    due_on: dt.date
    status: str


@dataclass(frozen=True)
class FamilyPlan:
    """What a family needs to follow the support: who to talk to, when the next review
    is, what the plan aims at and what is in place. No notes, costs or safeguarding."""

    key_worker: str | None
    next_review: NextReview | None
    targets: list[PlanTarget]
    provision: list[str]


def family_plan(student: Student, *, today: dt.date | None = None) -> FamilyPlan:
    """The plan as the portal shows it. ``student`` has already been opened through
    ``portal_students_visible_to``, which recorded the read."""
    # Imported here: records' services notify through a chain that reads reviews_due.
    from seip.records.selectors import current_plan

    day = today or timezone.localdate()
    due = _with_next_review(Case.objects.filter(student=student), day)
    case = due[0] if due else None
    key_worker = case.case.key_worker if case else None
    plan = current_plan(student)
    targets = (
        [
            PlanTarget(
                domain=t.get_domain_display(),
                description=t.description,
                measure=t.measure,
                due_on=t.due_on,
                status=t.get_status_display(),
            )
            for t in plan.targets.all()
        ]
        if plan is not None
        else []
    )
    current = (
        student.interventions.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("provider")
        .order_by("start_date", "pk")
    )
    provision = [
        f"{i.get_type_display()}{f' with {i.provider.name}' if i.provider else ''}, "
        f"since {i.start_date:%-d %B %Y}"
        for i in current
    ]
    return FamilyPlan(
        key_worker=key_worker.get_full_name() or None if key_worker else None,
        next_review=case.next if case else None,
        targets=targets,
        provision=provision,
    )
