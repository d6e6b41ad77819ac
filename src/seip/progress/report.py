"""One student's progress, assembled for one audience (P03).

Every audience sees the same measures (attendance against the starting point, behaviour
per half term, attitude ratings, attainment against target) drawn from the same charts;
what differs is the wording, and that only staff get links into the record.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils import timezone

from seip.attendance.selectors import History, baseline, by_half_term
from seip.attendance.selectors import history as attendance_history
from seip.behaviour.selectors import (
    LatestResult,
    attitude_series,
    incidents_by_half_term,
    latest_attainment,
)
from seip.core.calendar import half_term_of
from seip.progress.charts import Chart, Series
from seip.students.models import Student


class Audience(StrEnum):
    KEY_WORKER = "key_worker"
    SCHOOL = "school"
    PARENT = "parent"
    STUDENT = "student"


ATTITUDE_AREAS = [
    ("engagement", "Engagement"),
    ("relationships", "Relationships"),
    ("self_regulation", "Self-regulation"),
    ("attitude_to_learning", "Attitude to learning"),
]


@dataclass
class ProgressReport:
    student: Student
    audience: Audience
    start: dt.date
    end: dt.date
    charts: list[Chart] = field(default_factory=list)
    attainment: list[LatestResult] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)

    @property
    def plain(self) -> bool:
        return self.audience in (Audience.PARENT, Audience.STUDENT)


def _referred_on(student: Student, years: History) -> dt.date:
    """The day the family signed: the one rule every measure uses (attendance's)."""
    return years.signed_on or timezone.localtime(student.created_at).date()


def _you(audience: Audience, student: Student) -> str:
    return "You" if audience == Audience.STUDENT else student.first_name


def build_report(
    student: Student, audience: Audience, *, today: dt.date | None = None
) -> ProgressReport:
    """A fixed number of queries whatever the length of the history."""
    end = today or timezone.localdate()
    years = attendance_history(student)
    referred = _referred_on(student, years)
    # Two half terms before the referral show the starting point.
    start = half_term_of(referred).previous().previous().start
    report = ProgressReport(student=student, audience=audience, start=start, end=end)
    _attendance(report, years)
    _behaviour(report, referred)
    _attitude(report)
    report.attainment = latest_attainment(student)
    _attainment_sentence(report)
    return report


def _behaviour(report: ProgressReport, referred: dt.date) -> None:
    terms = incidents_by_half_term(report.student, report.start, report.end)
    if not terms:
        return
    report.charts.append(
        Chart(
            key="behaviour",
            title="Behaviour incidents and suspension sessions by half term",
            description="Bars show behaviour incidents and sessions lost to suspension "
            "in each half term.",
            categories=[t.half_term.label for t in terms],
            series=[
                Series("Incidents", [float(t.incidents) for t in terms]),
                Series("Suspension sessions", [float(t.suspension_sessions) for t in terms]),
            ],
            y_max=float(max([4, *[max(t.incidents, t.suspension_sessions) for t in terms]])),
        )
    )
    before = [t for t in terms if t.half_term.end < referred]
    after = [t for t in terms if t.half_term.start >= referred]
    if before and after:
        rate_before = sum(t.incidents for t in before) / len(before)
        rate_after = sum(t.incidents for t in after) / len(after)
        who = _you(report.audience, report.student)
        if rate_after < rate_before:
            report.sentences.append(
                f"{who} had no behaviour incidents since the referral, down from "
                f"{_per_term(rate_before)} before."
                if rate_after == 0
                else f"{who} had fewer behaviour incidents since the referral: "
                f"{_per_term(rate_after)}, down from {_per_term(rate_before)}."
            )
        elif rate_after > rate_before:
            report.sentences.append(
                f"{who} had more behaviour incidents since the referral: "
                f"{_per_term(rate_after)}, up from {_per_term(rate_before)}."
            )
        else:
            report.sentences.append(f"{who} had about as many behaviour incidents as before.")


def _per_term(rate: float) -> str:
    """An average per half term in plain words: 'about 2 a half term'."""
    if rate < 1:
        return "fewer than 1 a half term"
    return f"about {round(rate)} a half term"


def _attitude(report: ProgressReport) -> None:
    ratings = attitude_series(report.student)
    if not ratings:
        return
    first, latest = ratings[0], ratings[-1]
    report.charts.append(
        Chart(
            key="attitude",
            title="Attitude ratings, first and most recent",
            description="Ratings from 1 (serious concern) to 5 (strong) in four areas, "
            f"on {first.rated_on:%-d %B %Y} and {latest.rated_on:%-d %B %Y}.",
            categories=[label for _, label in ATTITUDE_AREAS],
            series=[
                Series(
                    f"{first.rated_on:%-d %b %Y}",
                    [float(getattr(first, a)) for a, _ in ATTITUDE_AREAS],
                ),
                Series(
                    f"{latest.rated_on:%-d %b %Y}",
                    [float(getattr(latest, a)) for a, _ in ATTITUDE_AREAS],
                ),
            ],
            y_max=5,
        )
    )
    better = [
        label.lower() for a, label in ATTITUDE_AREAS if getattr(latest, a) > getattr(first, a)
    ]
    if better and len(ratings) > 1:
        report.sentences.append(
            f"{_you(report.audience, report.student)} improved in {', '.join(better)}."
        )


def _ratings(name: str, rating: object) -> Series:
    return Series(name, [float(getattr(rating, area)) for area, _ in ATTITUDE_AREAS])


def _attainment_sentence(report: ProgressReport) -> None:
    on = len([r for r in report.attainment if r.against_target in ("on", "above")])
    total = len(report.attainment)
    if not total:
        return
    subjects = "subject" if total == 1 else "subjects"
    if on == 0:
        sentence = f"No latest result is on or above target yet ({total} {subjects} so far)."
    elif on == total:
        sentence = f"Every latest result is on or above target ({total} {subjects})."
    else:
        sentence = f"The latest result is on or above target in {on} of {total} {subjects}."
    report.sentences.append(sentence)


def _attendance(report: ProgressReport, years: History) -> None:
    """Attendance each half term against the starting point: the six school weeks
    before the referral was signed."""
    start_rate = baseline(report.student, years=years)
    terms = [
        t for t in by_half_term(report.student, report.start, report.end, years=years) if t.possible
    ]
    if not terms:
        return
    reference = start_rate.percent if start_rate else None
    report.charts.insert(
        0,
        Chart(
            key="attendance",
            title="Attendance by half term",
            description="Bars show the percentage of possible sessions attended in each half "
            "term; the dashed line is attendance in the six school weeks before the referral.",
            categories=[t.half_term.label for t in terms],
            series=[Series("Attendance", [t.percent for t in terms])],
            y_max=100,
            unit="%",
            reference=reference,
            reference_label=f"At referral: {reference:.0f}%" if reference is not None else "",
        ),
    )
    latest = terms[-1].percent
    if reference is not None and latest is not None:
        who = _you(report.audience, report.student)
        change = "up" if latest > reference else "down" if latest < reference else "the same"
        if change == "the same":
            report.sentences.insert(
                0, f"{who} attended {latest:.0f}% of sessions, the same as at referral."
            )
        else:
            report.sentences.insert(
                0,
                f"{who} attended {latest:.0f}% of sessions in {terms[-1].half_term.label}, "
                f"{change} from {reference:.0f}% before the referral.",
            )
