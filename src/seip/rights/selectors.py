"""Reads of the rights register, and the clock worked out from a request's own events.

``rights_requests_visible_to`` is the register's one scoping function (default deny): the
co-ordinator and the DPO of a partnership see all of its requests, and nobody else sees
any. A family sees only the requests they made themselves, in the portal
(``portal_requests_of``).
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from seip.access.predicates import restrictions_in_force
from seip.accounts.models import Membership, Role, User
from seip.rights import clock
from seip.rights.models import (
    OPEN_STATUSES,
    ClockPause,
    PauseReason,
    Restriction,
    RightsRequest,
)

#: Who handles requests: the co-ordinator, and the DPO who oversees them (issue 6).
HANDLER_ROLES = (Role.COORDINATOR, Role.DPO)
#: A request is "due soon" from this many days before its deadline: a week leaves time
#: to assemble and check an access bundle, or to send an extension notice.
DUE_SOON_DAYS = 7


def rights_requests_visible_to(user: User) -> QuerySet[RightsRequest]:
    if not user.is_authenticated or not user.is_active:
        return RightsRequest.objects.none()
    partnerships = Membership.objects.filter(user=user, role__in=HANDLER_ROLES).values(
        "partnership"
    )
    return _with_clock(RightsRequest.objects.filter(partnership__in=partnerships))


def portal_requests_of(user: User) -> QuerySet[RightsRequest]:
    """The requests a family member made through the portal: their own, nothing else."""
    if not user.is_authenticated or not user.is_active:
        return RightsRequest.objects.none()
    return _with_clock(RightsRequest.objects.filter(requester_user=user)).order_by(
        "-received_on", "-pk"
    )


def _with_clock(requests: QuerySet[RightsRequest]) -> QuerySet[RightsRequest]:
    pauses = Prefetch("pauses", queryset=ClockPause.objects.order_by("started_on", "pk"))
    return requests.select_related("student", "partnership").prefetch_related(pauses)


@dataclass(frozen=True)
class ClockState:
    starts_on: dt.date
    paused_days: int
    stopped_since: dt.date | None
    due_on: dt.date | None  # None while the clock is stopped
    extension_notice_due: dt.date | None


def clock_of(request: RightsRequest) -> ClockState:
    """The clock's inputs read from the request and its pauses, and what clock.py makes of
    them. Proof of identity or a fee moves the start to the day it arrived; clarification
    stops the clock, and the days waited (both ends counted) are added. Days waited for
    clarification before the clock's start do not count twice."""
    pauses = list(request.pauses.all())
    starts_on = max(
        [request.received_on]
        + [
            p.ended_on
            for p in pauses
            if p.ended_on is not None and p.reason in (PauseReason.IDENTITY, PauseReason.FEE)
        ]
    )
    paused_days = sum(
        (p.ended_on - max(p.started_on, starts_on)).days + 1
        for p in pauses
        if p.reason == PauseReason.CLARIFICATION
        and p.ended_on is not None
        and p.ended_on >= starts_on
    )
    stopped = next((p.started_on for p in pauses if p.ended_on is None), None)
    if stopped is not None:
        return ClockState(starts_on, paused_days, stopped, None, None)
    return ClockState(
        starts_on=starts_on,
        paused_days=paused_days,
        stopped_since=None,
        due_on=clock.due_date(
            request.received_on,
            starts_on=starts_on,
            paused_days=paused_days,
            extension_months=request.extension_months,
        ),
        extension_notice_due=clock.extension_notice_due(
            request.received_on, starts_on=starts_on, paused_days=paused_days
        ),
    )


def due_date_for(request: RightsRequest) -> dt.date | None:
    """The day the request must be answered by, or None while the clock is stopped."""
    return clock_of(request).due_on


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due soon"
    ON_TRACK = "on track"
    STOPPED = "clock stopped"
    CLOSED = "closed"


@dataclass(frozen=True)
class RegisterRow:
    request: RightsRequest
    clock: ClockState
    urgency: Urgency


def urgency_of(request: RightsRequest, state: ClockState, today: dt.date) -> Urgency:
    if request.status not in OPEN_STATUSES:
        return Urgency.CLOSED
    if state.due_on is None:
        return Urgency.STOPPED
    if state.due_on < today:
        return Urgency.OVERDUE
    if state.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return Urgency.DUE_SOON
    return Urgency.ON_TRACK


def register_rows(
    requests: QuerySet[RightsRequest], *, today: dt.date | None = None
) -> list[RegisterRow]:
    """Requests with their clock and urgency, open ones soonest due first."""
    day = today or timezone.localdate()
    rows = []
    for request in requests:
        state = clock_of(request)
        rows.append(RegisterRow(request, state, urgency_of(request, state, day)))
    far = dt.date.max
    return sorted(rows, key=lambda r: (r.urgency == Urgency.CLOSED, r.clock.due_on or far))


@dataclass(frozen=True)
class Dashboard:
    overdue: list[RegisterRow]
    due_soon: list[RegisterRow]
    open: list[RegisterRow]
    closed: list[RegisterRow]


def dashboard(user: User, *, today: dt.date | None = None) -> Dashboard:
    rows = register_rows(rights_requests_visible_to(user), today=today)
    return Dashboard(
        overdue=[r for r in rows if r.urgency == Urgency.OVERDUE],
        due_soon=[r for r in rows if r.urgency == Urgency.DUE_SOON],
        open=[r for r in rows if r.urgency != Urgency.CLOSED],
        closed=[r for r in rows if r.urgency == Urgency.CLOSED],
    )


def attention_counts(user: User, *, today: dt.date | None = None) -> tuple[int, int]:
    """Overdue and due-soon requests, for the home page."""
    rows = register_rows(
        rights_requests_visible_to(user).filter(status__in=OPEN_STATUSES), today=today
    )
    return (
        sum(r.urgency == Urgency.OVERDUE for r in rows),
        sum(r.urgency == Urgency.DUE_SOON for r in rows),
    )


def child_age_on(request: RightsRequest) -> int | None:
    """The student's age on the day of the request, when the student is on record."""
    student = request.student
    if student is None:
        return None
    born: dt.date = student.date_of_birth
    on = request.received_on
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


#: A child of about 12 or over is usually able to decide for themself (ICO): their view
#: is sought before a parent's request is answered.
CHILD_VIEW_AGE = 12


def child_view_expected(request: RightsRequest) -> bool:
    age = child_age_on(request)
    return age is not None and age >= CHILD_VIEW_AGE and request.requester_kind != "student"


def restricted_student_ids() -> QuerySet[Restriction, int]:
    """Ids of students whose processing is restricted by an objection (P20): pending the
    DPO's balancing decision, or upheld. Reports (issue 8) leave these students out of
    every new report, as ``sharing.selectors.live_involvements`` leaves them out of
    sharing; use it as ``Student.objects.exclude(pk__in=restricted_student_ids())``."""
    return restrictions_in_force().values_list("student_id", flat=True)


def restriction_of(request: RightsRequest) -> Restriction | None:
    return Restriction.objects.filter(request=request).first()
