"""Demo history of behaviour, attitude and attainment for the demo county's students.

Deterministic: every value comes from ``random.Random(seed)`` and each student's referral
date, never the clock. Behaviour covers the year before referral and six months after it:
most students have fewer incidents and suspensions after referral, and their attitude
ratings (every six weeks from referral) and half-termly results (from a baseline half term
before referral) improve; some do not, so the reports have something honest to show.
Students who already have history are left alone.
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from seip.audit.services import audit_record
from seip.behaviour.codes import GRADE_SCALES, Grade
from seip.behaviour.models import (
    ATTITUDE_AREAS,
    AttainmentResult,
    AttitudeRating,
    Exclusion,
    ExclusionKind,
    GradeScale,
    Incident,
    IncidentCategory,
    Subject,
)
from seip.core.calendar import half_terms_between
from seip.keys.fields import seal_bulk_create
from seip.students.models import Student
from seip.students.sources import Sourced, SourceKind

BEFORE = dt.timedelta(days=364)
AFTER = dt.timedelta(days=182)
#: Results start one half term before referral, as the baseline.
BASELINE = dt.timedelta(days=49)
RATING_EVERY = dt.timedelta(weeks=6)
CHUNK = 500
IMPORT_NOTE = "Demo MIS export"

#: (category, weight, DfE reason it leads to when it ends in a suspension, description)
INCIDENTS: list[tuple[IncidentCategory, int, str, str]] = [
    (IncidentCategory.DISRUPTION, 30, "DB", "Disrupted the lesson and would not settle."),
    (IncidentCategory.DEFIANCE, 20, "DB", "Refused to follow a reasonable instruction."),
    (IncidentCategory.VERBAL_ABUSE, 15, "VA", "Swore at a member of staff."),
    (IncidentCategory.PERSISTENT_DISRUPTION, 10, "DB", "Removed from lessons three times."),
    (IncidentCategory.BULLYING, 5, "BU", "Repeated unkind messages to another pupil."),
    (IncidentCategory.DAMAGE, 5, "DM", "Damaged a classroom display."),
    (IncidentCategory.ASSAULT_PUPIL, 5, "PP", "Pushed another pupil in the corridor."),
    (IncidentCategory.ASSAULT_ADULT, 2, "PA", "Pushed past a member of staff at the door."),
    (IncidentCategory.DRUGS_ALCOHOL, 3, "DA", "Found with a vape at break."),
    (IncidentCategory.THEFT, 3, "TH", "Took another pupil's phone."),
    (IncidentCategory.OTHER, 2, "DB", "Left the school site without permission."),
]
_WEIGHTS = [weight for _, weight, _, _ in INCIDENTS]
SESSIONS = [1, 2, 2, 2, 4, 6, 10]
SUBJECTS = [Subject.ENGLISH, Subject.MATHS, Subject.SCIENCE]


@dataclass
class _Rows:
    incidents: list[Incident]
    exclusions: list[Exclusion]
    ratings: list[AttitudeRating]
    results: list[AttainmentResult]


def _school_day(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def _chunks(students: list[Student]) -> Iterator[list[Student]]:
    for start in range(0, len(students), CHUNK):
        yield students[start : start + CHUNK]


def _referral_dates(students: list[Student]) -> dict[int, dt.date]:
    signed = dict(
        Student.objects.filter(pk__in=[s.pk for s in students])
        .annotate(signed=Min("referral__consents__signed_on"))
        .values_list("pk", "signed")
    )
    return {s.pk: signed.get(s.pk) or timezone.localdate(s.created_at) for s in students}


def _with_history(students: list[Student]) -> set[int]:
    pks = [s.pk for s in students]
    have: set[int] = set()
    for model in (Incident, Exclusion, AttitudeRating, AttainmentResult):
        have |= set(model.objects.filter(student__in=pks).values_list("student", flat=True))
    return have


def _behaviour(
    rng: random.Random, student: Student, referred: dt.date, improving: bool, rows: _Rows
) -> None:
    periods = [
        (referred - BEFORE, BEFORE.days, rng.randint(5, 12), rng.choice([0, 1, 1, 2, 3])),
        (
            referred,
            AFTER.days,
            rng.randint(0, 3) if improving else rng.randint(4, 10),
            int(rng.random() < 0.1) if improving else rng.choice([0, 1, 2]),
        ),
    ]
    for start, days, incident_count, suspension_count in periods:
        chosen = rng.choices(INCIDENTS, weights=_WEIGHTS, k=incident_count)
        for category, _, _, description in chosen:
            day = _school_day(start + dt.timedelta(days=rng.randrange(days)))
            rows.incidents.append(
                Incident(
                    student=student,
                    occurred_on=day,
                    category=category,
                    severity=rng.choice([1, 1, 2, 2, 3]),
                    description=description,
                    source_kind=SourceKind.SCHOOL_IMPORT,
                    source_note=IMPORT_NOTE,
                    obtained_on=day + dt.timedelta(days=rng.randint(1, 7)),
                )
            )
        for _ in range(suspension_count):
            main = rng.choice(INCIDENTS[:8])[2]
            others = [c for c in ("VA", "VP", "DB", "DM", "BU") if c != main]
            reasons = [main, *rng.sample(others, rng.choice([0, 0, 0, 1, 2]))]
            _exclusion(rng, student, start + dt.timedelta(days=rng.randrange(days)), reasons, rows)
    if not improving and rng.random() < 0.03:
        day = referred + AFTER - dt.timedelta(days=10)
        _exclusion(rng, student, day, ["PA", "DB"], rows, kind=ExclusionKind.PERMANENT)


def _exclusion(
    rng: random.Random,
    student: Student,
    day: dt.date,
    reasons: list[str],
    rows: _Rows,
    kind: ExclusionKind = ExclusionKind.SUSPENSION,
) -> None:
    day = _school_day(day)
    padded = [*reasons, "", ""]
    rows.exclusions.append(
        Exclusion(
            student=student,
            school_id=student.school_id,
            kind=kind,
            start_date=day,
            sessions=rng.choice(SESSIONS) if kind == ExclusionKind.SUSPENSION else None,
            reason_1=padded[0],
            reason_2=padded[1],
            reason_3=padded[2],
            source_kind=SourceKind.SCHOOL_ENTRY,
            obtained_on=day + dt.timedelta(days=1),
        )
    )


def _attitude(
    rng: random.Random, student: Student, referred: dt.date, improving: bool, rows: _Rows
) -> None:
    scores = {area: rng.randint(1, 3) for area in ATTITUDE_AREAS}
    day = referred
    while day <= referred + AFTER:
        rated_on = _school_day(day)
        rows.ratings.append(
            AttitudeRating(
                student=student,
                rated_on=rated_on,
                source_kind=SourceKind.PARTNERSHIP,
                obtained_on=rated_on,
                **scores,
            )
        )
        step = [0, 0, 1] if improving else [-1, 0, 0, 1]
        scores = {area: min(5, max(1, s + rng.choice(step))) for area, s in scores.items()}
        day += RATING_EVERY


def _attainment(
    rng: random.Random, student: Student, referred: dt.date, improving: bool, rows: _Rows
) -> None:
    scale = GradeScale.GCSE if student.nc_year >= 10 else GradeScale.WORKING_AT
    grades: tuple[Grade, ...] = GRADE_SCALES[scale]
    ceiling = len(grades) - 1
    for subject in SUBJECTS:
        if scale == GradeScale.GCSE:
            target = rng.randint(4, 7)
            current = max(1, target - rng.randint(0, 3))
        else:
            target = 1  # index of "at" in the working-at scale
            current = rng.choice([0, 0, 1])
        for term in half_terms_between(referred - BASELINE, referred + AFTER):
            assessed_on = _school_day(term.end - dt.timedelta(days=7))
            if not referred - BASELINE <= assessed_on <= referred + AFTER:
                continue
            if assessed_on > referred and improving and rng.random() < 0.35:
                current = min(ceiling, current + 1, target + 1)
            elif rng.random() < 0.15:
                current = max(0 if scale == GradeScale.WORKING_AT else 1, current - 1)
            rows.results.append(
                AttainmentResult(
                    student=student,
                    subject=subject,
                    assessed_on=assessed_on,
                    assessment_label=term.label,
                    scale=scale,
                    grade=grades[current].code,
                    target_grade=grades[target].code,
                    source_kind=SourceKind.SCHOOL_IMPORT,
                    source_note=IMPORT_NOTE,
                    obtained_on=assessed_on + dt.timedelta(days=3),
                )
            )


def _upto[R: Sourced](today: dt.date, rows: list[R], field: str) -> list[R]:
    kept = [row for row in rows if getattr(row, field) <= today]
    for row in kept:
        row.obtained_on = min(row.obtained_on, today)
    return kept


def build_history(students: list[Student], seed: int) -> None:
    """Write demo behaviour, attitude and attainment history for ``students`` (P03).

    Bulk inserts in chunks; one audit event for the whole call. Each student's history
    comes from its own generator, seeded by ``seed`` and the student, so the same seed
    gives the same history whatever the order or which students already had some.
    """
    with transaction.atomic():
        for chunk in _chunks(students):
            referred_on = _referral_dates(chunk)
            done = _with_history(chunk)
            rows = _Rows([], [], [], [])
            for student in chunk:
                if student.pk in done:
                    continue
                rng = random.Random(f"{seed}:{student.pk}:{student.upn}")  # noqa: S311 - demo data
                improving = rng.random() < 0.7
                referred = referred_on[student.pk]
                _behaviour(rng, student, referred, improving, rows)
                _attitude(rng, student, referred, improving, rows)
                _attainment(rng, student, referred, improving, rows)
            # The history stops today: nothing is recorded in the future.
            today = timezone.localdate()
            # An incident's description and source note are sealed under the child's key (P14).
            seal_bulk_create(Incident, _upto(today, rows.incidents, "occurred_on"), batch_size=2000)
            Exclusion.objects.bulk_create(
                _upto(today, rows.exclusions, "start_date"), batch_size=2000
            )
            AttitudeRating.objects.bulk_create(
                _upto(today, rows.ratings, "rated_on"), batch_size=2000
            )
            # A result's source note is sealed too; exclusions and ratings here have none.
            seal_bulk_create(
                AttainmentResult, _upto(today, rows.results, "assessed_on"), batch_size=2000
            )
        audit_record(actor=None, action="demo.behaviour", detail={"students": len(students)})
