"""Demo managed moves and Fair Access (ADR 0048): in the first partnership, one move in
trial, one transferred and one returned, and one Fair Access panel with an allocation,
so a new co-ordinator sees each. Written through the audited services, as a co-ordinator
would; a handful of rows, so the demo's build time does not change. A second run adds
nothing."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from seip.access.predicates import school_may_see
from seip.accounts.models import User
from seip.moves.models import FairAccessCase, ManagedMove, MoveDecision
from seip.moves.services import (
    allocation_record,
    allocation_update,
    fair_access_case_open,
    move_agree,
    move_decide,
    move_propose,
    panel_record,
)
from seip.organisations.models import Partnership, School
from seip.organisations.services import agreement_create
from seip.rights.models import Restriction
from seip.students.models import CaseStatus, Student

#: (weeks since the trial started, the decision, weeks since it was decided).
MOVES: tuple[tuple[int, MoveDecision | None, int], ...] = (
    (2, None, 0),
    (10, MoveDecision.TRANSFERRED, 2),
    (9, MoveDecision.RETURNED, 3),
)


def _host_agreement(partnership: Partnership, school: School, today: dt.date) -> None:
    """A host school needs its own data-sharing agreement to see a record (P09)."""
    reference = f"DSA-{partnership.slug.upper()}-S{school.pk:03d}"
    if not partnership.agreements.filter(reference=reference).exists():
        agreement_create(
            organisation=school.organisation, partnership=partnership, reference=reference,
            signed_on=today - dt.timedelta(days=400), expires_on=today + dt.timedelta(days=700),
            actor=None,
        )  # fmt: skip


def _candidates(partnership: Partnership) -> list[Student]:
    """Open cases whose family agreed to share with schools, with no objection."""
    return list(
        Student.objects.filter(
            partnership=partnership,
            archived_at__isnull=True,
            cases__status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE],
        )
        .filter(school_may_see(OuterRef("pk"), OuterRef("referral")))
        # Any objection, even a lifted one: the demo's moves stay clear of them.
        .exclude(Exists(Restriction.objects.filter(student=OuterRef("pk"))))
        .select_related("school", "partnership")
        .distinct()
        .order_by("-pk")[:40]
    )


def build_moves(partnership: Partnership, coordinator: User) -> None:
    if ManagedMove.objects.filter(student__partnership=partnership).exists():
        return
    today = timezone.localdate()
    schools = list(School.objects.filter(partnership=partnership).order_by("urn"))
    if len(schools) < 2:
        return
    students = _candidates(partnership)
    for (weeks, decision, decided_ago), student in zip(
        MOVES, students[-len(MOVES) :], strict=False
    ):
        host = next(s for s in schools if s.pk != student.school_id)
        _host_agreement(partnership, host, today)
        start = today - dt.timedelta(weeks=weeks)
        move = move_propose(
            student=student, host_school=host, trial_starts_on=start, review_on=None,
            dual_registration=True, actor=coordinator,
        )  # fmt: skip
        move_agree(move=move, agreed_on=start, agreed_by_name="A parent", actor=coordinator)
        if decision is not None:
            move_decide(
                move=move, decision=decision, decided_on=today - dt.timedelta(weeks=decided_ago),
                actor=coordinator,
            )  # fmt: skip


def build_fair_access(partnership: Partnership, coordinator: User) -> None:
    if FairAccessCase.objects.filter(partnership=partnership).exists():
        return
    today = timezone.localdate()
    schools = list(School.objects.filter(partnership=partnership).order_by("urn"))
    case = fair_access_case_open(
        partnership=partnership, nc_year=9, excluding_school=schools[0],
        opened_on=today - dt.timedelta(days=10), actor=coordinator,
    )  # fmt: skip
    panel = panel_record(
        partnership=partnership, held_on=today - dt.timedelta(days=5), invited=schools,
        present=schools[: max(1, len(schools) - 1)], actor=coordinator,
    )  # fmt: skip
    allocation = allocation_record(
        case=case, panel=panel, school=schools[-1],
        reasons="Next in the rota for Year 9, and the fewest Fair Access admissions this year.",
        actor=coordinator,
    )  # fmt: skip
    allocation_update(
        allocation=allocation, school_told_on=panel.held_on, admissions_told_on=panel.held_on,
        on_roll_on=None, actor=coordinator,
    )  # fmt: skip
