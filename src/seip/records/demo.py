"""Demo profiles, chronologies and safeguarding concerns for the demo county's students.

Deterministic: every value comes from ``random.Random(seed)`` and each student's referral
date. The mix is roughly that of students referred to a partnership: about 40% on SEN
support and 8% with an EHC plan, social, emotional and mental health the commonest need,
about 30% eligible for free school meals, some learning English as an additional
language, and a few looked after. Students who already have a profile are left alone.
Everything is written with ``bulk_create``; each student's data key is made in one batch
for all of them, then their notes and concerns are sealed under it, and the sealed fields
(details, contacts, agencies, targets) by ``seal_bulk_create`` (P14).
"""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from seip.accounts.models import Membership, Role
from seip.audit.services import audit_record
from seip.keys.crypto import Sealer, row_id, sealers_for
from seip.keys.fields import open_all, seal_bulk_create
from seip.organisations.models import OrganisationType, PartnerOrganisation
from seip.records.models import (
    CaseNote,
    ConcernCategory,
    Contact,
    Need,
    NeedCode,
    NeedKind,
    NoteKind,
    SafeguardingConcern,
    StudentAgency,
    SupportPlan,
    Target,
    TargetDomain,
    TargetStatus,
)
from seip.records.services import CONCERN_ACTIONS, CONCERN_DETAILS, NOTE_TEXT
from seip.referrals.models import Carer
from seip.students.models import Case, Outcome, Student
from seip.students.sources import SourceKind

BATCH = 1000
UPDATE_BATCH = 250
IMPORT_NOTE = "Demo MIS export"

SEN_NEEDS = [
    ("SEMH", 45), ("SLCN", 12), ("SPLD", 10), ("MLD", 10), ("ASD", 10), ("OTH", 4),
    ("NSA", 3), ("PD", 2), ("HI", 1), ("VI", 1), ("SLD", 1), ("MSI", 1), ("PMLD", 1),
]  # fmt: skip
LANGUAGES = ["Polish", "Urdu", "Punjabi", "Gujarati", "Romanian", "Arabic", "Somali", "Bengali"]
FIRST_NAMES = ["Sam", "Kerry", "Lee", "Jo", "Priya", "Tomasz", "Aisha", "Dean", "Gemma", "Mo"]
RELATIONSHIPS = ["Mother", "Father", "Grandmother", "Stepfather", "Foster carer", "Aunt"]
AGENCY_ROLES = ["Mental health practitioner", "Family support worker", "Social worker",
                "Youth worker", "Educational psychologist"]  # fmt: skip
UNREGISTERED = ["Youth Offending Service", "Early Help Team", "Young Carers Project"]
TARGETS: dict[str, tuple[str, str]] = {
    TargetDomain.ATTENDANCE: ("Attend every morning session", "Attendance above 90%"),
    TargetDomain.BEHAVIOUR: ("No suspensions this half term", "Zero suspensions"),
    TargetDomain.ATTAINMENT: ("Complete homework in maths and English", "Teacher reports"),
    TargetDomain.ATTITUDE: ("Use the agreed time-out card instead of leaving class",
                            "Attitude rating 3 or more"),
}  # fmt: skip
#: Each student's notes are drawn without replacement: no note is written twice on one
#: record (issue 19).
NOTES = [
    (NoteKind.MEETING, "Met with the student and head of year to agree the plan."),
    (NoteKind.PHONE_CALL, "Phoned home; parent reports a better week."),
    (NoteKind.HOME_VISIT, "Home visit with the family; discussed morning routine."),
    (NoteKind.CONTACT, "Check-in at break; student calmer and engaged."),
    (NoteKind.PANEL, "Discussed at the partnership panel; support continues."),
    (NoteKind.OTHER, "Attended the review with the school SENCo."),
    (NoteKind.MEETING, "Planning meeting with the form tutor about the reduced timetable."),
    (NoteKind.PHONE_CALL, "Called the school: two late marks this week, no removals."),
    (NoteKind.CONTACT, "Mentoring session: talked through a difficult lesson and what helped."),
    (NoteKind.HOME_VISIT, "Visited at home with the attendance officer; agreed a wake-up plan."),
    (NoteKind.PANEL, "Panel agreed to continue the placement for another half term."),
    (NoteKind.OTHER, "Wrote to the family with the dates of the next review."),
]
CONCERNS = [
    ("neglect", "Arrived without breakfast several days running.", "Referred to the DSL."),
    ("emotional-abuse", "Disclosed arguments at home that frighten them.", "Spoke to the DSL."),
    ("self-harm", "Marks seen on forearm during PE.", "DSL informed; CAMHS contacted."),
    ("child-criminal-exploitation", "Seen with older youths after school.", "Police informed."),
]


@dataclass
class _Rows:
    needs: list[Need] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    agencies: list[StudentAgency] = field(default_factory=list)
    plans: list[SupportPlan] = field(default_factory=list)
    targets: list[tuple[int, Target]] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    concerns: list[SafeguardingConcern] = field(default_factory=list)
    # The plaintexts, sealed once the rows have their primary keys (crypto.row_id).
    note_texts: list[bytes] = field(default_factory=list)
    concern_texts: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass
class _Lookups:
    codes: dict[tuple[str, str], NeedCode]
    categories: dict[str, ConcernCategory]
    referred: dict[int, dt.date]
    key_workers: dict[int, int | None]
    staff: dict[int, list[int]]
    leads: dict[int, list[int]]
    agencies: dict[int, list[PartnerOrganisation]]
    la_names: dict[int, str]
    today: dt.date
    sealers: dict[int, Sealer]
    #: The carers named on each student's referral, who become the first contacts.
    carers: dict[int, list[Carer]] = field(default_factory=dict)
    #: Names already on each student's contact list (a record may carry them over).
    contact_names: dict[int, set[str]] = field(default_factory=dict)
    #: The outcome and closing day of each student's latest case, once it is closed.
    closed: dict[int, tuple[str, dt.date]] = field(default_factory=dict)


def _lookups(students: list[Student]) -> _Lookups:
    pks = [s.pk for s in students]
    partnerships = {s.partnership_id for s in students}
    signed = dict(
        Student.objects.filter(pk__in=pks)
        .annotate(signed=Min("referral__consents__signed_on"))
        .values_list("pk", "signed")
    )
    key_workers: dict[int, int | None] = {}
    closed: dict[int, tuple[str, dt.date]] = {}
    for student_id, worker, outcome, closed_at in (
        Case.objects.filter(student__in=pks)
        .order_by("opened_at")
        .values_list("student", "key_worker", "outcome", "closed_at")
    ):
        key_workers[student_id] = worker or key_workers.get(student_id)
        if closed_at is None:
            closed.pop(student_id, None)
        else:
            closed[student_id] = (outcome, timezone.localdate(closed_at))
    staff: dict[int, list[int]] = defaultdict(list)
    leads: dict[int, list[int]] = defaultdict(list)
    for partnership, user, role in Membership.objects.filter(
        partnership__in=partnerships, role__in=[Role.KEY_WORKER, Role.COORDINATOR,
                                                 Role.SAFEGUARDING_LEAD]
    ).order_by("pk").values_list("partnership", "user", "role"):  # fmt: skip
        staff[partnership].append(user)
        if role == Role.SAFEGUARDING_LEAD:
            leads[partnership].append(user)
    agencies: dict[int, list[PartnerOrganisation]] = defaultdict(list)
    through = PartnerOrganisation.partnerships.through.objects.filter(
        partnership__in=partnerships,
        partnerorganisation__type__in=[OrganisationType.HEALTH, OrganisationType.VOLUNTARY,
                                       OrganisationType.LOCAL_AUTHORITY],
    ).select_related("partnerorganisation").order_by("pk")  # fmt: skip
    for link in through:
        agencies[link.partnership_id].append(link.partnerorganisation)
    referrals = {s.referral_id: s.pk for s in students}
    carers: dict[int, list[Carer]] = defaultdict(list)
    found = list(Carer.objects.filter(referral__in=referrals).order_by("pk"))
    contacts = list(Contact.objects.filter(student__in=pks).select_related("student"))
    open_all([*found, *contacts], referrals)
    for carer in found:
        carers[referrals[carer.referral_id]].append(carer)
    contact_names: dict[int, set[str]] = defaultdict(set)
    for contact in contacts:
        contact_names[contact.student_id].add(contact.name)
    return _Lookups(
        codes={(c.scheme, c.code): c for c in NeedCode.objects.all()},
        categories={c.code: c for c in ConcernCategory.objects.all()},
        referred={s.pk: signed.get(s.pk) or timezone.localdate(s.created_at) for s in students},
        key_workers=key_workers,
        staff=staff,
        leads=leads,
        agencies=agencies,
        la_names=dict(
            Student.objects.filter(pk__in=pks).values_list(
                "pk", "partnership__local_authority__name"
            )
        ),
        today=timezone.localdate(),
        sealers=sealers_for(s.referral_id for s in students),
        carers=carers,
        contact_names=contact_names,
        closed=closed,
    )


def _need(student: Student, kind: str, code: NeedCode, day: dt.date, detail: str = "") -> Need:
    return Need(
        student=student, kind=kind, code=code, detail=detail, source_kind=SourceKind.SCHOOL_IMPORT,
        source_note=IMPORT_NOTE, obtained_on=day, verified_on=day,
    )  # fmt: skip


def _needs(rng: random.Random, student: Student, look: _Lookups, day: dt.date) -> list[Need]:
    def code(scheme: str, value: str) -> NeedCode:
        return look.codes[(scheme, value)]

    roll = rng.random()
    provision = "E" if roll < 0.08 else "K" if roll < 0.48 else "N"
    needs = [_need(student, NeedKind.SEN_PROVISION, code("sen_provision", provision), day)]
    if provision != "N":
        names = [name for name, _ in SEN_NEEDS if provision == "K" or name != "NSA"]
        weights = [weight for name, weight in SEN_NEEDS if provision == "K" or name != "NSA"]
        primary = rng.choices(names, weights=weights)[0]
        needs.append(_need(student, NeedKind.SEN_PRIMARY, code("sen_need", primary), day))
        if rng.random() < 0.3:
            secondary = rng.choice([n for n in names if n not in (primary, "NSA")])
            needs.append(_need(student, NeedKind.SEN_SECONDARY, code("sen_need", secondary), day))
    eal = rng.random() < 0.12
    language = rng.choice(LANGUAGES) if eal else "English"
    needs.append(_need(student, NeedKind.EAL, code("yes_no", "YN"[not eal]), day, language))
    looked_after = rng.random() < 0.03
    la = look.la_names.get(student.pk, "") if looked_after else ""
    needs.append(_need(student, NeedKind.LOOKED_AFTER, code("yes_no", "YN"[not looked_after]),
                       day, la))  # fmt: skip
    fsm = rng.random() < 0.3
    needs.append(_need(student, NeedKind.FSM, code("yes_no", "YN"[not fsm]), day))
    fsm6 = fsm or rng.random() < 0.12
    needs.append(_need(student, NeedKind.FSM6, code("yes_no", "YN"[not fsm6]), day))
    return needs


def _profile(rng: random.Random, student: Student, look: _Lookups, rows: _Rows) -> None:
    referred = look.referred[student.pk]
    rows.needs.extend(_needs(rng, student, look, referred - dt.timedelta(days=rng.randint(3, 20))))
    _contacts(rng, student, look, rows, referred)
    registered = look.agencies.get(student.partnership_id, [])
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        organisation = rng.choice(registered) if registered and rng.random() < 0.7 else None
        since = referred - dt.timedelta(days=rng.randint(0, 300))
        rows.agencies.append(
            StudentAgency(
                student=student, organisation=organisation,
                organisation_name="" if organisation else rng.choice(UNREGISTERED),
                worker_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(['Hill', 'Khan', 'Wood'])}",
                role=rng.choice(AGENCY_ROLES), since=since,
                source_kind=SourceKind.AGENCY if organisation else SourceKind.PARTNERSHIP,
                source_organisation=organisation, obtained_on=referred, verified_on=referred,
            )
        )  # fmt: skip
    author = look.key_workers.get(student.pk) or next(
        iter(look.staff.get(student.partnership_id, [])), None
    )
    plan = SupportPlan(student=student, created_by_id=author)
    rows.plans.append(plan)
    statuses = _statuses(rng, look.closed.get(student.pk, ("", look.today))[0])
    for domain, closing in zip(rng.sample(list(TARGETS), 3), statuses, strict=True):
        description, measure = TARGETS[domain]
        due = referred + dt.timedelta(days=rng.choice([42, 84, 126]))
        status = closing or (
            TargetStatus.OPEN if due > look.today else rng.choice(list(TargetStatus))
        )
        rows.targets.append(
            (len(rows.plans) - 1, Target(domain=domain, description=description, measure=measure,
                                         due_on=due, status=status))
        )  # fmt: skip
    _history(rng, student, look, rows, author)


def _contacts(
    rng: random.Random, student: Student, look: _Lookups, rows: _Rows, referred: dt.date
) -> None:
    """The carers named on the referral first, under the relationship they signed as (so
    the signer is on the contact list and is called the same everywhere, issue 19); then,
    for some, one more. Names already on the record are not added again."""
    have = look.contact_names.get(student.pk, set())
    named = [(c.name, c.relationship, c.email) for c in look.carers.get(student.pk, [])]
    extra = rng.choice([0, 1, 1]) if named else rng.choice([1, 2, 2])
    taken = {name.split()[0] for name, _, _ in named}
    for _ in range(extra):
        first = rng.choice([n for n in FIRST_NAMES if n not in taken])
        taken.add(first)
        named.append((f"{first} {student.last_name}", rng.choice(RELATIONSHIPS), ""))
    priority = len(have)
    for name, relationship, email in named:
        if name in have:
            continue
        priority += 1
        rows.contacts.append(
            Contact(
                student=student, name=name, relationship=relationship,
                parental_responsibility=True, phone=f"07700 9{rng.randint(0, 99999):05d}",
                email=email, priority=priority, source_kind=SourceKind.SCHOOL_IMPORT,
                source_note=IMPORT_NOTE, obtained_on=referred, verified_on=referred,
            )
        )  # fmt: skip


#: What a closed case's targets became, by the case's outcome: a case closed as "Targets
#: met" met them all, "not met" met none (issue 19). Other closures leave them as they were.
_CLOSING_STATUSES: dict[str, list[TargetStatus]] = {
    Outcome.MET: [TargetStatus.MET] * 3,
    Outcome.PARTLY_MET: [TargetStatus.MET, TargetStatus.PARTLY_MET, TargetStatus.NOT_MET],
    Outcome.NOT_MET: [TargetStatus.NOT_MET, TargetStatus.NOT_MET, TargetStatus.PARTLY_MET],
}


def _statuses(rng: random.Random, outcome: str) -> list[TargetStatus | None]:
    """The three targets' statuses at the case's close, or None (decided by due date)."""
    closing: list[TargetStatus | None] = [*_CLOSING_STATUSES.get(outcome, [])] or [None] * 3
    rng.shuffle(closing)
    return closing


def _history(
    rng: random.Random, student: Student, look: _Lookups, rows: _Rows, author: int | None
) -> None:
    referred = look.referred[student.pk]
    # Nothing is noted after the case closed.
    last = min(look.today, look.closed.get(student.pk, ("", look.today))[1])
    for kind, text in rng.sample(NOTES, rng.randint(3, 10)):
        day = max(referred, min(last, referred + dt.timedelta(days=rng.randint(0, 150))))
        rows.notes.append(
            CaseNote(student=student, kind=kind, happened_on=day, author_id=author)
        )  # fmt: skip
        rows.note_texts.append(text.encode())
    if rng.random() < 0.05:
        leads: list[int | None] = [*look.leads.get(student.partnership_id, [])] or [author]
        for _ in range(rng.choice([1, 1, 2])):
            category, details, actions = rng.choice(CONCERNS)
            day = min(look.today, referred + dt.timedelta(days=rng.randint(0, 150)))
            rows.concerns.append(
                SafeguardingConcern(
                    student=student, raised_on=day, category=look.categories[category],
                    raised_by_id=rng.choice(leads),
                )
            )  # fmt: skip
            rows.concern_texts.append((details.encode(), actions.encode()))


def _seal(rows: _Rows, look: _Lookups) -> None:
    """Seal the notes and concerns once inserted: each ciphertext names its row (P14)."""
    for note, text in zip(rows.notes, rows.note_texts, strict=True):
        note.text_encrypted = look.sealers[note.student.referral_id].encrypt(
            text, aad=NOTE_TEXT, row=row_id(note)
        )
    for concern, (details, actions) in zip(rows.concerns, rows.concern_texts, strict=True):
        sealer = look.sealers[concern.student.referral_id]
        concern.details_encrypted = sealer.encrypt(
            details, aad=CONCERN_DETAILS, row=row_id(concern)
        )
        concern.actions_encrypted = sealer.encrypt(
            actions, aad=CONCERN_ACTIONS, row=row_id(concern)
        )
    # Smaller batches than the inserts: an UPDATE from bulk_update scans a CASE of every
    # row in its batch for each row, so its cost grows with the batch squared.
    CaseNote.objects.bulk_update(rows.notes, ["text_encrypted"], batch_size=UPDATE_BATCH)
    SafeguardingConcern.objects.bulk_update(
        rows.concerns, ["details_encrypted", "actions_encrypted"], batch_size=UPDATE_BATCH
    )


def build_history(students: list[Student], seed: int) -> None:
    """Give each student without a profile their needs, contacts, agencies, plan, case
    notes and (for a few) safeguarding concerns. One audit event per call."""
    have = set(
        Need.objects.filter(student__in=[s.pk for s in students]).values_list("student", flat=True)
    )
    todo = sorted((s for s in students if s.pk not in have), key=lambda s: s.pk)
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    look = _lookups(todo)
    rows = _Rows()
    for student in todo:
        _profile(rng, student, look, rows)
    with transaction.atomic():
        # Details, contacts, agencies and targets are sealed fields (P14).
        seal_bulk_create(Need, rows.needs, batch_size=BATCH)
        seal_bulk_create(Contact, rows.contacts, batch_size=BATCH)
        seal_bulk_create(StudentAgency, rows.agencies, batch_size=BATCH)
        SupportPlan.objects.bulk_create(rows.plans, batch_size=BATCH)
        targets = []
        for index, target in rows.targets:
            target.plan = rows.plans[index]
            targets.append(target)
        seal_bulk_create(Target, targets, batch_size=BATCH)
        CaseNote.objects.bulk_create(rows.notes, batch_size=BATCH)
        SafeguardingConcern.objects.bulk_create(rows.concerns, batch_size=BATCH)
        _seal(rows, look)
        audit_record(actor=None, action="demo.records", detail={"students": len(todo)})
