"""What a school's file says about its pupils, whatever the format (issue 21; ADR 0051).

Each reader (the CTF, the MIS attendance CSV, the MIS behaviour, exclusions and
assessments CSVs) turns its file into a :class:`FileFacts`: one :class:`PupilFacts` per
pupil, carrying the facts the record has a place for, already checked and in the
record's own codes. The one matcher (:mod:`seip.imports.matcher`) and the one applier
(:mod:`seip.imports.pipeline`) work on these alone, so a new source (an MIS API, another
CSV) is only a new reader.

Nothing here is stored: a pupil who matches no referred student is dropped with all of
this (P25).
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from seip.imports.validation import Problem

#: A day's (AM, PM) statutory codes; None leaves a session as it is.
SessionPair = tuple[str | None, str | None]


@dataclass(frozen=True)
class Identity:
    """What the school's file may bring up to date on the student: a permanent UPN for a
    temporary one, the NC year, the ethnicity (main DfE code). None: the file says nothing."""

    upn: str | None = None
    nc_year: int | None = None
    ethnicity: str | None = None


@dataclass(frozen=True)
class NeedFact:
    """The current value of one kind of need (``records.models.NeedKind``)."""

    kind: str
    code: str
    detail: str = ""


@dataclass(frozen=True)
class ContactFact:
    name: str
    relationship: str
    parental_responsibility: bool
    phone: str
    email: str
    address: str
    #: 1 for the first contact to call.
    priority: int

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email or self.address)


@dataclass(frozen=True)
class YearFact:
    """A whole academic year of marks at a school (the storage encoding, one character a
    session), named by its LA and establishment numbers."""

    lea: str
    estab: str
    academic_year: int
    marks: str


@dataclass(frozen=True)
class IncidentFact:
    occurred_on: dt.date
    category: str
    severity: int
    description: str

    def values(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ExclusionFact:
    start_date: dt.date
    kind: str
    sessions: int | None
    reasons: list[str]

    def values(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ResultFact:
    subject: str
    subject_other: str
    assessed_on: dt.date
    assessment_label: str
    scale: str
    grade: str
    target_grade: str

    def values(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PupilFacts:
    """One pupil of a file: how to find them, where they are in the file, and their facts."""

    #: How every message names the pupil's place: "Pupil 3" (CTF), "Row 5" (CSV).
    where: str
    #: The pupil's place in the file (1-based), for a match queued for a check.
    position: int
    upn: str
    #: Where the UPN is, for a problem found by matching (two pupils, one student).
    upn_path: str = ""
    former_upns: tuple[str, ...] = ()
    #: Names and date of birth, for a name-and-birthday match (never imported on).
    forename: str = ""
    surname: str = ""
    date_of_birth: dt.date | None = None
    errors: list[Problem] = field(default_factory=list)
    #: Warnings from reading, reported only for a referred pupil (P25).
    warnings: list[Problem] = field(default_factory=list)
    identity: Identity | None = None
    needs: list[NeedFact] = field(default_factory=list)
    contacts: list[ContactFact] = field(default_factory=list)
    years: list[YearFact] = field(default_factory=list)
    sessions: dict[dt.date, SessionPair] = field(default_factory=dict)
    incidents: list[IncidentFact] = field(default_factory=list)
    exclusions: list[ExclusionFact] = field(default_factory=list)
    results: list[ResultFact] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def label(self) -> str:
        """A referred pupil's place and UPN, as the report names them."""
        return f"{self.where} (UPN {self.upn})"


@dataclass
class FileFacts:
    """A file read and checked: its pupils, and its problems in the order found, each with
    the index of its pupil (None for a row whose UPN could not be read)."""

    kind: str
    pupils: list[PupilFacts]
    problems: list[tuple[Problem, int | None]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem, _ in self.problems]
