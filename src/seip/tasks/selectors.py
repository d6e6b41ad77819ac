"""My tasks: what each person has to do next, read from the records themselves (issue 19).

Nothing here is stored. A review is due because of the case's last review, a referral is
waiting because it is signed and undecided, an agreement needs renewing because of its
expiry date: each task is the record's own state, so doing the work on the record's page
is what removes the task, and no to-do list can drift from the truth (P03, P12, P23).

One selector per kind of task. Each reads through the scoping function of its model
(``students_visible_to``, ``referrals_visible_to``, ``rights_requests_visible_to``,
``concerns_visible_to``, ``matches_visible_to``, ``agreements_manageable_by``), so a task
never names a child its reader may not see, then narrows to what is the reader's to do: a
key worker's reviews are their own caseload's, never a colleague's (P08).
:func:`tasks_for` composes the selectors by role.

A task that names a child is a read of the child's record: the pages that show tasks record
it through ``sharing.access.record_list`` (:func:`record_tasks_read`).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import places_of
from seip.behaviour.models import Exclusion
from seip.concerns.selectors import concerns_visible_to
from seip.imports.permissions import matches_visible_to
from seip.keys import crypto
from seip.moves.selectors import move_reviews_due, on_roll_checks_due
from seip.organisations.models import EXPIRY_WARNING, DataSharingAgreement
from seip.organisations.selectors import agreements_manageable_by
from seip.placements.selectors import suspensions_needing_provision, timetables_visible_to
from seip.progress.schedule import DueState
from seip.progress.selectors import DueReview, next_reviews
from seip.provision.models import Placement
from seip.provision.selectors import ReviewState, review_window
from seip.referrals.models import Referral, ReferralStatus
from seip.referrals.selectors import referrals_visible_to
from seip.rights.models import OPEN_STATUSES
from seip.rights.selectors import register_rows, rights_requests_visible_to
from seip.sharing.access import record_list
from seip.students.models import Case, CaseStatus, Student
from seip.students.selectors import student_record_visible_to, students_visible_to

# Service targets for work the law gives no deadline, so that every task can be put in
# order of when it is due. Each is the partnership's own standard, not a statutory one.
#: A signed referral is decided within two weeks: a family has agreed and is waiting.
DECIDE_REFERRAL_WITHIN = dt.timedelta(days=14)
#: A possible match blocks that pupil's school data from every import until it is checked.
CHECK_MATCH_WITHIN = dt.timedelta(days=7)
#: Paper files go back to the school soon after the case closes (P16).
RETURN_PAPER_WITHIN = dt.timedelta(days=14)

OPEN_CASE = (CaseStatus.ACCEPTED, CaseStatus.ACTIVE)


class Kind(StrEnum):
    REVIEW = "review"
    PLACEMENT_REVIEW = "placement review"
    REFERRAL_DECISION = "referral decision"
    REFERRAL_SIGNATURE = "referral signature"
    MATCH = "match"
    RIGHTS_REQUEST = "rights request"
    CONCERN = "concern"
    AGREEMENT = "agreement"
    PAPER_FILES = "paper files"
    # Managed moves and Fair Access (ADR 0048).
    MOVE_REVIEW = "managed move review"
    ON_ROLL_CHECK = "fair access on-roll check"
    # Placements (issue 20, ADR 0049).
    PART_TIME_TIMETABLE = "part-time timetable"
    SUSPENSION_PROVISION = "suspension provision"


@dataclass(frozen=True)
class Task:
    kind: Kind
    #: What to do; ``{name}`` stands for the child's name, opened only when shown.
    action: str
    due_on: dt.date
    href: str
    #: How far off the due date is, in words: "overdue by 3 days", "due in 5 days".
    when: str
    overdue: bool
    #: The child the task names, fetched through the reader's scope; None if it names none.
    student: Student | None = None
    #: The referral the task names, before it became a student's record.
    referral: Referral | None = None

    @property
    def referral_id(self) -> int | None:
        return self.referral.pk if self.referral is not None else None

    @property
    def title(self) -> str:
        # Names are sealed (ADR 0034): only the tasks a page shows are opened, so a home
        # page listing five of five hundred decrypts five names.
        named = self.student or self.referral
        if named is None:
            return self.action
        return self.action.replace("{name}", f"{named.first_name} {named.last_name}")


def due_in_words(due_on: dt.date, today: dt.date) -> str:
    days = (due_on - today).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due in {days} days"


def _task(
    kind: Kind,
    action: str,
    due_on: dt.date,
    href: str,
    today: dt.date,
    *,
    student: Student | None = None,
    referral: Referral | None = None,
) -> Task:
    return Task(
        kind=kind,
        action=action,
        due_on=due_on,
        href=href,
        when=due_in_words(due_on, today),
        overdue=due_on < today,
        student=student,
        referral=referral,
    )


def open_names(tasks: Iterable[Task]) -> None:
    """Open the keys of the children ``tasks`` name in one query, before they are shown."""
    ids = {t.student.referral_id for t in tasks if t.student is not None}
    ids |= {t.referral.pk for t in tasks if t.referral is not None}
    crypto.preload(ids)


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _caseload(user: User, student_path: str) -> Q:
    """The co-ordinator's partnerships' students, or the key worker's own open cases."""
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    own_case = Case.objects.filter(
        student=OuterRef(student_path), key_worker=user, status__in=OPEN_CASE
    )
    return Q(**{f"{student_path}__partnership__in": coordinated}) | Q(Exists(own_case))


# Reviews (P12) ----------------------------------------------------------------------------


def review_schedule(user: User, *, today: dt.date) -> list[DueReview]:
    """Every open case whose reviews are ``user``'s to hold, with its next review, soonest
    first: a key worker's own caseload; for a co-ordinator, the whole partnership. Only
    students ``user`` may see (``students_visible_to``): a key worker never sees another
    key worker's cases here, although both may open the same record."""
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    cases = Case.objects.filter(student__in=students_visible_to(user)).filter(
        Q(student__partnership__in=coordinated) | Q(key_worker=user)
    )
    return next_reviews(cases, today=today)


def review_tasks(user: User, today: dt.date) -> list[Task]:
    """Reviews overdue or due within the fortnight (``progress.schedule``)."""
    return [
        _task(
            Kind.REVIEW,
            "Record a review for {name}",
            item.next.due_on,
            reverse("progress:review_new", args=[item.case.student_id]),
            today,
            student=item.case.student,
        )
        for item in review_schedule(user, today=today)
        if item.next.state != DueState.SCHEDULED
    ]


def placement_review_tasks(user: User, today: dt.date) -> list[Task]:
    """Running Alternative Provision placements whose half-termly review is due or overdue
    (``provision.selectors.review_window``): the key worker's caseload, the co-ordinator's
    partnership."""
    placements = (
        Placement.objects.filter(intervention__student__in=students_visible_to(user))
        .filter(_caseload(user, "intervention__student"))
        .filter(intervention__start_date__lte=today)
        .filter(Q(intervention__end_date__isnull=True) | Q(intervention__end_date__gte=today))
        .annotate(last_reviewed_on=Max("reviews__reviewed_on"))
        .select_related("intervention__student")
    )
    tasks = []
    rows = list(placements)
    for placement in rows:
        window = review_window(
            started_on=placement.intervention.start_date,
            last_reviewed_on=placement.last_reviewed_on,
        )
        if window.state(today) == ReviewState.NOT_DUE:
            continue
        student = placement.intervention.student
        tasks.append(
            _task(
                Kind.PLACEMENT_REVIEW,
                "Review the placement of {name}",
                window.due_by,
                reverse("provision:review", args=[student.pk, placement.intervention_id]),
                today,
                student=student,
            )
        )
    return tasks


# Referrals --------------------------------------------------------------------------------


def referral_decision_tasks(user: User, today: dt.date) -> list[Task]:
    """Signed referrals waiting for the co-ordinator's decision."""
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    referrals = list(
        referrals_visible_to(user).filter(
            status=ReferralStatus.SIGNED, partnership__in=coordinated, signed_at__isnull=False
        )
    )
    return [
        _task(
            Kind.REFERRAL_DECISION,
            "Decide on the referral of {name}",
            _local_date(referral.signed_at) + DECIDE_REFERRAL_WITHIN,  # type: ignore[arg-type]
            reverse("referrals:detail", args=[referral.pk]),
            today,
            referral=referral,
        )
        for referral in referrals
    ]


def referral_signature_tasks(user: User, today: dt.date) -> list[Task]:
    """A school's own drafts, which must be signed by a parent or carer before they are
    deleted (``DRAFT_RETENTION_DAYS``, P25). Only the drafts of the reader's schools."""
    _, organisations = places_of(user, [Role.SCHOOL_CONTACT])
    drafts = list(
        referrals_visible_to(user).filter(
            status=ReferralStatus.DRAFT, school__organisation__in=organisations
        )
    )
    keep = dt.timedelta(days=settings.DRAFT_RETENTION_DAYS)
    return [
        _task(
            Kind.REFERRAL_SIGNATURE,
            "Get the referral of {name} signed by a parent or carer",
            _local_date(draft.created_at) + keep,
            reverse("referrals:sign", args=[draft.pk]),
            today,
            referral=draft,
        )
        for draft in drafts
    ]


# Imports ----------------------------------------------------------------------------------


def match_tasks(user: User, today: dt.date) -> list[Task]:
    """The matching queue: pupils in a school's file who may be one of our students."""
    candidates = list(
        matches_visible_to(user).filter(
            resolved_at__isnull=True, student__in=student_record_visible_to(user)
        )
    )
    return [
        _task(
            Kind.MATCH,
            f"Check whether a pupil in {candidate.school.name}'s file is " + "{name}",
            _local_date(candidate.created_at) + CHECK_MATCH_WITHIN,
            reverse("imports:match_decide", args=[candidate.pk]),
            today,
            student=candidate.student,
        )
        for candidate in candidates
    ]


# Rights and concerns (P18 to P23) ---------------------------------------------------------


def rights_request_tasks(user: User, today: dt.date) -> list[Task]:
    """Open rights requests by their legal deadline. A request whose clock is stopped
    (waiting for the requester) has no deadline to meet, so it is no task yet. The task
    names the request, not the child: the register is where the child is read."""
    open_requests = rights_requests_visible_to(user).filter(status__in=OPEN_STATUSES)
    return [
        _task(
            Kind.RIGHTS_REQUEST,
            f"Answer request {row.request.pk}: {row.request.get_type_display()}",
            row.clock.due_on,
            reverse("rights:detail", args=[row.request.pk]),
            today,
        )
        for row in register_rows(open_requests, today=today)
        if row.clock.due_on is not None
    ]


def concern_tasks(user: User, today: dt.date) -> list[Task]:
    """Concerns the DPO has not yet acknowledged, by the 30-day acknowledgement date (P23)."""
    concerns = concerns_visible_to(user).filter(
        acknowledged_on__isnull=True, responded_on__isnull=True
    )
    return [
        _task(
            Kind.CONCERN,
            f"Acknowledge concern {concern.pk}, received "
            f"{_local_date(concern.received_at):%-d %B %Y}",
            concern.acknowledge_by,
            reverse("concerns:acknowledge", args=[concern.pk]),
            today,
        )
        for concern in concerns
    ]


# Agreements (P09) and paper files (P16) ---------------------------------------------------


def agreement_tasks(user: User, today: dt.date) -> list[Task]:
    """Agreements the reader can renew that expire within 60 days, unless a later agreement
    with the same organisation already takes over."""
    later = DataSharingAgreement.objects.filter(
        partnership=OuterRef("partnership"),
        organisation=OuterRef("organisation"),
        expires_on__gt=OuterRef("expires_on"),
    )
    agreements = (
        agreements_manageable_by(user)
        .filter(DataSharingAgreement.in_force(today))
        .filter(expires_on__lte=today + EXPIRY_WARNING)
        .exclude(Exists(later))
        .select_related("organisation", "partnership")
    )
    return [
        _task(
            Kind.AGREEMENT,
            f"Renew {agreement.partnership.name}'s data-sharing agreement with "
            f"{agreement.organisation.name}",
            agreement.expires_on,
            reverse("organisations:agreement_edit", args=[agreement.pk]),
            today,
        )
        for agreement in agreements
    ]


def paper_file_tasks(user: User, today: dt.date) -> list[Task]:
    """Students whose case is closed and whose paper files have not gone back to the
    school: returning them archives the record (P16, P17). The co-ordinator's job."""
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    still_open = Case.objects.filter(student=OuterRef("pk"), status__in=OPEN_CASE)
    students = list(
        students_visible_to(user)
        .filter(partnership__in=coordinated, cases__status=CaseStatus.CLOSED)
        .exclude(Exists(still_open))
        .annotate(closed_on=Max("cases__closed_at"))
        .select_related("school")
    )
    return [
        _task(
            Kind.PAPER_FILES,
            "Return the paper files of {name} to " + student.school.name,
            _local_date(student.closed_on) + RETURN_PAPER_WITHIN,
            reverse("students:leave", args=[student.pk]),
            today,
            student=student,
        )
        for student in students
    ]


# Managed moves and Fair Access (ADR 0048) -------------------------------------------------

#: A trial's review shows as a task a fortnight ahead, as case reviews do.
MOVE_REVIEW_NOTICE = dt.timedelta(days=14)


def move_review_tasks(user: User, today: dt.date) -> list[Task]:
    """Managed moves in trial whose review is due within the fortnight or overdue
    (``moves.selectors.moves_visible_to``: only students the reader may see)."""
    return [
        _task(
            Kind.MOVE_REVIEW,
            "Review the managed move of {name}",
            move.review_on,
            reverse("moves:detail", args=[move.pk]),
            today,
            student=move.student,
        )
        for move in move_reviews_due(user, today, within=MOVE_REVIEW_NOTICE)
    ]


def on_roll_check_tasks(user: User, today: dt.date) -> list[Task]:
    """Fair Access allocations whose child is not yet confirmed on roll: the co-ordinator
    checks within a week of the panel. The task names the case's reference, never a child."""
    return [
        _task(
            Kind.ON_ROLL_CHECK,
            f"Check the child of Fair Access case {allocation.case.reference} is on roll at "
            f"{allocation.school.name}",
            allocation.check_on_roll_by,
            reverse("moves:allocation_dates", args=[allocation.case_id]),
            today,
        )
        for allocation in on_roll_checks_due(user)
    ]


# Part-time timetables and the sixth day of a suspension (issue 20, ADR 0049) -----------


def part_time_timetable_tasks(user: User, today: dt.date) -> list[Task]:
    """Part-time timetables still running past their planned end: end or extend them."""
    timetables = (
        timetables_visible_to(user)
        .filter(_caseload(user, "student"))
        .filter(ended_on__isnull=True, planned_end__lt=today)
        .select_related("student")
    )
    return [
        _task(
            Kind.PART_TIME_TIMETABLE,
            "End or extend the part-time timetable of {name}",
            timetable.planned_end,
            reverse("placements:timetable_edit", args=[timetable.student_id, timetable.pk]),
            today,
            student=timetable.student,
        )
        for timetable in timetables
    ]


def suspension_provision_tasks(user: User, today: dt.date) -> list[Task]:
    """Suspensions past five school days with no education arranged, from the sixth day."""
    exclusions = Exclusion.objects.filter(student__in=students_visible_to(user)).filter(
        _caseload(user, "student")
    )
    return [
        _task(
            Kind.SUSPENSION_PROVISION,
            "Record the education arranged for {name} from day 6 of a suspension",
            item.day_six,
            reverse("placements:suspension", args=[item.exclusion.student_id, item.exclusion.pk]),
            today,
            student=item.exclusion.student,
        )
        for item in suspensions_needing_provision(exclusions, today)
    ]


# By role ----------------------------------------------------------------------------------

Selector = Callable[[User, dt.date], list[Task]]

#: Which kinds of task each role holds. A person with several roles gets each kind once.
BY_ROLE: dict[str, tuple[Selector, ...]] = {
    Role.KEY_WORKER: (
        review_tasks,
        placement_review_tasks,
        part_time_timetable_tasks,
        suspension_provision_tasks,
    ),
    Role.COORDINATOR: (
        review_tasks,
        placement_review_tasks,
        part_time_timetable_tasks,
        suspension_provision_tasks,
        referral_decision_tasks,
        match_tasks,
        rights_request_tasks,
        agreement_tasks,
        paper_file_tasks,
        move_review_tasks,
        on_roll_check_tasks,
    ),
    Role.DPO: (rights_request_tasks, concern_tasks),
    Role.SYSTEM_ADMIN: (agreement_tasks,),
    Role.SCHOOL_CONTACT: (referral_signature_tasks,),
}
ORDER = list(Kind)


def has_tasks(user: User) -> bool:
    """Whether any of ``user``'s roles holds tasks (the others are not shown the list)."""
    return bool(user.is_authenticated and user.roles & BY_ROLE.keys())


def tasks_for(user: User, *, today: dt.date | None = None) -> list[Task]:
    """Everything ``user`` has to do, soonest due first (so overdue first), from the records
    of every kind their roles hold."""
    if not user.is_authenticated or not user.is_active:
        return []
    day = today or timezone.localdate()
    selectors: list[Selector] = []
    for role, kinds in BY_ROLE.items():
        if role in user.roles:
            selectors.extend(s for s in kinds if s not in selectors)
    tasks = [task for selector in selectors for task in selector(user, day)]
    return sorted(tasks, key=lambda t: (t.due_on, ORDER.index(t.kind), t.href))


def record_tasks_read(request: HttpRequest, tasks: Sequence[Task], *, part: str) -> None:
    """A page of tasks names children: one ``read.<part>`` event with the students and
    referrals it named, as every list records (P14). Recorded even when it names no one,
    so every page that could name a child leaves a trace."""
    open_names(tasks)
    students = list({t.student.pk: t.student for t in tasks if t.student is not None}.values())
    referrals = sorted({t.referral_id for t in tasks if t.referral_id is not None})
    record_list(request, students, part=part, detail={"referrals": referrals})
