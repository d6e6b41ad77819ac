"""A student with a row in every table that holds anything about a child, and a second
student who must come through every erasure untouched."""

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.utils import timezone
from stdnum.gb.upn import calc_check_digit

from seip.attendance.tests.factories import store
from seip.behaviour.tests.factories import (
    AttitudeRatingFactory,
    ExclusionFactory,
    IncidentFactory,
    ResultFactory,
)
from seip.bundles.models import AccessBundle, FlaggedItem
from seip.concerns.models import Concern
from seip.imports.models import MatchCandidate
from seip.keys.crypto import store_encrypted_for
from seip.keys.tests.conftest import give_history
from seip.moves.models import ManagedMove, RollChange
from seip.organisations.models import OrganisationType, School
from seip.placements.models import (
    APPlacement,
    PartTimeTimetable,
    PlacementCheck,
    SuspensionFollowUp,
)
from seip.progress.models import PortalLink, Review
from seip.provision.models import InterventionType
from seip.provision.tests.factories import InterventionFactory, PlacementFactory, ReviewFactory
from seip.records.models import BreakGlassAccess, SafeguardingConcern
from seip.records.tests.factories import (
    AgencyFactory,
    ContactFactory,
    NeedFactory,
    TargetFactory,
    code,
)
from seip.referrals.services import CarerDetails, referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, notice_for, pupil
from seip.retention.models import LegalHold
from seip.rights.models import (
    ClockPause,
    ProposedCorrection,
    RectificationNotice,
    Restriction,
    RightsRequest,
)
from seip.sharing.models import Disclosure, DisclosureKind, Involvement
from seip.students.models import PaperFile, Student
from seip.students.services import case_open


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    upn: str
    dob: dt.date
    carer: str


ERASED = Person("Zebedee", "Quillfeather", "", dt.date(2011, 2, 19), "Morwenna Quillfeather")
KEPT = Person("Riley", "Otterburn", "", dt.date(2012, 7, 3), "Alex Otterburn")


def upn_for(county, serial: int) -> str:
    digits = f"{county.school_a.local_authority.la_code}{county.school_a.establishment_number}"
    digits += f"14{serial:03d}"
    return calc_check_digit(digits) + digits


def make_referral(county, personas, person: Person, serial: int):
    """A signed referral, with its encrypted form scan and so its data key."""
    referral = referral_draft_create(
        school=county.school_a,
        pupil=pupil(
            upn=upn_for(county, serial),
            first_name=person.first_name,
            last_name=person.last_name,
            date_of_birth=person.dob,
        ),
        carers=[
            CarerDetails(name=person.carer, relationship="Mother", parental_responsibility=True)
        ],
        actor=personas["school_contact"],
    )
    referral_sign(
        referral=referral,
        signed_by_name=person.carer,
        relationship="Mother",
        has_parental_responsibility=True,
        signed_on=dt.date(2026, 11, 20),
        notice_version=notice_for(county.a),
        categories={OrganisationType.SCHOOL, OrganisationType.ALTERNATIVE_PROVIDER},
        form=PDF,
        actor=personas["school_contact"],
    )
    referral.refresh_from_db()
    return referral


def make_student(county, personas, person: Person, serial: int) -> Student:
    referral = make_referral(county, personas, person, serial)
    case = case_open(
        referral=referral, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    )  # fmt: skip
    return case.student


def person_carer(student: Student) -> str:
    return next(p.carer for p in (ERASED, KEPT) if p.first_name == student.first_name)


def email_of(student: Student) -> str:
    return f"{person_carer(student).split()[0].lower()}@family.test"


def fill_record(student: Student, county, personas) -> None:
    """One row or more in every table of ``retention.erasure.PLAN``."""
    coordinator = personas["coordinator"]
    _, concern = give_history(student, coordinator)
    BreakGlassAccess.objects.create(
        user=personas["key_worker"], concern=concern, reason="Covering for the DSL."
    )
    old = NeedFactory(student=student, kind="sen_provision", code=code("sen_provision", "K"))
    old.superseded_at = timezone.now()
    old.save()
    new = NeedFactory(student=student, kind="sen_provision", code=code("sen_provision", "E"))
    old.superseded_by = new
    old.save()
    ContactFactory(student=student, name=f"{student.first_name}'s aunt")
    AgencyFactory(student=student)
    TargetFactory(plan__student=student)
    intervention = InterventionFactory(
        student=student, type=InterventionType.AP_PLACEMENT, provider=county.provider
    )
    ReviewFactory(placement=PlacementFactory(intervention=intervention))
    # Issue 20, ADR 0049: the placement plan, its review, a timetable, a follow-up.
    plan = APPlacement.objects.create(
        intervention=intervention, student=student, commissioning_school=student.school,
        primary_reason="behaviour", objectives="Routines", reintegration_criteria="Full weeks",
        sessions_per_week=4, maximum_end=dt.date(2027, 7, 1), planned_end=dt.date(2027, 6, 1),
    )  # fmt: skip
    PlacementCheck.objects.create(
        placement=plan, reviewed_on=dt.date(2026, 11, 1), sessions_attended=8,
        sessions_possible=10, progress="Better", pupil_view="Fine",
    )  # fmt: skip
    PartTimeTimetable.objects.create(
        student=student, school=student.school, start_date=dt.date(2026, 11, 2),
        planned_end=dt.date(2026, 12, 11), sessions_per_week=6,
    )  # fmt: skip
    store(student, 2026, {})
    IncidentFactory(student=student)
    SuspensionFollowUp.objects.create(
        exclusion=ExclusionFactory(student=student), council_told_on=dt.date(2026, 11, 2)
    )
    AttitudeRatingFactory(student=student)
    ResultFactory(student=student)
    PortalLink.objects.create(
        user=personas["parent"],
        student=student,
        relationship="parent_carer",
        parental_responsibility=True,
    )
    Review.objects.create(
        case=student.cases.get(),
        held_on=dt.date(2026, 11, 25),
        attendance_progress="Better",
        behaviour_progress="Better",
        attainment_progress="Steady",
        next_steps="Keep going",
    )
    MatchCandidate.objects.create(
        student=student, school=county.school_a, file_name="ctf.xml", position=3
    )
    Involvement.objects.create(
        student=student,
        organisation=county.provider,
        purpose="AP placement",
        starts_on=dt.date(2026, 9, 1),
    )
    Disclosure.objects.create(
        student=student,
        organisation=county.provider,
        kind=DisclosureKind.VIEW,
        purpose="AP placement",
    )
    PaperFile.objects.create(
        student=student,
        description="Referral folder",
        returned_to=county.school_a,
        returned_on=dt.date(2026, 11, 26),
        received_by="School office",
        receipt_confirmed=True,
    )
    # A managed move that ended in a transfer, and the roll change it made (ADR 0048).
    host = School.objects.filter(partnership=student.partnership).exclude(pk=student.school_id)
    move = ManagedMove.objects.create(
        student=student, home_school_id=student.school_id, host_school=host.first(),
        trial_starts_on=dt.date(2026, 9, 7), review_on=dt.date(2026, 10, 19),
        agreed_on=dt.date(2026, 9, 7), agreed_by_name=person_carer(student),
        decision="transferred", decided_on=dt.date(2026, 10, 19),
    )  # fmt: skip
    RollChange.objects.create(
        student=student, from_school_id=student.school_id, to_school=move.host_school,
        on=move.decided_on, move=move,
    )  # fmt: skip
    hold = LegalHold.objects.create(
        referral=student.referral, reason="Tribunal", placed_by=personas["dpo"]
    )
    hold.lifted_at = timezone.now()
    hold.save()
    request = RightsRequest.objects.create(
        partnership=student.partnership, student=student, type="objection",
        requester_kind="parent_carer", requester_name=person_carer(student),
        requester_contact=email_of(student), received_via="email",
        received_on=dt.date(2026, 11, 20), details=f"Stop sharing {student.first_name}'s record",
        child_view=f"{student.first_name} agrees", child_view_sought=True,
        identity_check_method="Passport seen", identity_checked_on=dt.date(2026, 11, 20),
        parental_responsibility_how="Birth certificate", parental_responsibility_confirmed=True,
        requester_user=personas["coordinator"],
    )  # fmt: skip
    ClockPause.objects.create(
        request=request, reason="clarification", started_on=dt.date(2026, 11, 20),
        ended_on=dt.date(2026, 11, 21), note=f"Asked which of {student.first_name}'s records",
    )  # fmt: skip
    concern = Concern.objects.create(
        partnership=student.partnership, raised_via="public", name=person_carer(student),
        contact=email_of(student), what_happened=f"A letter about {student.last_name}",
        acknowledge_by=dt.date(2026, 12, 20),
    )  # fmt: skip
    concern.student = student
    concern.save()
    correction = ProposedCorrection.objects.create(
        request=request, description="Wrong first language", proposed_value="Polish"
    )
    RectificationNotice.objects.create(
        correction=correction, organisation=county.provider, sent_at=timezone.now(),
        sent_by=personas["coordinator"], method="email",
    )  # fmt: skip
    Restriction.objects.create(request=request, student=student, since=timezone.now())
    access = RightsRequest.objects.create(
        partnership=student.partnership, student=student, type="access",
        requester_kind="parent_carer", requester_name="A Parent", requester_contact="x@y.test",
        received_via="portal", received_on=dt.date(2026, 11, 21),
    )  # fmt: skip
    bundle = AccessBundle.objects.create(
        request=access, student=student, prepared_by=personas["coordinator"],
        pdf_file=store_encrypted_for(student.referral_id, "access-bundles", b"%PDF-1.7 bundle"),
    )  # fmt: skip
    FlaggedItem.objects.create(bundle=bundle, item_type="contacts", item_id=1, flags=["third"])
    assert SafeguardingConcern.objects.filter(student=student).exists()


@pytest.fixture
def erased(county, personas) -> Student:
    student = make_student(county, personas, ERASED, 1)
    fill_record(student, county, personas)
    return student


@pytest.fixture
def kept(county, personas) -> Student:
    student = make_student(county, personas, KEPT, 2)
    fill_record(student, county, personas)
    return student


def identifiers(student: Student) -> list[str]:
    """Strings that would identify the student if found anywhere after erasure."""
    return [
        student.first_name,
        student.last_name,
        student.upn,
        student.date_of_birth.isoformat(),
        json.dumps(student.date_of_birth.isoformat()),
    ]


@pytest.fixture(autouse=True)
def _own_master_key(settings):
    import os

    from seip.keys import crypto

    settings.MASTER_KEYS = [("test-1", os.urandom(32))]
    crypto.cache_clear()
    yield
    crypto.cache_clear()
