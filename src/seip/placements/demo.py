"""Placements, part-time timetables and a suspension for the demo key worker (ADR 0049).

Runs after her caseload is dated (``seip.demo.caseload``), through the real services:
each of her running AP placements gets its plan and half-termly reviews; two of her
students get a part-time timetable, one of them past its planned end; one gets a
suspension of seven school days that began eight school days ago with no education
arranged, so her "My tasks" shows both from the day she signs in. Skipped once any
placement plan exists, so a second run adds nothing.
"""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from seip.accounts.models import User
from seip.behaviour.models import ExclusionKind
from seip.behaviour.services import exclusion_record
from seip.organisations.models import OrganisationType, PartnerOrganisation
from seip.placements.models import APPlacement, PrimaryReason, Registration, SettingType
from seip.placements.schooldays import school_days_between
from seip.placements.services import (
    placement_check_record,
    placement_plan_record,
    provider_record,
    quality_visit_record,
    timetable_record,
)
from seip.provision.models import Intervention, InterventionType
from seip.students.models import Case, CaseStatus

VIEWS = [
    ("Settling in; punctual most days.", "It's better than school, the staff listen."),
    ("Completed the first unit of the construction course.", "I want to go back for maths."),
    ("Two missed days; otherwise on track with the objectives.", "Mornings are hard."),
]


def _days_ago(today: dt.date, school_days: int) -> dt.date:
    """The day ``school_days`` school days back, counting today as one."""
    start = today
    while school_days_between(start, today) < school_days:
        start -= dt.timedelta(days=1)
    return start


def build_placements(key_worker: User) -> None:
    if APPlacement.objects.exists():
        return
    today = timezone.localdate()
    cases = list(
        Case.objects.filter(
            key_worker=key_worker, status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE]
        )
        .select_related("student__school")
        .order_by("opened_at", "pk")
    )
    students = [c.student for c in cases]
    if not students:
        return
    for n, organisation in enumerate(
        PartnerOrganisation.objects.filter(
            type=OrganisationType.ALTERNATIVE_PROVIDER,
            partnerships=students[0].partnership,
        ).order_by("pk")
    ):
        # One registered provider with a UKPRN, the others unregistered (a setting type).
        provider = provider_record(
            organisation=organisation,
            ukprn=f"1000{4100 + n}" if n == 0 else "",
            registration=Registration.REGISTERED_FE if n == 0 else Registration.UNREGISTERED,
            actor=None,
        )
        quality_visit_record(
            provider=provider, visited_on=today - dt.timedelta(days=70 + 20 * n),
            next_due_on=today + dt.timedelta(days=110 - 20 * n), satisfactory=True, actor=None,
        )  # fmt: skip
    running = (
        Intervention.objects.filter(student__in=students, type=InterventionType.AP_PLACEMENT)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("student__school", "provider__ap_provider")
        .order_by("start_date", "pk")
    )
    for k, intervention in enumerate(running):
        start = intervention.start_date
        known = getattr(intervention.provider, "ap_provider", None)
        identified = known is not None and bool(known.urn or known.ukprn)
        plan = placement_plan_record(
            intervention=intervention,
            commissioning_school=intervention.student.school,
            primary_reason=[PrimaryReason.BEHAVIOUR, PrimaryReason.SEMH][k % 2],
            objectives="Attend every planned session; complete a Level 1 unit.",
            reintegration_criteria="90% attendance for a half term and a full week in school.",
            sessions_per_week=4,
            maximum_end=max(start + dt.timedelta(days=240), today + dt.timedelta(days=30)),
            planned_end=max(start + dt.timedelta(days=180), today + dt.timedelta(days=20)),
            setting_type="" if identified else SettingType.WBP,
            actor=key_worker,
        )
        reviewed = start + dt.timedelta(days=42)
        n = 0
        while reviewed <= today:
            progress, view = VIEWS[(k + n) % len(VIEWS)]
            placement_check_record(
                placement=plan, reviewed_on=reviewed, sessions_attended=20 - (k + n) % 5,
                sessions_possible=24, progress=progress, pupil_view=view, actor=key_worker,
            )  # fmt: skip
            reviewed += dt.timedelta(days=42)
            n += 1
    # Part-time timetables: one running, one past its planned end (a task).
    for student, started in zip(students[:2], (10, 50), strict=False):
        start = today - dt.timedelta(days=started)
        timetable_record(
            student=student, start_date=start, planned_end=start + dt.timedelta(weeks=6),
            sessions_per_week=6, parents_agreed_on=start, council_told_on=start,
            actor=key_worker,
        )  # fmt: skip
    # A suspension of seven school days, on its eighth day with no education arranged.
    exclusion_record(
        student=students[-1], kind=ExclusionKind.SUSPENSION, start_date=_days_ago(today, 8),
        sessions=14, reasons=["PA"], actor=key_worker,
    )  # fmt: skip
