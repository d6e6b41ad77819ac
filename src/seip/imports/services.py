"""Importing a CTF into the records of referred students (issue 7; P11, P25).

The CTF is one reader of the one import pipeline (:mod:`seip.imports.pipeline`, ADR 0051):

1. **Read and check the whole file first** (:func:`seip.imports.ctf.read_ctf`). A file
   that cannot be read safely is refused outright (``ImportValidationError``). A file
   with invalid pupils changes nothing, unless the caller asks for ``valid_only``: then
   the valid pupils are imported and the others are rejected with their reasons.
2. **Turn each pupil into the typed facts** every reader produces
   (:class:`~seip.imports.facts.PupilFacts`): identity, needs (SEN, free school meals,
   looked after, first language, worked out as of today), contacts in priority order,
   and whole years of attendance.
3. **Match, apply and audit** as every import does (:func:`seip.imports.pipeline.
   import_facts`): by UPN, then former UPN; a name-and-birthday match is queued for the
   co-ordinator, never imported (:class:`~seip.imports.models.MatchCandidate`); a pupil
   with no match leaves no trace (P25); each matched pupil in their own savepoint,
   through the owning apps' services, under the run's import grant.

Facts the record has no place for yet (stage assessments, school history, the former UPN
itself) are read and checked but not stored.
"""

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.utils import timezone

from seip.accounts.models import User
from seip.imports import codes
from seip.imports.applier import ContactsPart, IdentityPart, NeedsPart, Part, YearsPart
from seip.imports.ctf import DEFAULT_MAX_BYTES, CtfFile, Header, Pupil, read_ctf
from seip.imports.facts import ContactFact, FileFacts, Identity, NeedFact, PupilFacts, YearFact
from seip.imports.models import ImportKind, file_label
from seip.imports.permissions import ensure_can_import
from seip.imports.pipeline import Format, import_facts
from seip.imports.report import ImportReport, Outcome, Rollback, refused_for_errors
from seip.imports.validation import CtfRefused, Problem
from seip.organisations.models import School
from seip.records.models import NeedKind

__all__ = ["ImportReport", "Outcome", "Rollback", "ctf_import", "refused_for_errors"]

#: Elements whose value identifies a pupil: for a pupil who is not referred, a problem
#: with one of these is reported by its path alone (P25).
_IDENTIFYING = ("/UPN", "/FormerUPN", "/DOB", "/Surname", "/Forename")


def _describe(problem: Problem, *, referred: bool) -> str:
    if referred or not problem.path.endswith(_IDENTIFYING):
        return problem.describe(show_upn=referred)
    return f"Pupil {problem.position}: {problem.path}: this value is not valid"


def _resolve_school(header: Header, urn: str | None) -> School:
    chosen = School.objects.select_related("organisation", "partnership").filter(urn=urn).first()
    if urn and chosen is None:
        raise CtfRefused(f"There is no school with URN {urn}")
    from_file: School | None = None
    if header.source_lea not in codes.LEA_SENTINELS and header.source_lea:
        from_file = (
            School.objects.select_related("organisation", "partnership")
            .filter(
                local_authority__la_code=header.source_lea,
                establishment_number=header.source_estab,
            )
            .first()
        )
    if from_file is None and header.source_urn:
        from_file = School.objects.filter(urn=header.source_urn).first()
    if chosen is not None and from_file is not None and chosen != from_file:
        raise CtfRefused(
            f"The file comes from {header.source_laestab} ({from_file.name}), "
            f"not from the school chosen ({chosen.name})"
        )
    school = chosen or from_file
    if school is None:
        raise CtfRefused(
            f"The file's source school ({header.source_laestab}) is not one of the county's "
            "schools; choose the school it came from"
        )
    return school


def ctf_import(
    *,
    source: str | os.PathLike[str] | IO[bytes],
    actor: User,
    file_name: str = "",
    school_urn: str | None = None,
    valid_only: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import one CTF into the records of the referred students it holds (see the module
    docstring for the rules). Raises ``ImportValidationError`` for a file refused
    outright, ``PermissionDenied`` unless ``actor`` may import the school's files
    (:func:`seip.imports.permissions.can_import`); otherwise returns the
    :class:`ImportReport`.
    """
    if not file_name:
        file_name = Path(source).name if isinstance(source, str | os.PathLike) else "upload"
    # Only a neutral label goes into the report, the match queue and the facts' source:
    # a file's own name can name a pupil (ADR 0035).
    file_name = file_label(ImportKind.CTF, file_name)
    ctf = read_ctf(source, max_bytes=max_bytes)
    school = _resolve_school(ctf.header, school_urn)
    ensure_can_import(actor, school)
    report = ImportReport(
        file_name=file_name, school=school.name, version=ctf.header.version, pupils=len(ctf.pupils)
    )
    return import_facts(
        ctf_facts(ctf, timezone.localdate()),
        fmt=Format(action="imports.ctf", parts=_parts, describe=_report_problem, note=file_name),
        school=school,
        actor=actor,
        report=report,
        detail={"version": ctf.header.version, "valid_only": valid_only},
        valid_only=valid_only,
        progress=progress,
    )


def _parts() -> list[Part]:
    return [IdentityPart(), NeedsPart(), ContactsPart(), YearsPart()]


def _report_problem(problem: Problem, referred: bool) -> str:
    return _describe(problem, referred=referred)


def ctf_facts(ctf: CtfFile, today: dt.date) -> FileFacts:
    """The CTF reader's pupils as the typed facts every reader produces."""
    pupils = [_pupil_facts(pupil, today) for pupil in ctf.pupils]
    problems: list[tuple[Problem, int | None]] = [
        (p, index) for index, pupil in enumerate(pupils) for p in pupil.errors
    ]
    return FileFacts(kind=ImportKind.CTF, pupils=pupils, problems=problems)


def _pupil_facts(pupil: Pupil, today: dt.date) -> PupilFacts:
    nc_year = int(pupil.nc_year) if pupil.nc_year.isascii() and pupil.nc_year.isdigit() else None
    # Extended codes roll up to the DfE main code: reports use major groups only.
    ethnicity = codes.ETHNICITY_EXTENDED.get(pupil.ethnicity, pupil.ethnicity) or None
    contacts = sorted(pupil.contacts, key=lambda c: c.order or 99)
    return PupilFacts(
        where=f"Pupil {pupil.position}",
        position=pupil.position,
        upn=pupil.upn,
        upn_path=f"CTfile/CTFpupilData/Pupil[{pupil.position}]/UPN",
        former_upns=tuple(pupil.former_upns),
        forename=pupil.forename,
        surname=pupil.surname,
        date_of_birth=pupil.date_of_birth,
        errors=pupil.errors,
        warnings=pupil.warnings,
        identity=Identity(
            upn=pupil.upn if not pupil.upn_temporary else None,
            nc_year=nc_year,
            ethnicity=ethnicity,
        ),
        needs=[
            NeedFact(kind, code, detail)
            for kind, (code, detail) in _wanted_needs(pupil, today).items()
        ],
        contacts=[
            ContactFact(
                name=c.name,
                relationship=c.relationship,
                parental_responsibility=c.parental_responsibility,
                phone=c.phone,
                email=c.email,
                address=c.address,
                priority=priority,
            )
            for priority, c in enumerate(contacts, start=1)
        ],
        years=[
            YearFact(lea=y.lea, estab=y.estab, academic_year=y.academic_year, marks=y.marks)
            for y in pupil.attendance
        ],
    )


def _current_sen(pupil: Pupil) -> tuple[str, str, str] | None:
    """(provision, primary need, secondary need) from the latest SEN record."""
    if not pupil.sen:
        return None
    latest = max(pupil.sen, key=lambda r: r.start or dt.date.min)
    ranked = {need.rank: need.type for need in latest.needs}
    unranked = [need.type for need in latest.needs if need.rank is None]
    primary = ranked.get(1) or (unranked.pop(0) if unranked else "")
    secondary = ranked.get(2) or (unranked.pop(0) if unranked else "")
    return latest.provision, primary, secondary


def _wanted_needs(pupil: Pupil, today: dt.date) -> dict[str, tuple[str, str]]:
    """Each kind of need the file says something about: kind -> (code, detail)."""
    wanted: dict[str, tuple[str, str]] = {}
    if (sen := _current_sen(pupil)) is not None:
        provision, primary, secondary = sen
        wanted[NeedKind.SEN_PROVISION] = (provision, "")
        if provision != "N" and primary:
            wanted[NeedKind.SEN_PRIMARY] = (primary, "")
        if provision != "N" and secondary and secondary != primary:
            wanted[NeedKind.SEN_SECONDARY] = (secondary, "")
    if pupil.looked_after is not None:
        code = "Y" if pupil.looked_after else "N"
        wanted[NeedKind.LOOKED_AFTER] = (code, pupil.care_authority if code == "Y" else "")
    current = any(
        s.start and s.start <= today and (s.end is None or s.end >= today) for s in pupil.fsm
    )
    six_years_ago = today.replace(year=today.year - 6)
    ever6 = any(s.start and (s.end is None or s.end >= six_years_ago) for s in pupil.fsm)
    wanted[NeedKind.FSM] = ("Y" if current else "N", "")
    wanted[NeedKind.FSM6] = ("Y" if ever6 else "N", "")
    if pupil.first_language:
        # The record keeps the first language either way (the need's detail).
        eal = pupil.first_language.upper() not in codes.ENGLISH
        wanted[NeedKind.EAL] = ("Y" if eal else "N", pupil.first_language)
    return wanted
