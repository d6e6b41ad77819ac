"""The impact frames from real records: windows, groups, the comparison, who is counted."""

import datetime as dt
import math
import random

import pytest

from seip.behaviour.models import ExclusionKind
from seip.behaviour.tests.factories import ExclusionFactory, IncidentFactory
from seip.impact.frames import Dimension, Windows, load, outcome_frame, progress_frame
from seip.impact.tests.builders import ACCEPTED, START, TODAY, YEAR, intervene, mark, students
from seip.provision.models import InterventionType
from seip.referrals.services import referral_draft_create
from seip.referrals.tests.factories import carers, pupil
from seip.reports.population import Scope
from seip.rights.models import RequestType
from seip.rights.tests.conftest import make_request
from seip.students.models import Student

pytestmark = pytest.mark.django_db


def group(records, kind):
    return next(g for g in records.groups if g.dimension is Dimension.TYPE and g.key == kind)


def test_the_windows_are_twelve_weeks_before_and_from_the_start(county):
    [treated, other] = students([county.school_a], 2)
    baseline_first, baseline_last = Windows().baseline(START)
    followup_first, followup_last = Windows().followup(START)
    assert (baseline_first, baseline_last) == (dt.date(2025, 10, 20), dt.date(2026, 1, 11))
    assert (followup_first, followup_last) == (START, dt.date(2026, 4, 5))
    # Absent through the baseline, present through the follow-up, absent either side.
    mark(
        treated,
        lambda day: float(followup_first <= day <= followup_last),
        rng=random.Random(1),  # noqa: S311 - test data
    )
    mark(other, lambda day: 0.9, rng=random.Random(2))  # noqa: S311 - test data
    intervene(treated, InterventionType.MENTORING)
    # One incident inside each window, one before the baseline and one after the follow-up.
    for day in (dt.date(2025, 10, 1), dt.date(2025, 11, 3), START, dt.date(2026, 4, 6)):
        IncidentFactory(student=treated, occurred_on=day)
    ExclusionFactory(student=treated, kind=ExclusionKind.SUSPENSION, start_date=dt.date(2026, 2, 2))
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    mentoring = group(records, InterventionType.MENTORING)
    assert mentoring.starts == {treated.pk: START}
    frame = outcome_frame(records, mentoring, "attendance")
    row = frame.loc[treated.pk]
    assert (row["treated"], row["baseline"], row["followup"]) == (1.0, 0.0, 100.0)
    assert row["cost"] == pytest.approx(300.0)  # 10 staff hours at £30
    behaviour = outcome_frame(records, mentoring, "behaviour").loc[treated.pk]
    # Baseline: one incident in 120 sessions; follow-up: one incident and one suspension.
    assert behaviour["baseline"] == pytest.approx(100 / 120)
    assert behaviour["followup"] == pytest.approx(200 / 120)
    suspensions = outcome_frame(records, mentoring, "suspensions").loc[treated.pk]
    assert (suspensions["baseline"], suspensions["followup"]) == (0.0, 1.0)
    # No rating or result in either window: nothing to measure, and the engine drops it.
    assert math.isnan(outcome_frame(records, mentoring, "attitude").loc[treated.pk]["followup"])
    # The comparison student's windows are around their referral.
    assert frame.loc[other.pk]["treated"] == 0.0
    assert records.comparison == {other.pk: ACCEPTED}


def test_the_comparison_group_has_no_intervention_of_any_kind(county):
    mentored, tutored, neither, later = students([county.school_a], 4)
    intervene(mentored, InterventionType.MENTORING)
    intervene(tutored, InterventionType.TUTORING, provider=county.provider)
    # An intervention long after the follow-up window cannot affect it.
    intervene(later, InterventionType.TUTORING, provider=county.provider,
              start=dt.date(2026, 6, 1))  # fmt: skip
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    assert set(records.comparison) == {neither.pk, later.pk}
    frame = outcome_frame(records, group(records, InterventionType.MENTORING), "attendance")
    assert set(frame.index) == {mentored.pk, neither.pk, later.pk}
    assert tutored.pk not in frame.index  # another intervention's student is never a control
    # Providers and placement types are groups too; the tutoring group's window of the
    # late starter has not ended by today, so it is not in the group yet.
    provider = next(g for g in records.groups if g.dimension is Dimension.PROVIDER
                    and g.label == county.provider.name)  # fmt: skip
    assert set(provider.starts) == {tutored.pk}


def test_a_late_starter_is_a_participant_of_their_group_not_also_its_comparison(county):
    """No intervention in the window after the referral makes a comparison; a first one of
    the type later in the period, once its window has ended, makes a participant of that
    type: one row, treated (found by the county-scale benchmark, which then failed)."""
    tutored_late, neither = students([county.school_a], 2)
    intervene(tutored_late, InterventionType.TUTORING, provider=county.provider,
              start=dt.date(2026, 6, 1))  # fmt: skip
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=dt.date(2026, 12, 1))
    assert set(records.comparison) == {tutored_late.pk, neither.pk}
    frame = outcome_frame(records, group(records, InterventionType.TUTORING), "attendance")
    assert frame.index.is_unique
    assert frame.loc[tutored_late.pk]["treated"] == 1.0
    assert frame.loc[neither.pk]["treated"] == 0.0


def test_a_placement_type_is_a_group(county):
    [placed] = students([county.school_a], 1)
    from seip.provision.tests.factories import PlacementFactory

    PlacementFactory(
        intervention=intervene(placed, InterventionType.AP_PLACEMENT, provider=county.provider)
    )
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    [placement] = [g for g in records.groups if g.dimension is Dimension.PLACEMENT]
    assert placement.label == "Part-time AP placement"  # two days a week
    assert placement.starts == {placed.pk: START}


def test_only_ended_windows_and_the_first_start_count(county):
    [student] = students([county.school_a], 1)
    intervene(student, InterventionType.MENTORING)
    intervene(student, InterventionType.MENTORING, start=dt.date(2026, 3, 2))
    early = load(scope=Scope(partnership=county.a), period=YEAR, today=dt.date(2026, 4, 1))
    assert not early.groups  # the follow-up window runs to 5 April
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    mentoring = group(records, InterventionType.MENTORING)
    assert mentoring.starts == {student.pk: START}
    assert mentoring.costs[student.pk] == pytest.approx(600.0)  # both, within the window


@pytest.mark.promise("P25")
def test_a_draft_referral_is_never_in_a_frame(county, personas):
    [student] = students([county.school_a], 1)
    referral_draft_create(
        school=county.school_a, pupil=pupil(upn="H801200009999"), carers=carers(),
        actor=personas["school_contact"],
    )  # fmt: skip
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    assert set(records.people) == {student.pk}


@pytest.mark.promise("P20")
def test_a_student_restricted_by_an_objection_is_in_no_frame(county, personas):
    kept, objecting = students([county.school_a], 2)
    intervene(objecting, InterventionType.MENTORING)
    make_request(
        partnership=county.a, student=objecting, actor=personas["coordinator"],
        identity=True, type=RequestType.OBJECTION,
    )  # fmt: skip
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    assert set(records.people) == {kept.pk}
    assert not records.groups
    assert set(progress_frame(records).index) == {kept.pk}


def test_outcomes_are_read_only_for_the_students_a_frame_measures(county, monkeypatch):
    """ADR 0039: events and attendance are read for the participants and the cohort
    whose window has ended, named a chunk at a time, and nothing a frame uses is missed."""
    [treated, compared, earlier] = students([county.school_a], 3)
    # Accepted the year before: not in the cohort, and no intervention in the period.
    Student.objects.filter(pk=earlier.pk).update(
        created_at=dt.datetime(2024, 10, 1, 12, tzinfo=dt.UTC)
    )
    for n, student in enumerate((treated, compared, earlier)):
        mark(student, lambda day: 0.9, rng=random.Random(n))  # noqa: S311 - test data
        for day in (dt.date(2025, 11, 3), START, dt.date(2026, 3, 2)):
            IncidentFactory(student=student, occurred_on=day)
    intervene(treated, InterventionType.MENTORING)
    scope = Scope(partnership=county.a)
    records = load(scope=scope, period=YEAR, today=TODAY)
    assert set(records.incidents) == set(records.attendance) == {treated.pk, compared.pk}
    # One student per query reads the same rows for them as one query for all.
    monkeypatch.setattr("seip.impact.frames._CHUNK", 1)
    one_by_one = load(scope=scope, period=YEAR, today=TODAY)
    assert one_by_one.incidents == records.incidents
    assert one_by_one.attendance == records.attendance
    mentoring = group(records, InterventionType.MENTORING)
    frame = outcome_frame(records, mentoring, "behaviour")
    assert frame.equals(
        outcome_frame(one_by_one, group(one_by_one, InterventionType.MENTORING), "behaviour")
    )
    # Each of them had an incident in both windows: none was missed.
    assert (frame["baseline"] > 0).all()
    assert (frame["followup"] > 0).all()
    assert sorted(frame.index) == [treated.pk, compared.pk]


@pytest.mark.promise("P05")
def test_a_transferred_student_stays_at_the_school_that_referred_them(county):
    """A managed move's transfer changes the school on roll; the impact frames place the
    student where the outcome tables do, at the school they were referred from (ADR 0048)."""
    from seip.moves.models import RollChange

    [moved] = students([county.school_a], 1)
    other = county.a.schools.exclude(pk=county.school_a.pk).first()
    RollChange.objects.create(
        student=moved, from_school=county.school_a, to_school=other, on=dt.date(2026, 1, 5)
    )
    Student.objects.filter(pk=moved.pk).update(school=other)
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    assert records.people[moved.pk].school == county.school_a.name


@pytest.mark.promise("P05")
def test_a_managed_move_is_a_treatment_and_its_student_never_a_comparison(county):
    """What helps: a managed move is estimated like any intervention (ADR 0048), from the
    trial's start once the family agreed; a proposal never agreed is no treatment."""
    from seip.moves.models import ManagedMove

    moved, proposed, neither = students([county.school_a], 3)
    host = county.a.schools.exclude(pk=county.school_a.pk).first()
    for student, agreed in ((moved, START), (proposed, None)):
        ManagedMove.objects.create(
            student=student, home_school=county.school_a, host_school=host,
            trial_starts_on=START, review_on=START + dt.timedelta(weeks=6), agreed_on=agreed,
        )  # fmt: skip
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    move = group(records, InterventionType.MANAGED_MOVE)
    assert move.starts == {moved.pk: START}
    assert move.label == "Managed move"
    assert set(records.comparison) == {proposed.pk, neither.pk}
