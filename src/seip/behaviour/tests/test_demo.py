import datetime as dt

import pytest
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.behaviour.codes import MAX_SUSPENSION_SESSIONS
from seip.behaviour.demo import build_history
from seip.behaviour.models import (
    AttainmentResult,
    AttitudeRating,
    Exclusion,
    ExclusionKind,
    Incident,
)
from seip.behaviour.tests.factories import another_student

REFERRED = dt.date(2026, 10, 1)  # the consent date another_student signs


@pytest.fixture
def students(county, personas):
    return [another_student(county, personas, serial) for serial in range(1, 7)]


def snapshot():
    return (
        sorted(Incident.objects.values_list("student", "occurred_on", "category", "severity")),
        sorted(Exclusion.objects.values_list("student", "start_date", "sessions", "reason_1")),
        sorted(AttitudeRating.objects.values_list("student", "rated_on", "engagement")),
        sorted(AttainmentResult.objects.values_list("student", "subject", "assessed_on", "grade")),
    )


def test_history_is_deterministic_and_audited_once(students):
    build_history(students, seed=855)
    first = snapshot()
    assert AuditEvent.objects.filter(action="demo.behaviour").get().detail == {"students": 6}
    for model in (Incident, Exclusion, AttitudeRating, AttainmentResult):
        model.objects.all().delete()
    build_history(list(reversed(students)), seed=855)
    assert snapshot() == first
    build_history(students, seed=855)
    assert snapshot() == first, "students who already have history are left alone"


def test_history_has_the_expected_shape(students):
    build_history(students, seed=7)
    fewer_after = 0
    for student in students:
        before = student.incidents.filter(occurred_on__lt=REFERRED).count()
        after = student.incidents.filter(occurred_on__gte=REFERRED).count()
        fewer_after += after < before
        ratings = list(student.attitude_ratings.order_by("rated_on"))
        assert ratings[0].rated_on >= REFERRED - dt.timedelta(days=2)
        assert ratings
        # Every six weeks since the referral, and never after today.
        assert all(r.rated_on <= timezone.localdate() for r in ratings)
        subjects = set(student.attainment_results.values_list("subject", flat=True))
        assert subjects == {"english", "maths", "science"}
        for result in student.attainment_results.all():
            assert result.grade_info is not None
            assert result.target_info is not None
            result.full_clean()
    assert fewer_after >= len(students) // 2
    for exclusion in Exclusion.objects.all():
        exclusion.full_clean()
        assert len(set(exclusion.reason_codes)) == len(exclusion.reason_codes) <= 3
        if exclusion.kind == ExclusionKind.SUSPENSION:
            assert 1 <= exclusion.sessions <= MAX_SUSPENSION_SESSIONS
    for rating in AttitudeRating.objects.all():
        assert all(1 <= score <= 5 for score in rating.scores.values())
    assert Exclusion.objects.exists()
