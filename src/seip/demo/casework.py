"""Demo casework: referrals at every stage, consent of every shape, cases in every state.

Deterministic (a seeded generator per partnership) and idempotent (keyed by UPN). Every
record is made through the same audited services a user's clicks go through, so the demo
exercises the real rules: a draft stays the school's, consent names the notice version,
tier 4 has its risk assessment, leavers return their paper files.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone
from stdnum.gb.upn import calc_check_digit

from seip.accounts.models import Role, User
from seip.accounts.services import membership_grant, user_create
from seip.audit.services import audit_record
from seip.consultations.models import Concern, Consultation, Forum, YearGroup
from seip.consultations.services import consultation_record
from seip.keys.fields import indexed, seal_bulk_create
from seip.notices.models import NoticeVersion
from seip.organisations.models import OrganisationType, Partnership, School
from seip.referrals.models import Carer, Consent, ConsentGrant, Referral, ReferralStatus, Tier
from seip.referrals.services import (
    CarerDetails,
    PupilDetails,
    consent_withdraw,
    referral_decline,
    referral_draft_create,
    referral_sign,
)
from seip.students.models import Case, CaseStatus, Destination, Outcome, PaperFile, Student
from seip.students.services import case_assign_key_worker, case_close, case_open, student_leave

FIRST = [
    "Alfie",
    "Amira",
    "Bailey",
    "Chloe",
    "Declan",
    "Ellie",
    "Finley",
    "Hana",
    "Harvey",
    "Isla",
    "Jayden",
    "Kacper",
    "Leah",
    "Mason",
    "Nadia",
    "Oliver",
    "Poppy",
    "Reuben",
    "Sienna",
    "Tyler",
    "Zainab",
    "Kai",
    "Maisie",
    "Ravi",
]
LAST = [
    "Ashworth",
    "Begum",
    "Carter",
    "Dunmore",
    "Evans",
    "Fairbrother",
    "Gill",
    "Hussain",
    "Irwin",
    "Jarvis",
    "Kowalski",
    "Lister",
    "Mahmood",
    "Nowak",
    "Oakley",
    "Pearce",
    "Quinn",
    "Rahman",
    "Shaw",
    "Thorne",
    "Underwood",
    "Varley",
    "Wright",
    "Yates",
]
#: Carers' first names: grown-ups' names, none of them a pupil's, so no signer shares the
#: child's name (a parent must never appear to sign for themselves, issue 19).
ADULT_FIRST = [
    "Gemma",
    "Kerry",
    "Lee",
    "Joanne",
    "Priya",
    "Tomasz",
    "Aisha",
    "Dean",
    "Sarah",
    "Mohammed",
    "Claire",
    "Darren",
    "Nasreen",
    "Paul",
]
#: Who signs: a carer with parental responsibility, under the relationship the referral
#: names them by, which the consent and the record's contact list then repeat.
CARER_RELATIONSHIPS = ["Mother", "Mother", "Father", "Grandmother", "Special guardian"]
REASONS = [
    "At risk of permanent exclusion after repeated suspensions for disruption.",
    "Attendance has fallen sharply since Year 8; anxiety about school reported by family.",
    "Frequent removal from lessons; conflict with peers at break times.",
    "Disengaged in most subjects; school concerned about risk of exclusion.",
]
SUPPORT = [
    "Pastoral mentoring, a report card and a reduced timetable for two weeks.",
    "Attendance panel, home visits by the attendance officer, school counsellor.",
    "In-school inclusion room, restorative meetings and an adjusted timetable.",
]
BASE = dt.date(2026, 9, 7)
#: The demo's last complete school year (2025-26, by its first year). Two in three of the
#: pupils written in bulk were referred in it, spread over its three terms, so its reports
#: count groups big enough to show and its students' follow-up windows have ended, which
#: the impact section needs before it can estimate anything (issue 17). The rest join this
#: autumn's casework, so the current year's reports have figures too.
MAIN_YEAR = BASE.year - 1
_MAIN_FIRST = dt.date(MAIN_YEAR, 9, 8)
_MAIN_DAYS = (dt.date(MAIN_YEAR + 1, 7, 17) - _MAIN_FIRST).days
#: What a referral of the last school year has become by now: no draft or signed referral
#: waits a year for a decision, and most cases are closed.
_A_YEAR_ON = {"draft": "declined", "signed": "closed", "accepted": "closed"}
#: Every partnership's privacy notice version 1 is dated at the start of the last school
#: year, before the first signature that cites it (a signature of September 2025 must not
#: cite a notice published on the day the demo was built, issue 19).
NOTICE_PUBLISHED = dt.date(MAIN_YEAR, 9, 1)
#: The first pupils of each partnership go through the real services, one click at a time,
#: so the demo exercises every rule; the rest, for county scale, are written in bulk.
THROUGH_SERVICES = 40
# The stage each pupil reaches, cycling so every state appears in each partnership.
STAGES = [
    "draft",
    "signed",
    "declined",
    "accepted",
    "accepted",
    "active",
    "active",
    "active",
    "closed",
    "left",
]

#: DfE main ethnicity codes with rough shares for an English shire county (invented).
ETHNICITIES = (
    *("WBRI", "WOTH", "WIRT", "MWBC", "MWAS", "MOTH", "AIND", "APKN", "AOTH"),
    *("BAFR", "BCRB", "CHNE", "OOTH", "REFU", "NOBT"),
)
ETHNICITY_WEIGHTS = (76, 4, 0.5, 2, 1, 1, 6, 1, 1, 1.5, 0.5, 0.5, 1, 1, 2)


@dataclass(frozen=True)
class Family:
    """The demo's portal family: the student login's own record, and the parent login as
    the carer who signed its referral (issue 19)."""

    first_name: str
    last_name: str
    carer_first_name: str
    relationship: str
    email: str

    @property
    def carer(self) -> str:
        return f"{self.carer_first_name} {self.last_name}"


@dataclass(frozen=True)
class Personas:
    """The demo logins the co-ordinator's partnership's casework is written around."""

    key_worker: User
    family: Family


#: The first active pupil of the co-ordinator's partnership is the portal family's child.
FAMILY_INDEX = STAGES.index("active")
#: Besides every active pupil made through the services, the demo key worker takes on
#: these accepted ones, so her caseload is 8 to 15 open cases at the default scale and at
#: the tests' 60 pupils.
TAKEN_ON = {3, 23}


def family_upn(partnership: Partnership) -> str | None:
    """The UPN of the portal family's child in ``partnership`` (see :data:`FAMILY_INDEX`)."""
    schools = list(partnership.schools.select_related("local_authority"))
    if not schools:
        return None
    return _upn(schools[FAMILY_INDEX % len(schools)], FAMILY_INDEX // len(schools))


def _coordinator(partnership: Partnership) -> User:
    """The partnership's co-ordinator: the one its notice names (a demo login where there
    is one), made without a password where there is none."""
    named = (
        User.objects.filter(
            memberships__partnership=partnership, memberships__role=Role.COORDINATOR
        )
        .order_by("pk")
        .first()
    )
    return named or _user(
        f"coordinator@{partnership.slug}.seip.example",
        partnership.coordinator_name,
        Role.COORDINATOR,
        partnership,
    )


def build_named_staff(partnership: Partnership) -> None:
    """Accounts for the co-ordinator and DPO the partnership's notice names, where no
    login holds the role yet (issue 19). They have no password: they exist so that the
    notice names people the system knows, and the casework is theirs."""
    _coordinator(partnership)
    if not partnership.memberships.filter(role=Role.DPO).exists():
        _user(f"dpo@{partnership.slug}.seip.example", partnership.dpo_name, Role.DPO, partnership)


def _user(
    email: str,
    name: str,
    role: Role,
    partnership: Partnership | None = None,
    school: School | None = None,
) -> User:
    """A staff member acting in the demo. No password: they exist to make the history."""
    user = User.objects.filter(email=email).first() or user_create(
        email=email, full_name=name, password=None, actor=None
    )
    membership_grant(
        user=user,
        role=role,
        partnership=partnership,
        organisation=school.organisation if school else None,
        actor=None,
    )
    return user


def _upn(school: School, serial: int) -> str:
    digits = f"{school.local_authority.la_code}{school.establishment_number}13{serial % 1000:03d}"
    return calc_check_digit(digits) + digits


@dataclass
class Casework:
    """The student records one run created, and which of them get no intervention."""

    students: list[Student]
    #: Tier 1 (advice and consultation) pupils written in bulk: the school acts on the
    #: partnership's advice and no intervention is recorded. They are the impact section's
    #: comparison group; without them everyone has an intervention and nothing compares.
    advice_only: set[int]


def build_casework(
    partnership: Partnership, students: int, p_index: int, personas: Personas | None = None
) -> Casework:
    """Refer ``students`` pupils; return the student records created by this run.

    With ``personas`` (the co-ordinator's partnership), the demo key worker holds the
    active cases made through the services and the portal family's child is one of them."""
    # In the same order as family_upn counts them.
    schools = list(partnership.schools.select_related("local_authority", "organisation"))
    notice = NoticeVersion.objects.filter(partnership=partnership).order_by("-number").first()
    if not schools or notice is None or students <= 0:
        return Casework([], set())
    rng = random.Random(855_000 + p_index)  # noqa: S311 - demo data, not security
    slug = partnership.slug
    coordinator = _coordinator(partnership)
    key_workers = [
        _user(
            f"keyworker{k}@{slug}.seip.example",
            f"{FIRST[k + p_index]} {LAST[k * 3 + 1]}",
            Role.KEY_WORKER,
            partnership,
        )
        for k in range(3)
    ]
    existing = set(
        Referral.objects.filter(partnership=partnership).values_list("upn_index", flat=True)
    )
    contacts = {
        school.pk: _user(
            f"school-{school.urn}@seip.example",
            f"Head of Year at {school.name}",
            Role.SCHOOL_CONTACT,
            school=school,
        )
        for school in schools
    }
    created: list[Student] = []
    bulk: list[tuple[int, School, str]] = []
    for i in range(students):
        school = schools[i % len(schools)]
        upn = _upn(school, i // len(schools))
        if indexed("upn", upn) in existing:
            continue
        if i >= THROUGH_SERVICES:
            bulk.append((i, school, upn))
            continue
        contact = contacts[school.pk]
        student = _one_pupil(
            rng, i, school, upn, contact, coordinator, key_workers, notice, personas
        )
        if student is not None:
            created.append(student)
    advice_only: set[int] = set()
    if bulk:
        made = bulk_pupils(bulk, contacts, coordinator, key_workers, notice, seed=p_index)
        advice_only = {s.pk for s in made if s.referral.requested_tier == Tier.ADVICE}
        created += made
    return Casework(created, advice_only)


def _one_pupil(
    rng: random.Random,
    i: int,
    school: School,
    upn: str,
    contact: User,
    coordinator: User,
    key_workers: list[User],
    notice: NoticeVersion,
    personas: Personas | None,
) -> Student | None:
    stage = STAGES[i % len(STAGES)]
    year = rng.choice([7, 8, 9, 10, 11])
    first, last = rng.choice(FIRST), rng.choice(LAST)
    carer_first, relationship = rng.choice(ADULT_FIRST), rng.choice(CARER_RELATIONSHIPS)
    family = personas.family if personas is not None and i == FAMILY_INDEX else None
    if family is not None:
        first, last = family.first_name, family.last_name
        carer_first, relationship = family.carer_first_name, family.relationship
    carer = CarerDetails(
        name=f"{carer_first} {last}",
        relationship=relationship,
        parental_responsibility=True,
        email=family.email if family is not None else "",
    )
    referral = referral_draft_create(
        school=school,
        pupil=PupilDetails(
            upn=upn,
            first_name=first,
            last_name=last,
            date_of_birth=dt.date(2026 - year - 5, rng.randint(1, 12), rng.randint(1, 28)),
            sex=rng.choice("FM"),
            nc_year=year,
            reasons=rng.choice(REASONS),
            support_tried=rng.choice(SUPPORT),
            attendance_summary=f"{rng.randint(55, 95)}% this academic year",
            behaviour_summary=f"{rng.randint(0, 4)} suspensions this year",
            requested_tier=Tier(rng.choice([1, 2, 2, 3, 3, 4])),
        ),
        carers=[carer],
        actor=contact,
    )
    if stage == "draft":
        return None
    signed_on = BASE + dt.timedelta(days=i % 60)
    agreed = {c for c in OrganisationType.values if rng.random() < 0.7} | {"school"}
    referral_sign(
        referral=referral,
        signed_by_name=carer.name,  # the carer named on the form signs, as themselves
        relationship=carer.relationship,
        has_parental_responsibility=True,
        signed_on=signed_on,
        notice_version=notice,
        categories=agreed,
        form=None,
        actor=contact,
    )
    if stage == "signed":
        return None
    if stage == "declined":
        referral_decline(
            referral=referral, reason="Needs are met by the school's own plan.", actor=coordinator
        )
        return None
    tier = Tier(referral.requested_tier)
    case = case_open(
        referral=referral,
        tier=tier,
        risk_assessment_on=signed_on + dt.timedelta(days=5) if tier == Tier.PROGRAMME else None,
        risk_assessment_summary="Standard risk assessment with the school and family."
        if tier == Tier.PROGRAMME
        else "",
        actor=coordinator,
    )
    if i % 13 == 6 and "health" in agreed:
        consent_withdraw(referral=referral, categories={"health"}, actor=coordinator)
    mine = personas is not None and (stage == "active" or i in TAKEN_ON)
    if stage == "accepted" and not mine:
        return case.student
    worker = (
        personas.key_worker if personas is not None and mine else key_workers[i % len(key_workers)]
    )
    case_assign_key_worker(case=case, key_worker=worker, actor=coordinator)
    if stage in ("accepted", "active"):
        return case.student
    case_close(
        case=case,
        outcome=rng.choice([Outcome.MET, Outcome.PARTLY_MET, Outcome.NOT_MET]),
        destination=rng.choice(
            [Destination.STAYED, Destination.MANAGED_MOVE, Destination.AP, Destination.POST_16]
        ),
        actor=coordinator,
    )
    if stage == "left":
        student_leave(
            case=case,
            paper_files=["Referral file", "Key work notes folder"],
            returned_to=None,
            returned_on=signed_on + dt.timedelta(days=20),
            received_by=f"Head of Year {year}",
            receipt_confirmed=True,
            actor=coordinator,
        )
    return case.student


ADVICE = [
    "Try a structured mentoring plan and a named adult for check-ins; review in six weeks.",
    "Refer to the school nurse for a wellbeing conversation; consider a reduced timetable briefly.",
    "Use the attendance support plan with fortnightly home contact; bring back if no change.",
    "Explore a short alternative provision taster alongside core subjects in school.",
    "Agree a behaviour support plan with restorative meetings; refer if it continues.",
]


def build_consultations(partnership: Partnership, count: int, p_index: int) -> None:
    """Anonymous pre-referral consultations: school, year group, concern, advice (P25)."""
    schools = list(partnership.schools.order_by("urn")[:4])
    if not schools or Consultation.objects.filter(partnership=partnership).exists():
        return
    rng = random.Random(856_000 + p_index)  # noqa: S311 - demo data, not security
    coordinator = _coordinator(partnership)
    for i in range(count):
        consultation_record(
            school=schools[i % len(schools)],
            forum=Forum(rng.choice(Forum.values)),
            held_on=BASE + dt.timedelta(days=3 * i),
            year_group=YearGroup(rng.choice(YearGroup.values)),
            concern=Concern(rng.choice(Concern.values)),
            advice=rng.choice(ADVICE),
            staff=[coordinator],
            actor=coordinator,
        )


@dataclass
class _Planned:
    referral: Referral
    stage: str
    signed_on: dt.date
    #: When the co-ordinator accepted it; None for this autumn's (the services' "now").
    accepted_at: dt.datetime | None = None
    student: Student | None = None

    def at(self, now: dt.datetime, weeks: int = 0) -> dt.datetime:
        """``weeks`` after acceptance, for the last school year's; ``now`` for this year's."""
        if self.accepted_at is None:
            return now
        return min(now, self.accepted_at + dt.timedelta(weeks=weeks))


def _when(i: int) -> tuple[str, dt.date, dt.datetime | None]:
    """The stage, signing day and acceptance of the ``i``-th bulk pupil of a partnership."""
    stage = STAGES[i % len(STAGES)]
    if i % 3 == 0:  # this autumn, beside the casework made through the services
        return stage, BASE + dt.timedelta(days=i % 60), None
    # The last school year: a stride coprime with its length visits every day once.
    signed_on = _MAIN_FIRST + dt.timedelta(days=(i * 37) % _MAIN_DAYS)
    signed_on -= dt.timedelta(days=max(0, signed_on.weekday() - 4))  # a weekday
    accepted = dt.datetime.combine(
        signed_on + dt.timedelta(days=2 + i % 8), dt.time(10), tzinfo=dt.UTC
    )
    return _A_YEAR_ON.get(stage, stage), signed_on, accepted


def bulk_pupils(
    items: list[tuple[int, School, str]],
    contacts: dict[int, User],
    coordinator: User,
    key_workers: list[User],
    notice: NoticeVersion,
    *,
    seed: int,
) -> list[Student]:
    """The same stages as :func:`_one_pupil`, written with bulk inserts for county scale.

    Two in three were referred in the last school year (:data:`MAIN_YEAR`), on days
    spread over its terms, and are accepted, closed and left on dates after that; the
    rest this autumn, like the casework made through the services (see :func:`_when`).
    The rows are what the services would have written (every signed referral consented
    against a notice version, tier 4 with its risk assessment, leavers archived with their
    paper files returned); one audit event records the batch, with counts only.
    """
    rng = random.Random(857_000 + seed)  # noqa: S311 - demo data, not security
    now, today = timezone.now(), timezone.localdate()
    planned = []
    for i, school, upn in items:
        stage, signed_on, accepted_at = _when(i)
        at = now if accepted_at is None else accepted_at
        referral = _referral(rng, stage, school, upn, contacts[school.pk], coordinator, at)
        planned.append(_Planned(referral, stage, signed_on, accepted_at))
    seal_bulk_create(Referral, [p.referral for p in planned], batch_size=1000)
    # The carer named on the form is the one who signs it, under the same relationship.
    carers = [
        Carer(
            referral=p.referral,
            name=f"{rng.choice(ADULT_FIRST)} {p.referral.last_name}",
            relationship=rng.choice(CARER_RELATIONSHIPS),
            parental_responsibility=True,
        )
        for p in planned
    ]
    seal_bulk_create(Carer, carers, batch_size=1000)
    signer = {c.referral.pk: c for c in carers}
    signed = [p for p in planned if p.stage != "draft"]
    consents = [
        Consent(
            referral=p.referral,
            signed_by_name=signer[p.referral.pk].name,
            relationship=signer[p.referral.pk].relationship,
            has_parental_responsibility=True,
            signed_on=p.signed_on,
            notice_version=notice,
            recorded_by=contacts[p.referral.school_id],
            choices={c: c == "school" or rng.random() < 0.7 for c in OrganisationType.values},
        )
        for p in signed
    ]
    seal_bulk_create(Consent, consents, batch_size=1000)
    ConsentGrant.objects.bulk_create(
        [
            ConsentGrant(referral=c.referral, consent=c, category=category, granted_at=now)
            for c in consents
            for category, agreed in c.choices.items()
            if agreed
        ],
        batch_size=2000,
    )
    accepted = [p for p in signed if p.stage in _DECIDED - {"declined"}]
    for p in accepted:
        r = p.referral
        p.student = Student(
            partnership_id=r.partnership_id,
            school_id=r.school_id,
            referral=r,
            upn=r.upn,
            first_name=r.first_name,
            last_name=r.last_name,
            date_of_birth=r.date_of_birth,
            sex=r.sex,
            nc_year=r.nc_year,
            ethnicity=rng.choices(ETHNICITIES, ETHNICITY_WEIGHTS)[0],
            archived_at=p.at(now, _LEFT_WEEKS) if p.stage == "left" else None,
        )
    students = [p.student for p in accepted if p.student is not None]
    seal_bulk_create(Student, students, batch_size=1000)
    # Reports count a student in the year their referral was accepted (ADR 0022), and
    # ``created_at`` is set on insert, so the last school year's get their day afterwards.
    past = [p for p in planned if p.accepted_at is not None]
    for p in past:
        p.referral.created_at = dt.datetime.combine(p.signed_on, dt.time(9), tzinfo=dt.UTC)
        if p.student is not None:
            p.student.created_at = p.at(now)
    Referral.objects.bulk_update([p.referral for p in past], ["created_at"], batch_size=1000)
    Student.objects.bulk_update(
        [p.student for p in past if p.student is not None], ["created_at"], batch_size=1000
    )
    seal_bulk_create(
        Case, [_case(rng, p, n, key_workers, now) for n, p in enumerate(accepted)], batch_size=1000
    )
    seal_bulk_create(
        PaperFile,
        [
            PaperFile(
                student=p.student,
                description=description,
                returned_to_id=p.referral.school_id,
                returned_on=min(today, p.signed_on + dt.timedelta(days=20)),
                received_by=f"Head of Year {p.referral.nc_year}",
                receipt_confirmed=True,
                recorded_by=coordinator,
            )
            for p in accepted
            if p.stage == "left"
            for description in ("Referral file", "Key work notes folder")
        ],
        batch_size=1000,
    )
    audit_record(
        actor=None,
        action="demo.casework",
        detail={"referrals": len(planned), "students": len(students)},
    )
    return students


_DECIDED = {"declined", "accepted", "active", "closed", "left"}
#: Weeks from acceptance to a case's close, and to a leaver's leaving, for the last year's.
_CLOSED_WEEKS, _LEFT_WEEKS = 20, 24


def _referral(
    rng: random.Random,
    stage: str,
    school: School,
    upn: str,
    contact: User,
    coordinator: User,
    at: dt.datetime,
) -> Referral:
    year = rng.choice([7, 8, 9, 10, 11])
    status = {
        "draft": ReferralStatus.DRAFT,
        "signed": ReferralStatus.SIGNED,
        "declined": ReferralStatus.DECLINED,
    }.get(stage, ReferralStatus.ACCEPTED)
    return Referral(
        school=school,
        partnership_id=school.partnership_id,
        created_by=contact,
        status=status,
        upn=upn,
        first_name=rng.choice(FIRST),
        last_name=rng.choice(LAST),
        date_of_birth=dt.date(2026 - year - 5, rng.randint(1, 12), rng.randint(1, 28)),
        sex=rng.choice("FM"),
        nc_year=year,
        reasons=rng.choice(REASONS),
        support_tried=rng.choice(SUPPORT),
        attendance_summary=f"{rng.randint(55, 95)}% this academic year",
        behaviour_summary=f"{rng.randint(0, 4)} suspensions this year",
        requested_tier=rng.choice([1, 2, 2, 3, 3, 4]),
        signed_at=None if stage == "draft" else at,
        decided_at=at if stage in _DECIDED else None,
        decided_by=coordinator if stage in _DECIDED else None,
        decline_reason="Needs are met by the school's own plan." if stage == "declined" else "",
    )


def _case(
    rng: random.Random, p: _Planned, n: int, key_workers: list[User], now: dt.datetime
) -> Case:
    closed = p.stage in ("closed", "left")
    tier = p.referral.requested_tier
    status = {
        "accepted": CaseStatus.ACCEPTED,
        "active": CaseStatus.ACTIVE,
        "closed": CaseStatus.CLOSED,
        "left": CaseStatus.LEFT,
    }[p.stage]
    return Case(
        student=p.student,
        status=status,
        tier=tier,
        opened_at=p.at(now),
        risk_assessment_on=p.signed_on + dt.timedelta(days=5) if tier == Tier.PROGRAMME else None,
        risk_assessment_summary="Standard risk assessment with the school and family."
        if tier == Tier.PROGRAMME
        else "",
        key_worker=key_workers[n % len(key_workers)] if p.stage != "accepted" else None,
        closed_at=p.at(now, _CLOSED_WEEKS if p.stage == "closed" else _LEFT_WEEKS)
        if closed
        else None,
        outcome=rng.choice([Outcome.MET, Outcome.PARTLY_MET, Outcome.NOT_MET]) if closed else "",
        destination=rng.choice(
            [Destination.STAYED, Destination.MANAGED_MOVE, Destination.AP, Destination.POST_16]
        )
        if closed
        else "",
        left_at=p.at(now, _LEFT_WEEKS) if p.stage == "left" else None,
    )
