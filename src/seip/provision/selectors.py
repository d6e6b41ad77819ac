"""Reads of provision: a student's interventions and cost, placement reviews due, and
spending by type for reports (P06, P12).

These take a student (or students) the caller has already fetched through
``seip.students.selectors.student_record_visible_to``, so they add no access rule of
their own; ``placement_reviews_due`` is for the partnership's own staff.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Count, DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from seip.accounts.models import User
from seip.core.calendar import half_term_of
from seip.keys.fields import open_all
from seip.organisations.models import PartnerOrganisation, Partnership
from seip.provision.models import (
    Intervention,
    InterventionType,
    Placement,
    PlacementReview,
)
from seip.students.models import Student
from seip.students.permissions import can_write

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


class ReviewState(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ReviewWindow:
    """When a placement's next half-termly review falls due (P12)."""

    last_reviewed_on: dt.date | None
    due_from: dt.date
    due_by: dt.date

    def state(self, today: dt.date) -> ReviewState:
        if today > self.due_by:
            return ReviewState.OVERDUE
        if today >= self.due_from:
            return ReviewState.DUE
        return ReviewState.NOT_DUE


def review_window(*, started_on: dt.date, last_reviewed_on: dt.date | None) -> ReviewWindow:
    """One review each half term: after the start (or a review) in one half term, the
    next review is due once the following half term begins, and overdue when it ends."""
    anchor = max(started_on, last_reviewed_on) if last_reviewed_on else started_on
    following = half_term_of(anchor).next()
    return ReviewWindow(last_reviewed_on, following.start, following.end)


def placement_of(intervention: Intervention) -> Placement | None:
    try:
        return intervention.placement
    except Placement.DoesNotExist:
        return None


def providers_for(partnership: Partnership) -> QuerySet[PartnerOrganisation]:
    """Organisations that may deliver provision for this partnership: its partner
    organisations and its own schools."""
    return PartnerOrganisation.objects.filter(
        Q(partnerships=partnership) | Q(school__partnership=partnership)
    ).distinct()


def interventions_of(student: Student) -> QuerySet[Intervention]:
    """The student's provision, newest first, with provider and placement in one query.
    Through the student's related manager, so each row reaches the child's key (its
    description and site are sealed, P14) with no query."""
    return student.interventions.select_related("provider", "placement")


def cost_of(student: Student) -> Decimal:
    """The full cost of the student's provision, to the penny (P06)."""
    total = Intervention.objects.filter(student=student).aggregate(
        total=Coalesce(Sum("total_cost"), Value(ZERO), output_field=_MONEY)
    )["total"]
    return Decimal(total).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ReviewDue:
    placement: Placement
    window: ReviewWindow
    state: ReviewState

    @property
    def student(self) -> Student:
        return self.placement.intervention.student


def placement_reviews_due(partnership: Partnership, today: dt.date) -> list[ReviewDue]:
    """Running AP placements whose half-termly review is due or overdue, most overdue
    first (P12). Archived students are out of working lists (P17)."""
    placements = (
        Placement.objects.filter(
            intervention__student__partnership=partnership,
            intervention__student__archived_at__isnull=True,
            intervention__start_date__lte=today,
        )
        .filter(Q(intervention__end_date__isnull=True) | Q(intervention__end_date__gte=today))
        .annotate(last_reviewed_on=Max("reviews__reviewed_on"))
        .select_related("intervention__student", "intervention__provider")
    )
    due = []
    for placement in placements:
        window = review_window(
            started_on=placement.intervention.start_date,
            last_reviewed_on=placement.last_reviewed_on,
        )
        state = window.state(today)
        if state != ReviewState.NOT_DUE:
            due.append(ReviewDue(placement, window, state))
    return sorted(due, key=lambda item: (item.window.due_by, item.placement.pk))


@dataclass(frozen=True)
class SpendLine:
    type: InterventionType
    interventions: int
    students: int
    total: Decimal

    @property
    def label(self) -> str:
        return str(self.type.label)

    @property
    def per_student(self) -> Decimal:
        return (self.total / self.students).quantize(Decimal("0.01")) if self.students else ZERO


def spend_by_type(students: QuerySet[Student]) -> list[SpendLine]:
    """Spending on provision by type for a set of students, aggregated in the database
    (P06). Callers building aggregate reports apply disclosure control (P10)."""
    rows = (
        Intervention.objects.filter(student__in=students)
        .values("type")
        .annotate(
            interventions=Count("pk"),
            students=Count("student", distinct=True),
            total=Coalesce(Sum("total_cost"), Value(ZERO), output_field=_MONEY),
        )
        .order_by("type")
    )
    return [
        SpendLine(
            InterventionType(row["type"]),
            row["interventions"],
            row["students"],
            Decimal(row["total"]).quantize(Decimal("0.01")),
        )
        for row in rows
    ]


@dataclass
class PanelRow:
    intervention: Intervention
    placement: Placement | None
    reviews: list[PlacementReview] = field(default_factory=list)
    window: ReviewWindow | None = None
    state: ReviewState | None = None


def panel_context(student: Student, user: User, today: dt.date | None = None) -> dict[str, Any]:
    """The provision panel on the student's record: a fixed number of queries whatever
    the history (one more for the child's key when it is not cached)."""
    day = today or timezone.localdate()
    interventions = list(interventions_of(student))
    reviews: dict[int, list[PlacementReview]] = defaultdict(list)
    for review in PlacementReview.objects.filter(
        placement__intervention__student=student
    ).select_related("source_organisation"):
        reviews[review.placement_id].append(review)
    rows = []
    for intervention in interventions:
        placement = placement_of(intervention)
        row = PanelRow(intervention, placement)
        if placement is not None:
            row.reviews = reviews[placement.pk]
            for review in row.reviews:
                review.placement = placement  # how a review reaches the child's key
            row.window = review_window(
                started_on=intervention.start_date,
                last_reviewed_on=row.reviews[0].reviewed_on if row.reviews else None,
            )
            running = intervention.start_date <= day and (
                intervention.end_date is None or intervention.end_date >= day
            )
            row.state = row.window.state(day) if running else None
        rows.append(row)
    # The descriptions, sites and reviews are sealed under the child's key (P14).
    items = [i for r in rows for i in (r.intervention, r.placement, *r.reviews) if i is not None]
    open_all(items, [student.referral_id])
    writable = can_write(user, student)
    return {
        "provision": {
            "student": student,
            "rows": rows,
            "total": sum((i.total_cost for i in interventions), ZERO),
            "can_write": writable,
        }
    }
