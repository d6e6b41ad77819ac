"""Invented Common Transfer Files, written from the element paths in
``shared/domain/uk-school-data.md`` (no sample CTF is copied: none genuine exists).

- :func:`ctf_bytes` writes a file from :class:`PupilSpec` rows, for any version;
- :func:`secondary_school` invents a typical secondary school's pupils, deterministic by
  seed, with years of session marks;
- :func:`write_ctf` streams a file of any size to disk (the benchmark's 1,500 pupils);
- :data:`BROKEN` makes each kind of broken file the validator must refuse.

Used by the tests and ``benchmarks/ctf_import.py``; never by the import itself.
"""

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from random import Random
from xml.sax.saxutils import escape

from stdnum.gb.upn import calc_check_digit

from seip.attendance.calculations import tally
from seip.imports.marks import decode_marks


def make_upn(la: str, estab: str, year: int, serial: int) -> str:
    """A permanent UPN with a correct check letter."""
    body = f"{la}{estab}{year % 100:02d}{serial:03d}"
    return calc_check_digit(body) + body


def with_wrong_check_letter(upn: str) -> str:
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    return letters[(letters.index(upn[0]) + 1) % len(letters)] + upn[1:]


@dataclass(frozen=True)
class SchoolSpec:
    lea: str = "855"
    estab: str = "4001"
    urn: str = "120001"
    name: str = "Wreake Valley Academy"


@dataclass(frozen=True)
class ContactSpec:
    forename: str = "Sam"
    surname: str = "Example"
    relationship: str = "PAM"
    responsibility: str = "true"
    phone: str = "07700 900123"
    email: str = ""
    title: str = "Ms"


@dataclass(frozen=True)
class YearSpec:
    """One ``YearData``: marks as ``AttendanceMarks`` text from ``start``. The counts are
    computed from the marks unless given."""

    start: dt.date
    marks: str
    possible: int | None = None
    attended: int | None = None
    authorised: int | None = None
    unauthorised: int | None = None


@dataclass(frozen=True)
class PupilSpec:
    upn: str = "B801200005001"
    forename: str = "Jordan"
    surname: str = "Example"
    dob: str = "2012-03-14"
    sex: str = "M"
    nc_year: str = "9"
    former_upn: str = ""
    ethnicity: str = "WBRI"
    first_language: str = "ENG"
    fsm: tuple[tuple[str, str], ...] = ()
    in_care: str = "false"
    care_authority: str = ""
    sen: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...] = ()
    contacts: tuple[ContactSpec, ...] = (ContactSpec(),)
    years: tuple[YearSpec, ...] = ()
    school: SchoolSpec | None = None  # the attendance school; the file's source by default
    ks2: tuple[tuple[str, str], ...] = (("MAT", "104"), ("RDG", "101"))
    sex_element: str = ""  # "Gender" or "Sex"; by default chosen from the version
    extra: str = ""  # raw XML added inside the Pupil element (for broken files)


def _el(tag: str, value: object) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>" if value != "" else ""


def _year_xml(year: YearSpec, school: SchoolSpec) -> str:
    counts = tally(decode_marks(year.marks).stored)
    possible = counts.possible if year.possible is None else year.possible
    attended = counts.attended if year.attended is None else year.attended
    authorised = counts.authorised if year.authorised is None else year.authorised
    unauthorised = counts.unauthorised if year.unauthorised is None else year.unauthorised
    return (
        "<YearData>"
        f"<Year>{year.start.year if year.start.month >= 9 else year.start.year - 1}</Year>"
        f"{_el('LEA', school.lea)}{_el('Estab', school.estab)}{_el('SchoolName', school.name)}"
        f"<SessionsPossible>{possible}</SessionsPossible>"
        f"<SessionsAuthorised>{authorised}</SessionsAuthorised>"
        f"<SessionsAttended>{attended}</SessionsAttended>"
        f"<SessionsUnauthorised>{unauthorised}</SessionsUnauthorised>"
        f"<AttendSessions><AttendanceStartDate>{year.start.isoformat()}</AttendanceStartDate>"
        f"<AttendanceMarks>{escape(year.marks)}</AttendanceMarks></AttendSessions>"
        "</YearData>"
    )


def _phones(number: str) -> str:
    if not number:
        return ""
    return (
        f"<Phones><Phone><TelephoneType>M</TelephoneType>{_el('PhoneNo', number)}</Phone></Phones>"
    )


def pupil_xml(p: PupilSpec, *, version: str, school: SchoolSpec) -> str:
    sex_tag = p.sex_element or ("Sex" if float(version) >= 20 else "Gender")
    own = p.school or school
    fsm = "".join(
        f"<FSMinstance>{_el('FSMstartDate', s)}{_el('FSMendDate', e)}"
        "<UKcountry>ENG</UKcountry></FSMinstance>"
        for s, e in p.fsm
    )
    sen = "".join(
        f"<SEN>{_el('StartDate', start)}{_el('SENprovision', provision)}<SENneeds>"
        + "".join(
            f"<SENneed>{_el('SENtype', t)}{_el('SENtypeRank', r)}</SENneed>" for t, r in needs
        )
        + "</SENneeds></SEN>"
        for start, provision, needs in p.sen
    )
    contacts = "".join(
        f"<Contact><Order>{n}</Order>{_el('Title', c.title)}{_el('Forename', c.forename)}"
        f"{_el('Surname', c.surname)}{_el('Relationship', c.relationship)}"
        f"{_el('Responsibility', c.responsibility)}<AddressAsPupil>true</AddressAsPupil>"
        + _phones(c.phone)
        + f"{_el('Email', c.email)}</Contact>"
        for n, c in enumerate(p.contacts, 1)
    )
    years = "".join(_year_xml(y, own) for y in p.years)
    ks2 = "".join(
        f"<StageAssessment><Locale>ENG</Locale><Year>2023</Year>{_el('Subject', s)}"
        f"<Method>TT</Method><Component>SCORE</Component><ResultStatus>F</ResultStatus>"
        f"<ResultQualifier>SS</ResultQualifier>{_el('Result', r)}"
        "<ResultDate>2023-07-04</ResultDate></StageAssessment>"
        for s, r in p.ks2
    )
    return (
        "<Pupil>"
        f"{_el('UPN', p.upn)}{_el('Surname', p.surname)}{_el('Forename', p.forename)}"
        f"{_el('DOB', p.dob)}{_el(sex_tag, p.sex)}"
        "<BasicDetails>"
        f"{_el('FormerUPN', p.former_upn)}{_el('NCyearActual', p.nc_year)}"
        f"{_el('Ethnicity', p.ethnicity)}<EthnicitySource>P</EthnicitySource>"
        f"<Languages><Type><LanguageType>F</LanguageType>{_el('Language', p.first_language)}"
        "</Type></Languages><MedicalFlag>false</MedicalFlag><EnrolStatus>C</EnrolStatus>"
        "</BasicDetails>"
        f"<FSMhistory><FSMreviewDate>2025-09-01</FSMreviewDate>{fsm}</FSMhistory>"
        f"<LookedAfter>{_el('InCare', p.in_care)}{_el('CareAuthority', p.care_authority)}"
        "</LookedAfter>"
        f"<SENhistory>{sen}</SENhistory>"
        "<Address><AddressLines><AddressLine1>1 Mill Lane</AddressLine1>"
        "<AddressLine2>Syston</AddressLine2></AddressLines><County>Leicestershire</County>"
        "<PostCode>LE7 1AA</PostCode></Address>"
        f"<Contacts>{contacts}</Contacts>"
        f"<Attendance>{years}</Attendance>"
        f"<StageAssessments><KeyStage><Stage>KS2</Stage>{ks2}</KeyStage></StageAssessments>"
        f"<SchoolHistory><School>{_el('LEA', own.lea)}{_el('Estab', own.estab)}"
        f"{_el('SchoolName', own.name)}<EntryDate>2023-09-04</EntryDate>"
        "<LastSchool>true</LastSchool></School></SchoolHistory>"
        f"{p.extra}"
        "</Pupil>"
    )


def header_xml(*, version: str, school: SchoolSpec, when: str = "") -> str:
    major = int(version.split(".")[0])
    stamp = when or f"20{major:02d}-11-20T09:30:00"
    return (
        "<Header><DocumentName>Common Transfer File</DocumentName>"
        f"{_el('CTFversion', version)}{_el('DateTime', stamp)}"
        "<DocumentQualifier>full</DocumentQualifier><SupplierID>SEIP test</SupplierID>"
        f"<SourceSchool>{_el('LEA', school.lea)}{_el('Estab', school.estab)}"
        f"{_el('URN', school.urn)}{_el('SchoolName', school.name)}"
        f"<AcademicYear>20{major:02d}/{major + 1:02d}</AcademicYear></SourceSchool>"
        "<DestSchool><LEA>XXX</LEA><Estab>XXXX</Estab></DestSchool></Header>"
    )


def iter_ctf_text(
    pupils: Iterable[PupilSpec], *, version: str = "25.0", school: SchoolSpec = SchoolSpec()
) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>'
    yield header_xml(version=version, school=school)
    yield "<CTFpupilData>"
    for pupil in pupils:
        yield pupil_xml(pupil, version=version, school=school)
        yield "\n"
    yield "</CTFpupilData></CTfile>\n"


def ctf_bytes(
    pupils: Iterable[PupilSpec], *, version: str = "25.0", school: SchoolSpec = SchoolSpec()
) -> bytes:
    return "".join(iter_ctf_text(pupils, version=version, school=school)).encode()


def write_ctf(
    path: Path,
    pupils: Iterable[PupilSpec],
    *,
    version: str = "25.0",
    school: SchoolSpec = SchoolSpec(),
) -> Path:
    """Stream a CTF to ``path`` without holding it in memory."""
    with path.open("w", encoding="utf-8") as out:
        for part in iter_ctf_text(pupils, version=version, school=school):
            out.write(part)
    return path


def seeded(seed: int) -> Random:
    return Random(seed)  # noqa: S311 - invented test data, not security


# --- Registers -----------------------------------------------------------------------


def _school_days(academic_year: int) -> set[dt.date]:
    """Weekdays of a typical English year, less half terms and holidays."""
    first = dt.date(academic_year, 9, 3)
    last = dt.date(academic_year + 1, 7, 21)
    closed: set[dt.date] = set()
    for start, days in (
        (dt.date(academic_year, 10, 27), 7),  # autumn half term
        (dt.date(academic_year, 12, 20), 15),  # Christmas
        (dt.date(academic_year + 1, 2, 16), 7),  # spring half term
        (dt.date(academic_year + 1, 4, 3), 15),  # Easter
        (dt.date(academic_year + 1, 5, 25), 7),  # summer half term
    ):
        closed |= {start + dt.timedelta(days=n) for n in range(days)}
    days_out = set()
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in closed:
            days_out.add(day)
        day += dt.timedelta(days=1)
    return days_out


def register(academic_year: int, rng: random.Random, *, absence: float = 0.06) -> YearSpec:
    """A year of ``AttendanceMarks`` from 1 September: one mark per session, ``-`` on days
    that are not school days. From 2024/25 the 2024 codes appear (C1, J1, Y4)."""
    new = academic_year >= 2024
    reasons = ["I", "I", "I", "M", "N", "O", "G", "C", *(["C1", "J1"] if new else ["H", "J"])]
    start = dt.date(academic_year, 9, 1)
    end = dt.date(academic_year + 1, 8, 31)
    open_days = _school_days(academic_year)
    out: list[str] = []
    day = start
    while day <= end:
        if day not in open_days:
            out.append("--")
        elif rng.random() < absence:
            code = rng.choice(reasons)
            out.append(code * 2 if len(code) == 1 else code + code)
        elif new and rng.random() < 0.002:
            out.append("Y4Y4")
        else:
            out.append(("L" if rng.random() < 0.02 else "/") + "\\")
        day += dt.timedelta(days=1)
    return YearSpec(start=start, marks="".join(out))


_FORENAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "Noah",
    "Ava",
    "Leo",
    "Mia",
    "Arthur",
    "Ivy",
    "Alfie",
    "Freya",
    "Harry",
    "Priya",
    "Mohammed",
    "Zofia",
    "Kacper",
    "Aisha",
    "Ethan",
]
_SURNAMES = [
    "Smith",
    "Patel",
    "Jones",
    "Taylor",
    "Brown",
    "Khan",
    "Wilson",
    "Evans",
    "Kowalski",
    "Thomas",
    "Roberts",
    "Mistry",
    "Walker",
    "White",
    "Hughes",
    "Green",
]
_LANGUAGES = ["ENG"] * 8 + ["POL", "PNJ", "GUJ", "URD"]


def secondary_school(
    count: int,
    *,
    seed: int = 7,
    years: int = 5,
    last_year: int = 2025,
    school: SchoolSpec = SchoolSpec(),
) -> Iterator[PupilSpec]:
    """``count`` invented pupils of years 7 to 11, each with ``years`` years of marks
    ending in ``last_year`` (2025 for 2025/26), deterministic by ``seed``."""
    rng = seeded(seed)
    for n in range(count):
        nc = 7 + n % 5
        born = dt.date(last_year - nc - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
        absence = rng.choice([0.02, 0.04, 0.06, 0.12, 0.3])
        send = rng.random()
        sen: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...] = ()
        if send < 0.12:
            sen = (("2023-09-04", "K", (("SEMH", 1), ("SLCN", 2))),)
        elif send < 0.15:
            sen = (("2022-01-10", "E", (("ASD", 1),)),)
        fsm = (("2021-09-01", ""),) if rng.random() < 0.25 else ()
        surname = rng.choice(_SURNAMES)
        yield PupilSpec(
            # One allocation year per NC year, so n // 5 keeps UPNs unique to 5,000 pupils.
            upn=make_upn(school.lea, school.estab, last_year - nc + 6, n // 5),
            forename=rng.choice(_FORENAMES),
            surname=surname,
            dob=born.isoformat(),
            sex=rng.choice("MF"),
            nc_year=str(nc),
            ethnicity=rng.choice(["WBRI", "WBRI", "WBRI", "APKN", "AIND", "WPOL", "MWBC"]),
            first_language=rng.choice(_LANGUAGES),
            fsm=fsm,
            in_care="true" if rng.random() < 0.02 else "false",
            care_authority="855",
            sen=sen,
            contacts=(
                ContactSpec(forename=rng.choice(_FORENAMES), surname=surname),
                ContactSpec(forename=rng.choice(_FORENAMES), surname=surname, relationship="PAF"),
            ),
            years=tuple(
                register(year, rng, absence=absence)
                for year in range(last_year - years + 1, last_year + 1)
            ),
        )


# --- Broken files --------------------------------------------------------------------


def _valid(**overrides: object) -> PupilSpec:
    rng = seeded(1)
    return replace(PupilSpec(years=(register(2024, rng),)), **overrides)  # type: ignore[arg-type]


def _marks_with(code: str) -> YearSpec:
    year = register(2024, seeded(2))
    return replace(year, marks=year.marks.replace("/\\", code + "\\", 1))


#: Each way a file can be broken, as a function of the school it claims to come from.
BROKEN: dict[str, Callable[[SchoolSpec], bytes]] = {
    "truncated": lambda s: ctf_bytes([_valid()], school=s)[:-200],
    "wrong_root": lambda s: ctf_bytes([_valid()], school=s).replace(b"CTfile>", b"School>"),
    "no_header": lambda s: b'<?xml version="1.0"?><CTfile><CTFpupilData></CTFpupilData></CTfile>',
    "bad_version": lambda s: ctf_bytes([_valid()], version="11.0", school=s),
    "bad_check_letter": lambda s: ctf_bytes(
        [_valid(upn=with_wrong_check_letter("B801200005001"))], school=s
    ),
    "duplicate_upn": lambda s: ctf_bytes([_valid(), _valid(forename="Jamie")], school=s),
    "unknown_mark": lambda s: ctf_bytes([_valid(years=(_marks_with("Q9"),))], school=s),
    "sessions_do_not_add_up": lambda s: ctf_bytes(
        [_valid(years=(replace(register(2024, seeded(3)), possible=10),))], school=s
    ),
    "missing_dob": lambda s: ctf_bytes([_valid(dob="")], school=s),
    "bad_sex": lambda s: ctf_bytes([_valid(sex="Q")], school=s),
    "bad_ethnicity": lambda s: ctf_bytes([_valid(ethnicity="ZZZZ")], school=s),
    "bad_responsibility": lambda s: ctf_bytes(
        [_valid(contacts=(ContactSpec(responsibility="maybe"),))], school=s
    ),
    "negative_sessions": lambda s: ctf_bytes(
        [_valid(years=(replace(register(2024, seeded(4)), authorised=-1),))], school=s
    ),
}
