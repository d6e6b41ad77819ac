"""The demo key worker's caseload: open cases with a history of reviews (P12, issue 19).

The demo key worker holds the active cases of the co-ordinator's partnership that were
made through the services (:data:`seip.demo.casework.TAKEN_ON`). Those cases were opened
"now" by the services; here each is dated a few days after its referral was signed, and
reviewed every six weeks since, through the real review service, so that on the day the
demo is built one review is overdue, one falls due this week and the rest are spread over
the next six weeks. Her home page then has work on it, and "Record a review" opens for a
student who is on her caseload.
"""

import datetime as dt

from django.db.models import Min, Q
from django.utils import timezone

from seip.accounts.models import User
from seip.progress.models import Review
from seip.progress.schedule import DEFAULT_INTERVAL
from seip.progress.services import review_record
from seip.provision.models import Intervention, InterventionType
from seip.referrals.models import Referral
from seip.students.models import Case, CaseStatus, Student

#: Days from today to each case's next review, in order of opening: the earliest-opened
#: case is overdue, the next due in three days, and so on.
DUE_IN = [-6, 3, -15, 10, 17, 24, 31, 38, 6, 13, 20, 27, 34, 41, 1]
#: Days from a referral's signature to the co-ordinator's acceptance of it.
ACCEPTED_AFTER = 3

PROGRESS = [
    (
        "Attendance up since the last review; two late marks.",
        "Fewer removals from lessons; uses the time-out card.",
        "Homework handed in for maths; English still patchy.",
        "Says mornings are easier with the check-in.",
        "Pleased with the mornings; worried about homework.",
        "Keep the morning check-in; homework club twice a week.",
    ),
    (
        "Attendance steady at about 90%.",
        "One incident at break, resolved with a restorative meeting.",
        "On track in most subjects, according to the form tutor.",
        "Wants to move back to a full timetable.",
        "Agrees with a gradual return to a full timetable.",
        "Add one afternoon a week to the timetable; review at the next meeting.",
    ),
    (
        "Two days missed for illness; otherwise full attendance.",
        "Calmer in lessons; no suspensions since the plan began.",
        "Science teacher reports better focus.",
        "Likes the mentor sessions.",
        "Notices a better mood at home.",
        "Continue mentoring; share the plan with the new head of year.",
    ),
]


def _opened(signed_on: dt.date, today: dt.date) -> dt.date:
    day = signed_on + dt.timedelta(days=ACCEPTED_AFTER)
    day += dt.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)  # a weekday
    return min(day, today)


def build_caseload(key_worker: User) -> None:
    """Date the key worker's open cases and give them their reviews. Skipped once she has
    recorded a review, so a second demo run adds nothing."""
    if Review.objects.filter(case__key_worker=key_worker).exists():
        return
    today = timezone.localdate()
    cases = list(
        Case.objects.filter(
            key_worker=key_worker, status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE]
        )
        .select_related("student")
        .annotate(signed_on=Min("student__referral__consents__signed_on"))
    )
    in_ap = set(
        Intervention.objects.filter(
            student__in=[c.student_id for c in cases],
            type=InterventionType.AP_PLACEMENT,
            start_date__lte=today,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("student", flat=True)
    )
    opened = {c.pk: _opened(c.signed_on or today, today) for c in cases}
    # A placement is reviewed half-termly (progress.schedule): the six-weekly dates below
    # are given first to the cases outside one, so the overdue and due-this-week ones are.
    cases.sort(key=lambda c: (c.student_id in in_ap, opened[c.pk], c.pk))
    for case in cases:
        accepted = timezone.make_aware(dt.datetime.combine(opened[case.pk], dt.time(10)))
        Case.objects.filter(pk=case.pk).update(opened_at=accepted)
        Referral.objects.filter(pk=case.student.referral_id).update(decided_at=accepted)
        Student.objects.filter(pk=case.student_id).update(created_at=accepted)
        case.opened_at = accepted
    for k, case in enumerate(cases):
        last = today + dt.timedelta(days=DUE_IN[k % len(DUE_IN)]) - DEFAULT_INTERVAL
        held = []
        while last >= opened[case.pk]:
            # Reviews are held on school days: a weekend's moves back to the Friday.
            friday = last - dt.timedelta(days=max(0, last.weekday() - 4))
            held.append(friday if friday >= opened[case.pk] else last)
            last -= DEFAULT_INTERVAL
        for n, held_on in enumerate(reversed(held)):
            attendance, behaviour, attainment, student, parent, steps = PROGRESS[
                (k + n) % len(PROGRESS)
            ]
            review_record(
                case=case,
                held_on=held_on,
                attendance_progress=attendance,
                behaviour_progress=behaviour,
                attainment_progress=attainment,
                student_view=student,
                parent_view=parent,
                next_steps=steps,
                facts_confirmed=False,
                actor=key_worker,
            )
