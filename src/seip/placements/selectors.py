"""Reads of placements, part-time timetables and suspension follow-ups (ADR 0049).

One scoping function per model, default deny: each is the student's own scope
(``student_record_visible_to``), so a row is visible exactly when its child's record is.
Pages open the child through ``sharing.access.open_record`` (which records the read)
and then read rows through these. The census return is a school's own list: only its
co-ordinators and school contacts may build it (:func:`census_schools_for`).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from seip.accounts.models import Role, User
from seip.accounts.selectors import places_of
from seip.behaviour.models import Exclusion, ExclusionKind
from seip.keys.fields import open_all
from seip.organisations.models import OrganisationType, PartnerOrganisation, School
from seip.placements.models import (
    APPlacement,
    PartTimeTimetable,
    PlacementCheck,
    Provider,
    SuspensionFollowUp,
)
from seip.placements.schooldays import PROVISION_FROM_DAY, provision_due_on, suspension_days
from seip.provision.models import Intervention, InterventionType
from seip.students.models import Student
from seip.students.permissions import can_write
from seip.students.selectors import student_record_visible_to

#: A part-time timetable is time-limited: six weeks unless extended with a reason.
TIMETABLE_WEEKS = 6


def placements_visible_to(user: User) -> QuerySet[APPlacement]:
    return APPlacement.objects.filter(student__in=student_record_visible_to(user))


def checks_visible_to(user: User) -> QuerySet[PlacementCheck]:
    return PlacementCheck.objects.filter(placement__student__in=student_record_visible_to(user))


def timetables_visible_to(user: User) -> QuerySet[PartTimeTimetable]:
    return PartTimeTimetable.objects.filter(student__in=student_record_visible_to(user))


def follow_ups_visible_to(user: User) -> QuerySet[SuspensionFollowUp]:
    return SuspensionFollowUp.objects.filter(exclusion__student__in=student_record_visible_to(user))


def census_schools_for(user: User) -> QuerySet[School]:
    """Schools whose census return ``user`` may build: a co-ordinator's partnership's
    schools, a school contact's own school. Everyone else: none."""
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    _, organisations = places_of(user, [Role.SCHOOL_CONTACT])
    if not coordinated and not organisations:
        return School.objects.none()
    return School.objects.filter(
        Q(partnership__in=coordinated) | Q(organisation__in=organisations)
    ).order_by("name")


def provider_of(placement: APPlacement) -> Provider | None:
    organisation = placement.intervention.provider
    if organisation is None:
        return None
    try:
        return organisation.ap_provider
    except Provider.DoesNotExist:
        return None


def census_identifiers(placement: APPlacement) -> tuple[str, str, str]:
    """(URN, UKPRN, setting type) as the census return gives them."""
    provider = provider_of(placement)
    urn = provider.urn if provider is not None else ""
    ukprn = provider.ukprn if provider is not None else ""
    return urn, ukprn, placement.setting_type


def identifier_problem(urn: str, ukprn: str, setting_type: str) -> str | None:
    """Why a placement breaks the census rule "exactly one of URN, UKPRN or setting
    type", or None when it keeps it."""
    given = [name for name, value in (("URN", urn), ("UKPRN", ukprn),
                                      ("setting type", setting_type)) if value]  # fmt: skip
    if len(given) == 1:
        return None
    if not given:
        return "has no URN, UKPRN or setting type"
    return "has " + " and ".join(given) + ": give exactly one"


# Sixth day of a suspension -----------------------------------------------------------------


@dataclass(frozen=True)
class SuspensionDue:
    exclusion: Exclusion
    day_six: dt.date
    days: int


def suspensions_needing_provision(
    exclusions: QuerySet[Exclusion], today: dt.date
) -> list[SuspensionDue]:
    """Suspensions longer than five school days that have reached their sixth day with no
    provision recorded. ``exclusions`` is already scoped by the caller."""
    rows = (
        exclusions.filter(kind=ExclusionKind.SUSPENSION, sessions__gt=2 * (PROVISION_FROM_DAY - 1))
        .filter(start_date__lte=today)
        .filter(Q(follow_up__isnull=True) | Q(follow_up__provision_from__isnull=True))
        .select_related("student")
    )
    due = []
    for exclusion in rows:
        day_six = provision_due_on(exclusion.start_date, exclusion.sessions)
        if day_six is not None and day_six <= today:
            due.append(SuspensionDue(exclusion, day_six, suspension_days(exclusion.sessions)))
    return due


# The student's record --------------------------------------------------------------------


def timetable_overdue(timetable: PartTimeTimetable, today: dt.date) -> bool:
    return timetable.ended_on is None and timetable.planned_end < today


def panel_context(student: Student, user: User, today: dt.date) -> dict[str, Any]:
    """Placements, part-time timetables and suspensions on the student's page, in a fixed
    number of queries. ``student`` was opened through ``open_record``."""
    placements = list(
        placements_visible_to(user)
        .filter(student=student)
        .select_related("intervention__provider__ap_provider", "commissioning_school")
        .order_by("-intervention__start_date", "-pk")
    )
    by_pk = {p.pk: p for p in placements}
    checks: dict[int, list[PlacementCheck]] = {pk: [] for pk in by_pk}
    for check in checks_visible_to(user).filter(placement__student=student):
        check.placement = by_pk[check.placement_id]
        checks[check.placement_id].append(check)
    for placement in placements:
        placement.student = student  # how its sealed text reaches the child's key
        placement.check_list = checks[placement.pk]  # type: ignore[attr-defined]
        problem = identifier_problem(*census_identifiers(placement))
        placement.census_problem = problem  # type: ignore[attr-defined]
    unplanned = list(
        Intervention.objects.filter(
            student=student, type=InterventionType.AP_PLACEMENT, ap_plan__isnull=True
        ).select_related("provider")
    )
    timetables = list(timetables_visible_to(user).filter(student=student))
    for timetable in timetables:
        timetable.overdue = timetable_overdue(timetable, today)  # type: ignore[attr-defined]
    suspensions = list(
        Exclusion.objects.filter(student=student, kind=ExclusionKind.SUSPENSION)
        .select_related("follow_up")
        .order_by("-start_date")
    )
    for exclusion in suspensions:
        exclusion.student = student
        exclusion.days = suspension_days(exclusion.sessions)  # type: ignore[attr-defined]
        exclusion.follow = getattr(exclusion, "follow_up", None)  # type: ignore[attr-defined]
        exclusion.day_six = provision_due_on(  # type: ignore[attr-defined]
            exclusion.start_date, exclusion.sessions
        )
    items: list[Any] = [*placements, *timetables]
    items += [c for cs in checks.values() for c in cs]
    items += [e.follow for e in suspensions if e.follow is not None]  # type: ignore[attr-defined]
    open_all(items, [student.referral_id])
    return {
        "student": student,
        "placements": placements,
        "unplanned": unplanned,
        "timetables": timetables,
        "suspensions": suspensions,
        "can_write": can_write(user, student),
        "today": today,
    }


# Providers ---------------------------------------------------------------------------------


def providers_manageable_by(user: User) -> QuerySet[PartnerOrganisation]:
    """Alternative providers whose census details ``user`` may keep: those working with a
    partnership ``user`` co-ordinates. Everyone else: none."""
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    if not coordinated:
        return PartnerOrganisation.objects.none()
    return PartnerOrganisation.objects.filter(
        type=OrganisationType.ALTERNATIVE_PROVIDER, partnerships__in=coordinated
    ).distinct()
