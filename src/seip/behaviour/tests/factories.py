import datetime as dt

import factory
from stdnum.gb.upn import calc_check_digit

from seip.behaviour.models import (
    AttainmentResult,
    AttitudeRating,
    Exclusion,
    ExclusionKind,
    GradeScale,
    Incident,
    IncidentCategory,
    Subject,
)
from seip.organisations.models import OrganisationType
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import carers, notice_for, pupil
from seip.students.services import case_open
from seip.students.sources import SourceKind


def another_student(county, personas, serial):
    """A second (third, ...) student with an open case in partnership A."""
    digits = f"{county.school_a.local_authority.la_code}{county.school_a.establishment_number}13"
    digits += f"{serial:03d}"
    referral = referral_draft_create(
        school=county.school_a,
        pupil=pupil(upn=calc_check_digit(digits) + digits, first_name=f"Pupil{serial}"),
        carers=carers(),
        actor=personas["school_contact"],
    )
    referral_sign(
        referral=referral,
        signed_by_name="Sam Example",
        relationship="Mother",
        has_parental_responsibility=True,
        signed_on=dt.date(2026, 10, 1),
        notice_version=notice_for(county.a),
        categories={OrganisationType.SCHOOL},
        form=None,
        actor=personas["school_contact"],
    )
    referral.refresh_from_db()
    case = case_open(
        referral=referral, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    )  # fmt: skip
    return case.student


class _Sourced(factory.django.DjangoModelFactory):
    source_kind = SourceKind.SCHOOL_ENTRY
    obtained_on = dt.date(2026, 11, 1)


class IncidentFactory(_Sourced):
    class Meta:
        model = Incident

    occurred_on = dt.date(2026, 10, 5)
    category = IncidentCategory.DISRUPTION
    severity = 2
    description = "Shouted out in class."


class ExclusionFactory(_Sourced):
    class Meta:
        model = Exclusion

    school = factory.SelfAttribute("student.school")
    kind = ExclusionKind.SUSPENSION
    start_date = dt.date(2026, 10, 6)
    sessions = 2
    reason_1 = "DB"


class AttitudeRatingFactory(_Sourced):
    class Meta:
        model = AttitudeRating

    source_kind = SourceKind.PARTNERSHIP
    rated_on = dt.date(2026, 10, 7)
    engagement = 2
    relationships = 3
    self_regulation = 2
    attitude_to_learning = 3


class ResultFactory(_Sourced):
    class Meta:
        model = AttainmentResult

    subject = Subject.ENGLISH
    assessed_on = dt.date(2026, 10, 16)
    assessment_label = "Autumn 1 2026/27"
    scale = GradeScale.GCSE
    grade = "4"
    target_grade = "5"
