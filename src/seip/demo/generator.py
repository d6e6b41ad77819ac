"""A deterministic, invented county for the demo, the tests and the benchmarks.

Everything is derived from :class:`Scale` and fixed word lists, never from the clock or an
unseeded random source, so two runs build the same county. Each step looks for what it
would create first (by natural key), so running again reuses the data.

Later capabilities add their own steps to :data:`STEPS` (students, referrals, history),
each reading the same :class:`Scale`.
"""

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.services import membership_grant, user_create
from seip.attendance.demo import build_history as attendance_history
from seip.behaviour.demo import build_history as behaviour_history
from seip.demo.caseload import build_caseload
from seip.demo.casework import (
    Family,
    Personas,
    build_casework,
    build_consultations,
    build_named_staff,
    family_upn,
)
from seip.keys.fields import indexed, open_all
from seip.moves.demo import build_fair_access, build_moves
from seip.notices.demo import build_notices
from seip.organisations.models import (
    LocalAuthority,
    OrganisationType,
    PartnerOrganisation,
    Partnership,
    School,
)
from seip.organisations.services import (
    agreement_create,
    local_authority_create,
    organisation_create,
    partnership_create,
    partnership_logo_set,
    school_create,
)
from seip.placements.demo import build_placements
from seip.progress.models import PortalRelationship
from seip.progress.services import portal_link_grant
from seip.provision.demo import build_history as provision_history
from seip.records.demo import build_history as records_history
from seip.records.services import Source, contact_add
from seip.referrals.models import Referral
from seip.rights.demo import build_rights
from seip.sharing.demo import sharing_history
from seip.students.models import Student
from seip.students.sources import SourceKind
from seip.transfers.demo import give_recipient_key

LA_CODE = "855"
LA_NAME = "Leicestershire County Council"
DEMO_PASSWORD = "seip-demo-855-county"  # noqa: S105 - printed for the demo on purpose
DEMO_EMAIL_DOMAIN = "seip.example"

PARTNERSHIP_AREAS = [
    ("Wreake and Soar", "wreake-soar"),
    ("Charnwood Edge", "charnwood-edge"),
    ("Hinckmoor and Bosworth", "hinckmoor-bosworth"),
    ("Welland Heath", "welland-heath"),
    ("Ashvale and the Wolds", "ashvale-wolds"),
]
TOWNS = [
    "Ashvale",
    "Barrowby",
    "Cotesbrook",
    "Denford",
    "Elmsthorpe",
    "Foxley",
    "Glenmoor",
    "Harwell Green",
    "Ibstone",
    "Kirkby Fields",
    "Langmere",
    "Marefield",
    "Norbury",
    "Oakthorpe",
    "Peckleton Vale",
    "Quenby",
    "Rearsby Cross",
    "Sileby Moor",
    "Thurnby Lodge",
    "Ullesby",
    "Wigston Fields",
    "Yelverton",
    "Brookhouse",
    "Castleford Hill",
    "Dunmere",
    "Enderby Park",
    "Frisby",
    "Gaddesby",
    "Hathern Rise",
    "Keyham",
    "Lubenham",
    "Medbourne",
    "Newbold Heath",
    "Osgathorpe",
    "Packington",
    "Ratby Cross",
    "Stathern",
    "Tilton",
    "Walcote",
    "Whetstone Mill",
]
# Dark enough for white initials at WCAG AA.
LOGO_COLOURS = ["#0b4f8a", "#00703c", "#6f2c91", "#a8321f", "#28536b"]
#: School names join an invented place (a stem and an English place-name ending) and a kind
#: of school, with no number in them (issue 19): see :func:`school_name`.
PLACE_STEMS = [
    *("Ash", "Barrow", "Brook", "Cald", "Cotes", "Dun", "Elm", "Fox", "Glen", "Hather"),
    *("Kirk", "Lang", "Mar", "Nor", "Oak", "Quen", "Rad", "Sand", "Thorn", "Wal"),
    *("Whit", "Wood", "Ayle", "Bram", "Cran"),
]
PLACE_ENDINGS = [
    *("by", "ton", "ley", "field", "thorpe", "well"),
    *("worth", "ham", "ford", "bury", "mere", "stead"),
]
#: For counties with more schools than places: "Ashby Park Academy".
PLACE_QUALIFIERS = ["", " Park", " Hill", " Vale"]
SCHOOL_KINDS = [
    "Academy",
    "College",
    "High School",
    "Community College",
    "School",
    "Church of England Academy",
    "Free School",
    "Learning Trust Academy",
]
FIRST_NAMES = [
    "Alex",
    "Priya",
    "Sam",
    "Grace",
    "Tom",
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Farah",
]
LAST_NAMES = [
    "Hughes",
    "Patel",
    "Okafor",
    "Brennan",
    "Walsh",
    "Khan",
    "Turner",
    "Lowe",
    "Mistry",
    "Reid",
]

#: Organisations that work with every partnership: (name, type, DSA signed, DSA expires).
COUNTY_ORGANISATIONS = [
    (
        "County Child and Adolescent Mental Health Service",
        OrganisationType.HEALTH,
        dt.date(2025, 4, 1),
        dt.date(2028, 3, 31),
    ),
    ("School Nursing Service", OrganisationType.HEALTH, dt.date(2024, 9, 1), dt.date(2026, 12, 31)),
    (
        "Bridgeway Alternative Provision",
        OrganisationType.ALTERNATIVE_PROVIDER,
        dt.date(2025, 9, 1),
        dt.date(2027, 8, 31),
    ),
    (
        "Greenfields Land-Based Learning",
        OrganisationType.ALTERNATIVE_PROVIDER,
        dt.date(2023, 9, 1),
        dt.date(2026, 8, 31),
    ),
    (
        "Studio Twenty-One Creative Arts",
        OrganisationType.ALTERNATIVE_PROVIDER,
        dt.date(2025, 1, 6),
        dt.date(2027, 1, 5),
    ),
    (
        "Youth Mentoring Trust",
        OrganisationType.VOLUNTARY,
        dt.date(2025, 6, 1),
        dt.date(2027, 5, 31),
    ),
    ("Families First", OrganisationType.VOLUNTARY, dt.date(2024, 11, 1), dt.date(2027, 10, 31)),
    (
        "Early Help and Family Support",
        OrganisationType.LOCAL_AUTHORITY,
        dt.date(2025, 4, 1),
        dt.date(2028, 3, 31),
    ),
]


#: Each partnership numbers its schools in its own block, so growing one scale on top of
#: another gives every partnership the same number of schools.
SCHOOL_BLOCK = 400
MAX_PARTNERSHIPS = 8999 // SCHOOL_BLOCK


#: The demo co-ordinator's partnership refers this many times as many pupils as each other.
LEAD_WEIGHT = 3

#: The portal family: the student login is this child, and the parent login her mother,
#: who signed the referral and is on the contact list (issue 19).
FAMILY = Family(
    first_name="Maisie",
    last_name="Ashworth",
    carer_first_name="Gemma",
    relationship="Mother",
    email=f"parent@{DEMO_EMAIL_DOMAIN}",
)
#: One login for each role: (role, the email's local part). Partnership staff and
#: families are placed in the first partnership.
LOGIN_PLACEMENTS: list[tuple[Role, str]] = [
    (Role.COORDINATOR, "coordinator"),
    (Role.KEY_WORKER, "keyworker"),
    (Role.SAFEGUARDING_LEAD, "safeguarding"),
    (Role.DPO, "dpo"),
    (Role.SCHOOL_CONTACT, "school"),
    (Role.PROVIDER_CONTACT, "provider"),
    (Role.AGENCY_CONTACT, "agency"),
    (Role.LA_OFFICER, "la"),
    (Role.PARENT_CARER, "parent"),
    (Role.STUDENT, "student"),
    (Role.SYSTEM_ADMIN, "admin"),
]


@dataclass(frozen=True)
class Scale:
    partnerships: int = 5
    schools_per_partnership: int = 8
    #: Pupils referred across the county, at every stage from draft to left. The default
    #: is the smallest county whose default reports show figures rather than ``c`` and
    #: whose impact section estimates (issue 17; ADR 0037): the first partnership gets
    #: three shares (:func:`shares`), most of it in the last school year.
    students: int = 1500

    def __post_init__(self) -> None:
        if not 1 <= self.schools_per_partnership <= SCHOOL_BLOCK:
            raise ValueError(f"schools_per_partnership must be 1 to {SCHOOL_BLOCK}")
        if not 1 <= self.partnerships <= MAX_PARTNERSHIPS:
            raise ValueError(f"partnerships must be 1 to {MAX_PARTNERSHIPS}")


@dataclass
class County:
    authority: LocalAuthority
    partnerships: list[Partnership] = field(default_factory=list)
    organisations: dict[str, PartnerOrganisation] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    full_name: str
    where: str


def _person(i: int) -> str:
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 3) % len(LAST_NAMES)]}"


def login_name(local: str) -> str:
    """The full name of the demo login ``local@seip.example``. The first partnership's
    notice names the co-ordinator and DPO logins, and the family logins are the portal
    child and the carer who signed for her (issue 19)."""
    if local == "parent":
        return FAMILY.carer
    if local == "student":
        return f"{FAMILY.first_name} {FAMILY.last_name}"
    index = next(i for i, (_, name) in enumerate(LOGIN_PLACEMENTS) if name == local)
    return _person(index + 20)


def school_name(p_index: int, s_index: int) -> str:
    """The ``s_index``-th school of the ``p_index``-th partnership: unique in the county
    (up to the largest :class:`Scale`) and with no number in it (issue 19).

    Schools take places in turn across the partnerships, so a small county's schools are
    all in different places; the kinds of school vary with the place. Once the places run
    out, the next round of 8 uses them again with a qualifier ("Park", "Hill", "Vale"),
    each place then with a different kind, so no name repeats."""
    places = len(PLACE_STEMS) * len(PLACE_ENDINGS)
    slot = s_index * MAX_PARTNERSHIPS + p_index
    rounds, x = divmod(slot, places)
    # 251 is coprime with the number of places: neighbouring slots get unlike places.
    stem, ending = divmod(x * 251 % places, len(PLACE_ENDINGS))
    kind = (rounds + x * 5) % len(SCHOOL_KINDS)
    qualifier = PLACE_QUALIFIERS[rounds // len(SCHOOL_KINDS)]
    return f"{PLACE_STEMS[stem]}{PLACE_ENDINGS[ending]}{qualifier} {SCHOOL_KINDS[kind]}"


def _partnership_area(i: int) -> tuple[str, str]:
    base, slug = PARTNERSHIP_AREAS[i % len(PARTNERSHIP_AREAS)]
    if i < len(PARTNERSHIP_AREAS):
        return base, slug
    return f"{base} {i // len(PARTNERSHIP_AREAS) + 1}", f"{slug}-{i // len(PARTNERSHIP_AREAS) + 1}"


def build_county(scale: Scale) -> County:
    authority = LocalAuthority.objects.filter(la_code=LA_CODE).first() or local_authority_create(
        name=LA_NAME, la_code=LA_CODE, actor=None
    )
    county = County(authority=authority)
    for i in range(scale.partnerships):
        area, slug = _partnership_area(i)
        name = f"{area} SEIP"
        # The first partnership's notice names the demo's co-ordinator and DPO logins.
        coordinator, dpo = (
            ("coordinator", "dpo") if i == 0 else (f"coordinator@{slug}", f"dpo@{slug}")
        )
        partnership = Partnership.objects.filter(slug=slug).first() or partnership_create(
            local_authority=authority,
            name=name,
            slug=slug,
            address=(
                f"The Inclusion Centre\n{i + 1} Station Road\n{TOWNS[i % len(TOWNS)]}\n"
                f"LE{i % 19 + 1} {i % 9 + 1}AB"
            ),
            phone=f"0116 496 {i:04d}",
            email=f"office@{slug}.{DEMO_EMAIL_DOMAIN}",
            coordinator_name=login_name("coordinator") if i == 0 else _person(i),
            coordinator_email=f"{coordinator}.{DEMO_EMAIL_DOMAIN}"
            if i
            else f"{coordinator}@{DEMO_EMAIL_DOMAIN}",
            coordinator_phone=f"0116 496 {i + 100:04d}",
            dpo_name=login_name("dpo") if i == 0 else _person(i + 5),
            dpo_email=f"{dpo}.{DEMO_EMAIL_DOMAIN}" if i else f"{dpo}@{DEMO_EMAIL_DOMAIN}",
            actor=None,
        )
        if not partnership.logo:
            partnership_logo_set(
                partnership=partnership,
                filename=f"{slug}.svg",
                content=_logo_svg(area, LOGO_COLOURS[i % len(LOGO_COLOURS)]),
                actor=None,
            )
        county.partnerships.append(partnership)
    return county


def _logo_svg(area: str, colour: str) -> bytes:
    """A plain, invented logo: the area's initials on a coloured disc."""
    initials = "".join(word[0] for word in area.split() if word[0].isupper())[:3]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
        f'<circle cx="20" cy="20" r="19" fill="{colour}" stroke="#fff" stroke-width="2"/>'
        '<text x="20" y="25" font-family="Arial,sans-serif" font-size="13" font-weight="700" '
        f'fill="#fff" text-anchor="middle">{initials}</text></svg>'
    ).encode()


def build_schools(county: County, scale: Scale) -> None:
    existing = set(School.objects.values_list("urn", flat=True))
    for p_index, partnership in enumerate(county.partnerships):
        for s_index in range(scale.schools_per_partnership):
            n = p_index * SCHOOL_BLOCK + s_index
            urn = f"{138000 + n:06d}"
            if urn in existing:
                continue
            school_create(
                partnership=partnership,
                urn=urn,
                establishment_number=f"{1000 + n:04d}",
                name=school_name(p_index, s_index),
                actor=None,
            )


def build_organisations(county: County, scale: Scale) -> None:
    for name, kind, signed, expires in COUNTY_ORGANISATIONS:
        organisation = PartnerOrganisation.objects.filter(name=name, type=kind).first()
        if organisation is None:
            organisation = organisation_create(
                name=name, type=kind, partnerships=county.partnerships, actor=None
            )
        else:
            organisation.partnerships.add(*county.partnerships)
        give_recipient_key(organisation)  # so the demo can send a transfer package (P15)
        county.organisations[name] = organisation
        for partnership in county.partnerships:
            reference = f"DSA-{partnership.slug.upper()}-{organisation.pk:03d}"
            if not partnership.agreements.filter(reference=reference).exists():
                agreement_create(
                    organisation=organisation,
                    partnership=partnership,
                    reference=reference,
                    signed_on=signed,
                    expires_on=expires,
                    actor=None,
                )


def shares(students: int, partnerships: int) -> list[int]:
    """How many pupils each partnership refers: the first (the demo co-ordinator's) three
    shares, every other one share. Reports of the partnership a new user opens first then
    count groups big enough to show (issue 17); the others stay smaller, as real ones vary."""
    weights = [LEAD_WEIGHT] + [1] * (partnerships - 1)
    whole = sum(weights)
    counts = [students * w // whole for w in weights]
    for index in range(students - sum(counts)):  # the remainder, one each from the first
        counts[index % partnerships] += 1
    return counts


def build_students(county: County, scale: Scale) -> None:
    key_worker = User.objects.get(email=f"keyworker@{DEMO_EMAIL_DOMAIN}")
    personas = Personas(key_worker=key_worker, family=FAMILY)
    for index, (partnership, count) in enumerate(
        zip(county.partnerships, shares(scale.students, len(county.partnerships)), strict=True)
    ):
        build_consultations(partnership, 6, index)
        casework = build_casework(partnership, count, index, personas if index == 0 else None)
        # Histories only for students made in this run, so a second run adds nothing.
        students = list(
            Student.objects.filter(pk__in=[s.pk for s in casework.students])
            .select_related("school", "referral", "partnership")
            .order_by("pk")
        )
        for build in HISTORIES:
            chosen = students
            if inspect.unwrap(build) is provision_history:  # a benchmark may wrap it
                chosen = [s for s in students if s.pk not in casework.advice_only]
            if chosen:
                build(chosen, 855_100 + index)


#: Each part of the student record adds a history for the demo's students, in bulk.
HISTORIES: list[Callable[[list[Student], int], None]] = [
    records_history,
    attendance_history,
    behaviour_history,
    provision_history,
    sharing_history,  # after provision: providers of running placements work with them
]


def demo_logins(
    county: County,
) -> list[tuple[DemoLogin, Partnership | None, PartnerOrganisation | None]]:
    """One login for each role, placed in the first partnership."""
    first = county.partnerships[0]
    school_org = first.schools.order_by("urn").first()
    la_org = PartnerOrganisation.objects.get(local_authority=county.authority)
    provider = county.organisations["Bridgeway Alternative Provision"]
    agency = county.organisations["County Child and Adolescent Mental Health Service"]
    school = school_org.organisation if school_org else None
    placed: dict[Role, tuple[Partnership | None, PartnerOrganisation | None]] = {
        Role.SCHOOL_CONTACT: (None, school),
        Role.PROVIDER_CONTACT: (None, provider),
        Role.AGENCY_CONTACT: (None, agency),
        Role.LA_OFFICER: (None, la_org),
        Role.SYSTEM_ADMIN: (None, None),
    }
    result = []
    for role, local in LOGIN_PLACEMENTS:
        partnership, organisation = placed.get(role, (first, None))
        where = partnership.name if partnership else organisation.name if organisation else "SEIP"
        login = DemoLogin(role, f"{local}@{DEMO_EMAIL_DOMAIN}", login_name(local), where)
        result.append((login, partnership, organisation))
    return result


def build_logins(county: County, scale: Scale) -> None:
    """The demo logins, before the casework, which is written around them: the
    co-ordinator login decides, the key worker login holds a caseload. Every partnership
    also gets the co-ordinator and DPO its notice names (without a password)."""
    for login, partnership, organisation in demo_logins(county):
        user = User.objects.filter(email=login.email).first() or user_create(
            email=login.email, full_name=login.full_name, password=DEMO_PASSWORD, actor=None
        )
        membership_grant(
            user=user,
            role=login.role,
            partnership=partnership,
            organisation=organisation,
            actor=None,
        )
    for partnership in county.partnerships:
        build_named_staff(partnership)


def portal_student(partnership: Partnership) -> Student | None:
    """The portal family's child (:data:`FAMILY`), once the casework has accepted her."""
    upn = family_upn(partnership)
    referral = (
        Referral.objects.filter(partnership=partnership, upn_index=indexed("upn", upn)).first()
        if upn
        else None
    )
    return Student.objects.filter(referral=referral, archived_at__isnull=True).first()


def build_portal(county: County, scale: Scale) -> None:
    """The demo parent and student follow the student login's own record (P03): the parent
    login is the carer who signed its referral, and is on its contact list."""
    first = county.partnerships[0]
    student = portal_student(first)
    coordinator = User.objects.filter(email=f"coordinator@{DEMO_EMAIL_DOMAIN}").first()
    if student is None or coordinator is None:
        return
    parent = User.objects.get(email=FAMILY.email)
    # Portal access goes only to a parent on the contact list with parental responsibility.
    # Emails are sealed: a child's few contacts are compared here, not in SQL (ADR 0034).
    contacts = list(student.contacts.all())
    open_all(contacts, [student.referral_id])
    if not any(c.email == parent.email for c in contacts):
        contact_add(
            student=student,
            name=parent.full_name,
            relationship=FAMILY.relationship,
            parental_responsibility=True,
            email=parent.email,
            source=Source(kind=SourceKind.FAMILY, obtained_on=timezone.localdate()),
            actor=coordinator,
        )
    for email, relationship in (
        (parent.email, PortalRelationship.PARENT_CARER),
        (f"student@{DEMO_EMAIL_DOMAIN}", PortalRelationship.STUDENT),
    ):
        user = User.objects.get(email=email)
        portal_link_grant(
            user=user,
            student=student,
            relationship=relationship,
            parental_responsibility=relationship == PortalRelationship.PARENT_CARER,
            actor=coordinator,
        )


def build_key_worker_caseload(county: County, scale: Scale) -> None:
    build_caseload(User.objects.get(email=f"keyworker@{DEMO_EMAIL_DOMAIN}"))


def build_moves_and_fair_access(county: County, scale: Scale) -> None:
    """Managed moves and a Fair Access panel in the first partnership (ADR 0048)."""
    coordinator = User.objects.filter(email=f"coordinator@{DEMO_EMAIL_DOMAIN}").first()
    if coordinator is not None:
        build_moves(county.partnerships[0], coordinator)
        build_fair_access(county.partnerships[0], coordinator)


def build_key_worker_placements(county: County, scale: Scale) -> None:
    """Placements, part-time timetables and a suspension past day 5 (issue 20)."""
    build_placements(User.objects.get(email=f"keyworker@{DEMO_EMAIL_DOMAIN}"))


STEPS: list[Callable[[County, Scale], None]] = [
    build_schools,
    build_organisations,
    build_logins,
    build_notices,
    build_students,
    build_portal,
    build_key_worker_caseload,
    build_moves_and_fair_access,
    build_key_worker_placements,
]


@transaction.atomic
def generate(scale: Scale) -> tuple[County, list[DemoLogin]]:
    """Build (or find) the whole demo county in one transaction: all or nothing."""
    county = build_county(scale)
    for step in STEPS:
        step(county, scale)
    build_rights(county.partnerships[0])
    return county, [login for login, _, _ in demo_logins(county)]
