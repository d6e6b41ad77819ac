"""The student list: search, filters, sort and the rows of its CSV export (issue 19).

Every row comes through the reader's scope (``selectors.students_visible_to``, and
``archived_students_visible_to`` when archived records are asked for), so a filter can only
narrow what the reader may already see and the export is the same list as the page (P08).

What the database can filter it filters: the school, and the current case's status, tier
and key worker, as subqueries on the latest case. Names are sealed (ADR 0034), so the
search and the name order run in Python over the names of the filtered scope, their keys
opened in one query (``selectors.search``). The next review is the case's own rule
(``progress.schedule.next_review``), from facts read for the filtered cases in one query.
Here rather than in ``selectors``: it builds on progress, which builds on students.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from seip.accounts.models import User
from seip.core.spreadsheets import safe_row
from seip.keys.fields import normalise_text
from seip.progress.schedule import DueState, NextReview, next_review
from seip.provision.models import Intervention, InterventionType
from seip.students.models import Case, CaseStatus, Student
from seip.students.selectors import archived_students_visible_to, search, students_visible_to


class ListStatus(StrEnum):
    """A student's place in the list: an open case, a closed one, or an archived record."""

    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return {"open": "Open", "closed": "Closed", "archived": "Archived"}[self.value]


class ReviewDue(StrEnum):
    OVERDUE = "overdue"
    WITHIN_TWO_WEEKS = "soon"


#: The working list, when no status is chosen: open and closed cases, not the archive.
WORKING = frozenset({ListStatus.OPEN, ListStatus.CLOSED})
OPEN_CASE = (CaseStatus.ACCEPTED, CaseStatus.ACTIVE)
#: The table's columns, each a sort link: the key in the query string, and the heading.
LIST_COLUMNS = (
    ("name", "Name"),
    ("school", "School"),
    ("key_worker", "Key worker"),
    ("status", "Status"),
    ("tier", "Tier"),
    ("next_review", "Next review"),
)
SORTS = frozenset(key for key, _ in LIST_COLUMNS)


@dataclass(frozen=True)
class ListQuery:
    """What the reader asked for: every part optional, every part a narrowing."""

    text: str = ""
    schools: frozenset[int] = frozenset()
    #: Key workers' user ids; 0 stands for "no key worker yet".
    key_workers: frozenset[int] = frozenset()
    statuses: frozenset[str] = frozenset()
    tiers: frozenset[int] = frozenset()
    reviews: frozenset[str] = frozenset()
    sort: str = "name"
    descending: bool = False


@dataclass
class StudentRow:
    student: Student
    case: Case | None
    status: ListStatus
    next_review: NextReview | None = field(default=None)

    @property
    def key_worker_name(self) -> str:
        key_worker = self.case.key_worker if self.case is not None else None
        return key_worker.full_name if key_worker is not None else ""


def scope_for(user: User, statuses: frozenset[str]) -> QuerySet[Student]:
    """The students the list may show ``user``: the working list, plus the archive only
    when archived records are asked for and the user may open it (P17)."""
    wanted = statuses or WORKING
    working = students_visible_to(user)
    if ListStatus.ARCHIVED not in wanted:
        return working
    archive = archived_students_visible_to(user)
    return archive if not (wanted & WORKING) else working | archive


def _latest(column: str) -> Subquery:
    return Subquery(
        Case.objects.filter(student=OuterRef("pk")).order_by("-opened_at", "-pk").values(column)[:1]
    )


def _filtered(students: QuerySet[Student], query: ListQuery) -> QuerySet[Student]:
    students = students.annotate(
        case_pk=_latest("pk"),
        case_status=_latest("status"),
        case_tier=_latest("tier"),
        case_key_worker=_latest("key_worker"),
    )
    if query.schools:
        students = students.filter(school__in=query.schools)
    if query.tiers:
        students = students.filter(case_tier__in=query.tiers)
    if query.key_workers:
        chosen = Q(case_key_worker__in=[pk for pk in query.key_workers if pk])
        if 0 in query.key_workers:
            chosen |= Q(case_key_worker__isnull=True)
        students = students.filter(chosen)
    return students


def _with_review_facts(cases: QuerySet[Case], day: dt.date) -> QuerySet[Case]:
    """``cases`` with what decides their next review: the last review held, and whether
    the student is in an alternative provision placement on ``day``. The same facts as
    ``progress.selectors.reviews_due`` reads; to be one function once the branches that
    reshape that selector (tasks, portal) have landed (ADR 0042)."""
    return cases.annotate(
        last_review=Max("reviews__held_on"),
        in_ap=Exists(
            Intervention.objects.filter(
                student=OuterRef("student"),
                type=InterventionType.AP_PLACEMENT,
                start_date__lte=day,
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        ),
    )


def _next_review(case: Case, day: dt.date) -> NextReview:
    return next_review(
        last_review=case.last_review,  # type: ignore[attr-defined]
        opened_on=timezone.localtime(case.opened_at).date(),
        in_ap=case.in_ap,  # type: ignore[attr-defined]
        today=day,
    )


def _status(student: Student, case: Case | None) -> ListStatus:
    if student.archived_at is not None:
        return ListStatus.ARCHIVED
    if case is None or case.status in OPEN_CASE:
        return ListStatus.OPEN
    return ListStatus.CLOSED


def _review_matches(row: StudentRow, reviews: frozenset[str]) -> bool:
    if not reviews:
        return True
    if row.next_review is None:
        return False
    state = row.next_review.state
    return (ReviewDue.OVERDUE in reviews and state == DueState.OVERDUE) or (
        ReviewDue.WITHIN_TWO_WEEKS in reviews and state == DueState.DUE_SOON
    )


_NEVER = dt.date.max
_SORT_KEYS: dict[str, Callable[[StudentRow], Any]] = {
    "school": lambda r: normalise_text(r.student.school.name),
    "key_worker": lambda r: (r.key_worker_name == "", normalise_text(r.key_worker_name)),
    "status": lambda r: list(ListStatus).index(r.status),
    "tier": lambda r: r.case.tier if r.case is not None else 0,
    "next_review": lambda r: r.next_review.due_on if r.next_review is not None else _NEVER,
}


def student_rows(user: User, query: ListQuery, *, today: dt.date | None = None) -> list[StudentRow]:
    """The rows of the student list for ``user``, filtered and sorted as ``query`` asks.

    Three queries however many students: the filtered scope with its schools, the keys of
    their names, and their current cases with what decides each next review. Ties, and
    the name column, are in name order."""
    day = today or timezone.localdate()
    wanted = query.statuses or WORKING
    students = _filtered(scope_for(user, query.statuses), query).select_related("school")
    # What the row shows, and what recording the read needs (the partnership decides
    # whether the reader is outside the team); deferred columns would cost a query a row.
    students = students.only(
        "pk", "referral_id", "partnership_id", "first_name", "last_name", "archived_at",
        "school__name",
    )  # fmt: skip
    found = search(students, query.text)
    case_ids = [s.case_pk for s in found if s.case_pk is not None]  # type: ignore[attr-defined]
    cases = _with_review_facts(Case.objects.filter(pk__in=case_ids), day).select_related(
        "key_worker"
    )
    by_pk = {case.pk: case for case in cases}
    rows = []
    for student in found:
        case = by_pk.get(student.case_pk)  # type: ignore[attr-defined]
        row = StudentRow(student, case, _status(student, case))
        if row.status not in wanted:
            continue
        if row.status == ListStatus.OPEN and case is not None:
            row.next_review = _next_review(case, day)
        if _review_matches(row, query.reviews):
            rows.append(row)
    sort_key = _SORT_KEYS.get(query.sort)
    if sort_key is not None:
        # Stable: rows already in name order stay so within each value.
        rows.sort(key=sort_key, reverse=query.descending)
    elif query.descending:
        rows.reverse()
    return rows


EXPORT_HEADER = ("Name", "School", "Key worker", "Status", "Tier", "Next review", "Review")


def export_csv(rows: list[StudentRow]) -> str:
    """The rows as CSV, the columns of the page. Every cell goes through ``safe_row``: a
    name typed as ``=HYPERLINK(...)`` is written as text, not run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        case, review = row.case, row.next_review
        writer.writerow(
            safe_row(
                [
                    f"{row.student.last_name}, {row.student.first_name}",
                    row.student.school.name,
                    row.key_worker_name,
                    row.status.label,
                    case.get_tier_display() if case is not None else "",
                    review.due_on.isoformat() if review is not None else "",
                    str(review.state).capitalize() if review is not None else "",
                ]
            )
        )
    return out.getvalue()


def query_detail(query: ListQuery) -> dict[str, object]:
    """The filters of ``query`` for an audit event: ids and choices only. Whether a search
    was made, never its text, which may be a child's name (P14)."""
    return {
        "searched": bool(query.text),
        "schools": sorted(query.schools),
        "key_workers": sorted(query.key_workers),
        "statuses": sorted(query.statuses),
        "tiers": sorted(query.tiers),
        "reviews": sorted(query.reviews),
        "sort": query.sort,
        "descending": query.descending,
    }
