"""A safe, streaming reader for the Common Transfer File (CTF), versions 12.0 to 25.0.

Safety (issue 7): the file is read through :class:`_GuardedReader`, which counts bytes and
refuses a file over ``max_bytes`` while it is still being read, and refuses any DTD or
entity declaration before the XML parser sees it. The parser itself is lxml's
``iterparse`` with entities unresolved, no network, no DTD loading and libxml2's size
limits on (``huge_tree=False``); a DOCTYPE that reached it anyway (for example in a
UTF-16 file the byte check cannot read) is refused at the root element. Nesting deeper
than ``max_depth`` is refused. Each pupil's elements are cleared once read, so memory
holds the pupils' values, never the document tree.

Every value goes through the rules in :mod:`seip.imports.validation`; the result is typed
dataclasses and the problems found, each naming the pupil and the element.
"""

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from seip.attendance.calculations import Counts, tally
from seip.attendance.marks import NO_MARK, slot, year_length
from seip.core.calendar import academic_year as academic_year_of
from seip.imports import codes
from seip.imports.marks import decode_marks
from seip.imports.validation import Checker, CtfRefused, Problem, check_version

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_DEPTH = 32
#: Elements in one pupil (or the header). A pupil with five years of attendance, SEN
#: history, contacts and assessments has a few hundred.
MAX_PUPIL_ELEMENTS = 20_000
#: ``AttendanceMarks`` text longer than a year of three-character marks cannot be valid.
MAX_MARKS_TEXT = 3 * 2 * 366
_CHUNK = 64 * 1024
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_ROOT = "CTfile"
_PUPILS = "CTfile/CTFpupilData"


@dataclass(frozen=True)
class Header:
    version: str
    document_name: str
    date_time: dt.datetime | None
    qualifier: str
    source_lea: str
    source_estab: str
    source_urn: str
    source_name: str
    academic_year: str
    dest_lea: str
    dest_estab: str

    @property
    def source_laestab(self) -> str:
        return f"{self.source_lea}{self.source_estab}"


@dataclass(frozen=True)
class FsmSpell:
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class SenNeed:
    type: str
    rank: int | None


@dataclass(frozen=True)
class SenRecord:
    start: dt.date | None
    provision: str
    needs: tuple[SenNeed, ...]


@dataclass(frozen=True)
class Contact:
    order: int | None
    title: str
    forename: str
    surname: str
    relationship: str
    parental_responsibility: bool
    phone: str
    email: str
    address: str

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.title, self.forename, self.surname) if part)


@dataclass(frozen=True)
class AttendanceYearData:
    academic_year: int
    lea: str
    estab: str
    school_name: str
    possible: int | None
    attended: int | None
    authorised: int | None
    unauthorised: int | None
    marks: str  # the whole academic year, in the attendance app's storage encoding
    counts: Counts  # recomputed from the marks


@dataclass(frozen=True)
class StageAssessment:
    stage: str
    locale: str
    year: str
    subject: str
    method: str
    component: str
    result_status: str
    result_qualifier: str
    result: str
    result_date: dt.date | None


@dataclass(frozen=True)
class SchoolSpell:
    lea: str
    estab: str
    name: str
    entry: dt.date | None
    leaving: dt.date | None
    leaving_reason: str
    last_school: bool


@dataclass
class Pupil:
    position: int
    upn: str
    upn_temporary: bool
    former_upns: list[str]
    uln: str
    surname: str
    forename: str
    preferred_surname: str
    preferred_forename: str
    date_of_birth: dt.date | None
    sex: str
    nc_year: str
    ethnicity: str
    first_language: str
    fsm: list[FsmSpell]
    looked_after: bool | None
    care_authority: str
    sen: list[SenRecord]
    address: str
    contacts: list[Contact]
    attendance: list[AttendanceYearData]
    assessments: list[StageAssessment]
    schools: list[SchoolSpell]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class CtfFile:
    header: Header
    pupils: list[Pupil]
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def valid(self) -> bool:
        return not self.errors


class _GuardedReader:
    """A file-like wrapper that refuses DTDs and entity declarations in the raw bytes and
    stops reading past ``max_bytes``, so neither reaches the parser."""

    def __init__(self, stream: IO[bytes], max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.read_bytes = 0
        self._tail = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(_CHUNK if size is None or size < 0 else min(size, _CHUNK))
        self.read_bytes += len(chunk)
        if self.read_bytes > self.max_bytes:
            raise CtfRefused(_too_large(self.max_bytes))
        window = self._tail + chunk
        if any(marker in window for marker in _FORBIDDEN):
            raise CtfRefused(
                "The file declares a DTD or entities (<!DOCTYPE or <!ENTITY). A CTF never "
                "does, and such files are refused for safety"
            )
        self._tail = window[-16:]
        return chunk


def _too_large(max_bytes: int) -> str:
    return (
        f"The file is larger than the limit of {max_bytes // (1024 * 1024)} MB and was "
        "refused. A CTF for a whole secondary school is usually a few MB"
    )


def _t(el: Any, tag: str) -> str:
    value = el.findtext(tag)
    return value.strip() if value else ""


def _texts(el: Any) -> dict[str, str]:
    """The stripped text of each direct child by tag, the first of each tag (as
    ``findtext`` gives): one pass over the children instead of a search per value."""
    found: dict[str, str] = {}
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag not in found:
            text = child.text
            found[tag] = text.strip() if text else ""
    return found


def _children(el: Any, path: str) -> list[Any]:
    return list(el.iterfind(path))


def read_header(el: Any) -> Header:
    """The header, or :class:`CtfRefused`: a file whose source cannot be told is unusable."""
    check = Checker()
    base = "CTfile/Header"
    version = check_version(_t(el, "CTFversion"))
    name = check.required(f"{base}/DocumentName", _t(el, "DocumentName")) or ""
    raw_dt = _t(el, "DateTime")
    when = check.datetime(f"{base}/DateTime", raw_dt) if raw_dt else None
    src = el.find("SourceSchool")
    if src is None:
        check.error(f"{base}/SourceSchool", "The source school is missing")
        lea = estab = urn = school_name = year = ""
    else:
        lea = check.lea(f"{base}/SourceSchool/LEA", _t(src, "LEA")) or ""
        estab = check.estab(f"{base}/SourceSchool/Estab", _t(src, "Estab")) or ""
        urn = check.urn(f"{base}/SourceSchool/URN", _t(src, "URN")) or ""
        school_name = _t(src, "SchoolName")
        year = _t(src, "AcademicYear")
    dest = el.find("DestSchool")
    dest_lea = _t(dest, "LEA") if dest is not None else ""
    dest_estab = _t(dest, "Estab") if dest is not None else ""
    if check.errors:
        raise CtfRefused(
            "The file's header is not valid: " + "; ".join(str(p) for p in check.errors),
            check.errors,
        )
    return Header(
        version=version,
        document_name=name,
        date_time=when,
        qualifier=_t(el, "DocumentQualifier"),
        source_lea=lea,
        source_estab=estab,
        source_urn=urn,
        source_name=school_name,
        academic_year=year,
        dest_lea=dest_lea,
        dest_estab=dest_estab,
    )


def _address(el: Any) -> str:
    if el is None:
        return ""
    lines: list[str] = []
    bs = el.find("BS7666Address")
    if bs is not None:
        tags = ("SAON", "PAON", "Street", "Locality", "Town", "AdministrativeArea", "PostTown")
        found = _texts(bs)
        lines += [found.get(tag, "") for tag in tags]
    plain = el.find("AddressLines")
    if plain is not None:
        found = _texts(plain)
        lines += [found.get(f"AddressLine{n}", "") for n in range(1, 6)]
    found = _texts(el)
    lines += [found.get("County", ""), found.get("PostCode", "")]
    return ", ".join(line for line in lines if line)


def _phone(el: Any) -> str:
    for phone in el.iterfind("Phones/Phone"):
        if number := _t(phone, "PhoneNo"):
            return number
    return ""


def _sex(texts: dict[str, str], base: str, check: Checker) -> str:
    value = texts.get("Sex") or texts.get("Gender") or ""
    if not value:
        check.error(f"{base}/Sex", "Sex (or Gender) is missing, and it is required")
        return ""
    return check.code(f"{base}/Sex", value, codes.SEX_CODES, "sex") or ""


def _fsm(el: Any, base: str, check: Checker) -> list[FsmSpell]:
    spells = []
    for n, inst in enumerate(el.iterfind("FSMhistory/FSMinstance"), 1):
        path = f"{base}/FSMhistory/FSMinstance[{n}]"
        start = check.date(f"{path}/FSMstartDate", _t(inst, "FSMstartDate"), required=True)
        end = check.date(f"{path}/FSMendDate", _t(inst, "FSMendDate"))
        if start and end and end < start:
            check.error(f"{path}/FSMendDate", "The end date is before the start date")
        spells.append(FsmSpell(start, end))
    return spells


def _sen(el: Any, base: str, check: Checker) -> list[SenRecord]:
    records = []
    for n, sen in enumerate(el.iterfind("SENhistory/SEN"), 1):
        path = f"{base}/SENhistory/SEN[{n}]"
        start = check.date(f"{path}/StartDate", _t(sen, "StartDate"))
        provision = check.code(
            f"{path}/SENprovision", _t(sen, "SENprovision"), codes.SEN_PROVISION, "SEN provision"
        )
        needs = []
        for m, need in enumerate(sen.iterfind("SENneeds/SENneed"), 1):
            npath = f"{path}/SENneeds/SENneed[{m}]"
            kind = check.code(f"{npath}/SENtype", _t(need, "SENtype"), codes.SEN_TYPES, "SEN type")
            rank_text = _t(need, "SENtypeRank")
            rank = int(rank_text) if rank_text in {"1", "2"} else None
            if rank_text and rank is None:
                check.error(f"{npath}/SENtypeRank", f"“{rank_text}” is not a rank (1 or 2)")
            if kind:
                needs.append(SenNeed(kind, rank))
        records.append(SenRecord(start, provision or "", tuple(needs)))
    return records


def _contacts(el: Any, base: str, check: Checker, pupil_address: str) -> list[Contact]:
    contacts = []
    for n, c in enumerate(el.iterfind("Contacts/Contact"), 1):
        c_t = _texts(c)
        path = f"{base}/Contacts/Contact[{n}]"
        order_text = c_t.get("Order", "")
        order = int(order_text) if order_text.isascii() and order_text.isdigit() else None
        raw_pr = c_t.get("Responsibility", "")
        pr = check.boolean(f"{path}/Responsibility", raw_pr) if raw_pr else False
        relationship = c_t.get("Relationship", "")
        as_pupil = c.find("AddressAsPupil")
        address = _address(c.find("Address"))
        if as_pupil is not None and codes.BOOLEANS.get((as_pupil.text or "").strip().lower()):
            address = pupil_address
        contacts.append(
            Contact(
                order=order,
                title=c_t.get("Title", ""),
                forename=c_t.get("Forename", ""),
                surname=c_t.get("Surname", ""),
                relationship=codes.RELATIONSHIPS.get(relationship, relationship),
                parental_responsibility=bool(pr),
                phone=_phone(c),
                email=c_t.get("Email", ""),
                address=address,
            )
        )
    return contacts


def _year_data(yd: Any, path: str, check: Checker) -> AttendanceYearData | None:
    yd_t = _texts(yd)
    counts = {
        name: check.count(f"{path}/Sessions{name}", yd_t.get(f"Sessions{name}", ""))
        for name in ("Possible", "Attended", "Authorised", "Unauthorised")
    }
    lea, estab = yd_t.get("LEA", ""), yd_t.get("Estab", "")
    check.lea(f"{path}/LEA", lea)
    check.estab(f"{path}/Estab", estab)
    possible = counts["Possible"]
    parts = [counts["Attended"], counts["Authorised"], counts["Unauthorised"]]
    if possible is not None and sum(p or 0 for p in parts) > possible:
        check.error(
            f"{path}/SessionsPossible",
            f"Attended + authorised + unauthorised sessions ({sum(p or 0 for p in parts)}) "
            f"is more than the possible sessions ({possible})",
        )
    sessions = _children(yd, "AttendSessions")
    if not sessions:
        check.error(f"{path}/AttendSessions", "The year has no AttendSessions")
        return None
    year: int | None = None
    stored: list[str] | None = None
    for n, block in enumerate(sessions, 1):
        bpath = f"{path}/AttendSessions[{n}]" if len(sessions) > 1 else f"{path}/AttendSessions"
        start = check.date(
            f"{bpath}/AttendanceStartDate", _t(block, "AttendanceStartDate"), required=True
        )
        if start is None:
            return None
        this_year = academic_year_of(start)
        if year is None or stored is None:
            year = this_year
            stored = list(NO_MARK * year_length(year))
        elif this_year != year:
            check.error(f"{bpath}/AttendanceStartDate", "The sessions are in another year")
            return None
        text = block.findtext("AttendanceMarks") or ""
        if len(text) > MAX_MARKS_TEXT:
            check.error(f"{bpath}/AttendanceMarks", "The marks are longer than a school year")
            return None
        decoded = decode_marks(text)
        for index, mark in decoded.unknown[:5]:
            check.error(
                f"{bpath}/AttendanceMarks",
                f"“{mark}” (session {index + 1}) is not an attendance code",
            )
        if decoded.unknown:
            return None
        first = slot(year, start)
        if first + len(decoded.stored) > len(stored):
            check.error(f"{bpath}/AttendanceMarks", "The marks run past 31 August")
            return None
        stored[first : first + len(decoded.stored)] = decoded.stored
    if year is None or stored is None:  # pragma: no cover - there was at least one block
        return None
    year_text = yd_t.get("Year", "")
    if year_text and year_text not in {str(year), str(year + 1)}:
        check.error(f"{path}/Year", f"“{year_text}” is not the year of AttendanceStartDate")
    marks = "".join(stored)
    recomputed = tally(marks)
    if possible is not None and recomputed.possible != possible:
        check.warn(
            f"{path}/SessionsPossible",
            f"The marks hold {recomputed.possible} possible sessions, not {possible}",
        )
    return AttendanceYearData(
        academic_year=year,
        lea=lea,
        estab=estab,
        school_name=yd_t.get("SchoolName", ""),
        possible=possible,
        attended=counts["Attended"],
        authorised=counts["Authorised"],
        unauthorised=counts["Unauthorised"],
        marks=marks,
        counts=recomputed,
    )


def _attendance(el: Any, base: str, check: Checker) -> list[AttendanceYearData]:
    years = []
    seen: set[tuple[int, str, str]] = set()
    for n, yd in enumerate(el.iterfind("Attendance/YearData"), 1):
        path = f"{base}/Attendance/YearData[{n}]"
        data = _year_data(yd, path, check)
        if data is None:
            continue
        key = (data.academic_year, data.lea, data.estab)
        if key in seen:
            check.error(path, "The same school and year appear twice")
            continue
        seen.add(key)
        years.append(data)
    return years


def _assessments(el: Any, base: str, check: Checker) -> list[StageAssessment]:
    found = []
    for n, ks in enumerate(el.iterfind("StageAssessments/KeyStage"), 1):
        stage = _t(ks, "Stage")
        for m, a in enumerate(ks.iterfind("StageAssessment"), 1):
            a_t = _texts(a)
            path = f"{base}/StageAssessments/KeyStage[{n}]/StageAssessment[{m}]"
            found.append(
                StageAssessment(
                    stage=stage,
                    locale=a_t.get("Locale", ""),
                    year=a_t.get("Year", ""),
                    subject=a_t.get("Subject", ""),
                    method=a_t.get("Method", ""),
                    component=a_t.get("Component", ""),
                    result_status=a_t.get("ResultStatus", ""),
                    result_qualifier=a_t.get("ResultQualifier", ""),
                    result=a_t.get("Result", ""),
                    result_date=check.date(f"{path}/ResultDate", a_t.get("ResultDate", "")),
                )
            )
    return found


def _schools(el: Any, base: str, check: Checker) -> list[SchoolSpell]:
    spells = []
    for n, s in enumerate(el.iterfind("SchoolHistory/School"), 1):
        s_t = _texts(s)
        path = f"{base}/SchoolHistory/School[{n}]"
        spells.append(
            SchoolSpell(
                lea=s_t.get("LEA", ""),
                estab=s_t.get("Estab", ""),
                name=s_t.get("SchoolName", ""),
                entry=check.date(f"{path}/EntryDate", s_t.get("EntryDate", "")),
                leaving=check.date(f"{path}/LeavingDate", s_t.get("LeavingDate", "")),
                leaving_reason=s_t.get("LeavingReason", ""),
                last_school=codes.BOOLEANS.get(s_t.get("LastSchool", "").lower(), False),
            )
        )
    return spells


def _first_language(el: Any) -> str:
    for lang in el.iterfind("BasicDetails/Languages/Type"):
        if _t(lang, "LanguageType") == codes.FIRST_LANGUAGE:
            return _t(lang, "Language")
    return ""


def read_pupil(el: Any, position: int) -> Pupil:
    """One ``Pupil`` element as a :class:`Pupil`, with the problems found in it."""
    base = f"{_PUPILS}/Pupil[{position}]"
    el_t = _texts(el)
    details = el.find("BasicDetails")
    bd_t = _texts(details) if details is not None else {}
    raw_upn = el_t.get("UPN", "")
    check = Checker(position, raw_upn)
    upn = check.unique_pupil_number(f"{base}/UPN", raw_upn) if raw_upn else None
    if not raw_upn:
        check.error(f"{base}/UPN", "The UPN is missing, and it is required")
    if upn is not None:
        check.pupil_upn = upn.value
    former = []
    for n, f in enumerate(el.iterfind("BasicDetails/FormerUPN"), 1):
        if f.text and f.text.strip():
            found = check.unique_pupil_number(f"{base}/BasicDetails/FormerUPN[{n}]", f.text)
            if found is not None:
                former.append(found.value)
    surname = check.required(f"{base}/Surname", el_t.get("Surname", "")) or ""
    forename = check.required(f"{base}/Forename", el_t.get("Forename", "")) or ""
    dob = check.date(f"{base}/DOB", el_t.get("DOB", ""), required=True)
    sex = _sex(el_t, base, check)
    nc_year = bd_t.get("NCyearActual", "")
    if nc_year:
        check.code(f"{base}/BasicDetails/NCyearActual", nc_year, codes.NC_YEARS, "NC year")
    ethnicity = bd_t.get("Ethnicity", "")
    if ethnicity:
        check.code(f"{base}/BasicDetails/Ethnicity", ethnicity, codes.ETHNICITY, "ethnicity")
    looked_after: bool | None = None
    care_authority = ""
    if (la := el.find("LookedAfter")) is not None:
        in_care = _t(la, "InCare")
        if in_care:
            looked_after = check.boolean(f"{base}/LookedAfter/InCare", in_care)
        care_authority = _t(la, "CareAuthority")
    address = _address(el.find("Address"))
    pupil = Pupil(
        position=position,
        upn=upn.value if upn else raw_upn,
        upn_temporary=bool(upn and upn.temporary),
        former_upns=former,
        uln=el_t.get("UniqueLearnerNumber", ""),
        surname=surname,
        forename=forename,
        preferred_surname=bd_t.get("PreferredSurname", ""),
        preferred_forename=bd_t.get("PreferredForename", ""),
        date_of_birth=dob,
        sex=sex,
        nc_year=nc_year,
        ethnicity=ethnicity,
        first_language=_first_language(el),
        fsm=_fsm(el, base, check),
        looked_after=looked_after,
        care_authority=care_authority,
        sen=_sen(el, base, check),
        address=address,
        contacts=_contacts(el, base, check, address),
        attendance=_attendance(el, base, check),
        assessments=_assessments(el, base, check),
        schools=_schools(el, base, check),
    )
    if upn is not None and upn.temporary:
        check.warn(f"{base}/UPN", "This is a temporary UPN")
    pupil.errors, pupil.warnings = check.errors, check.warnings
    return pupil


def _open(source: str | os.PathLike[str] | IO[bytes], max_bytes: int) -> IO[bytes]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        # Refuse by size before reading a byte; the reader's count still guards a file
        # that grows while it is read.
        if path.stat().st_size > max_bytes:
            raise CtfRefused(_too_large(max_bytes))
        return path.open("rb")
    return source


def iter_ctf(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Iterator[Header | Pupil]:
    """Yield the header, then each pupil, as the file is read. Raises only
    :class:`~seip.imports.validation.CtfRefused` (an ``ImportValidationError``)."""
    stream = _open(source, max_bytes)
    try:
        yield from _parse(_GuardedReader(stream, max_bytes), max_depth)
    except etree.XMLSyntaxError as exc:
        raise CtfRefused(f"The file is not well-formed XML: {_syntax(exc)}") from None
    except (etree.LxmlError, UnicodeError, ValueError) as exc:
        if isinstance(exc, CtfRefused):
            raise
        # The exception's text could quote a value from the file, perhaps about a pupil
        # who is not referred (P25), so only its kind is reported.
        raise CtfRefused(f"The file could not be read as a CTF ({type(exc).__name__})") from None
    finally:
        if stream is not source:
            stream.close()


def _syntax(exc: etree.XMLSyntaxError) -> str:
    message = str(exc.msg or exc).split(" (", 1)[0]
    line = f" (line {exc.lineno})" if exc.lineno else ""
    return f"{message}{line}"


def _parse(reader: _GuardedReader, max_depth: int) -> Iterator[Header | Pupil]:
    events = etree.iterparse(
        reader,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    header: Header | None = None
    position = 0
    in_pupils = False
    pending = 0  # elements read since the last subtree was dropped
    for event, el in events:
        if event == "start":
            depth += 1
            pending += 1
            if depth > max_depth:
                raise CtfRefused(
                    f"The file nests elements more than {max_depth} deep; a CTF never does"
                )
            if pending > MAX_PUPIL_ELEMENTS:
                raise CtfRefused(
                    f"A pupil (or the header) holds more than {MAX_PUPIL_ELEMENTS} elements; "
                    "a CTF never does"
                )
            if depth == 1:
                _check_root(el)
            elif depth == 2 and el.tag == "CTFpupilData":
                if header is None:
                    raise CtfRefused("CTfile/Header: the header must come before the pupils")
                in_pupils = True
            continue
        depth -= 1
        # Only the children of the root and of CTFpupilData are handled (and dropped);
        # anything deeper belongs to the subtree being read.
        if not (depth == 1 or (depth == 2 and in_pupils)):
            continue
        if depth == 1 and el.tag == "Header":
            header = read_header(el)
            yield header
        elif depth == 2 and el.tag == "Pupil":
            position += 1
            yield read_pupil(el, position)
        elif depth == 1 and el.tag == "CTFpupilData":
            in_pupils = False
        # Drop every finished subtree near the root (a pupil, the header, or anything
        # unknown) and whatever was read before it, so memory holds one pupil at most.
        el.clear()
        parent = el.getparent()
        while parent is not None and el.getprevious() is not None:
            del parent[0]
        pending = 0
    if header is None:
        raise CtfRefused("CTfile/Header: the header is missing")


def _check_root(el: Any) -> None:
    if el.getroottree().docinfo.doctype:
        raise CtfRefused("The file declares a DTD (<!DOCTYPE>); such files are refused")
    if el.tag != _ROOT:
        tag = el.tag if isinstance(el.tag, str) else "?"
        raise CtfRefused(f"The root element is <{tag}>, not <{_ROOT}>: this is not a CTF")


def read_ctf(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> CtfFile:
    """Read and check a whole CTF. File-level faults raise
    :class:`~seip.imports.validation.CtfRefused`; pupil-level problems are returned, on
    each pupil and together in ``errors``, including a UPN that appears twice."""
    header: Header | None = None
    pupils: list[Pupil] = []
    first_seen: dict[str, int] = {}
    for item in iter_ctf(source, max_bytes=max_bytes, max_depth=max_depth):
        if isinstance(item, Header):
            header = item
            continue
        if item.upn and item.upn in first_seen:
            item.errors.append(
                Problem(
                    f"This UPN is also on pupil {first_seen[item.upn]}; a UPN appears once",
                    f"{_PUPILS}/Pupil[{item.position}]/UPN",
                    item.position,
                    item.upn,
                )
            )
        elif item.upn:
            first_seen[item.upn] = item.position
        pupils.append(item)
    if header is None:  # pragma: no cover - iter_ctf refuses a file without one
        raise CtfRefused("CTfile/Header: the header is missing")
    return CtfFile(
        header=header,
        pupils=pupils,
        errors=[p for pupil in pupils for p in pupil.errors],
        warnings=[p for pupil in pupils for p in pupil.warnings],
    )
