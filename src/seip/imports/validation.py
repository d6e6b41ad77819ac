"""The validator rules for a CTF (``shared/domain/uk-school-data.md``, "What a validator
rejects"), one small function per kind of value.

Each rule returns the clean value, or records a :class:`Problem` that names the pupil (by
position in the file and UPN) and the element path, and returns None. The parser
(:mod:`seip.imports.ctf`) calls them as it reads, so a file is checked in one pass.
Structural faults that make the rest of the file unreadable (not XML, a DTD, too large,
the wrong root, an unsupported version) stop the read with :class:`CtfRefused`.

A problem holds the UPN so the person checking the file can find the pupil; the import
report shows it only for pupils who are already referred (P25, see
:mod:`seip.imports.services`).
"""

import contextlib
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from seip.core.upn import UPN, clean_upn
from seip.imports import codes


@dataclass(frozen=True)
class Problem:
    message: str
    path: str
    position: int | None = None  # 1-based position of the pupil in the file
    upn: str = ""

    def describe(self, *, show_upn: bool = True) -> str:
        where = ""
        if self.position is not None:
            where = f"Pupil {self.position}"
            if show_upn and self.upn:
                where += f" (UPN {self.upn})"
            where += ": "
        return f"{where}{self.path}: {self.message}"

    def __str__(self) -> str:
        return self.describe()


class ImportValidationError(Exception):
    """The only error the CTF reader raises: the file, or some of its pupils, are not
    acceptable. ``problems`` says why, each naming the element."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        return self.message


class CtfRefused(ImportValidationError):
    """The whole file is refused before any pupil is considered."""


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_VERSION = re.compile(r"^\d{1,2}\.\d$")
_LEA = re.compile(r"^\d{3}$")
_ESTAB = re.compile(r"^\d{4}$")
_URN = re.compile(r"^\d{6}$")


class Checker:
    """Collects the problems of one pupil (or of the header) as the rules run."""

    def __init__(self, position: int | None = None, upn: str = "") -> None:
        self.position = position
        self.pupil_upn = upn
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(Problem(message, path, self.position, self.pupil_upn))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(message, path, self.position, self.pupil_upn))

    def required(self, path: str, value: str) -> str | None:
        if not value:
            self.error(path, "This element is missing or empty, and it is required")
            return None
        return value

    def date(self, path: str, value: str, *, required: bool = False) -> dt.date | None:
        if not value:
            if required:
                self.error(path, "This date is missing, and it is required")
            return None
        if _DATE.match(value):
            with contextlib.suppress(ValueError):  # 2025-02-30 has the shape, not the day
                return dt.date.fromisoformat(value)
        self.error(path, f"“{value}” is not a date in the form YYYY-MM-DD")
        return None

    def datetime(self, path: str, value: str) -> dt.datetime | None:
        if _DATETIME.match(value):
            with contextlib.suppress(ValueError):
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        self.error(path, f"“{value}” is not an ISO date and time (YYYY-MM-DDThh:mm:ss)")
        return None

    def unique_pupil_number(self, path: str, value: str) -> UPN | None:
        try:
            upn = clean_upn(value)
        except ValidationError as exc:
            self.error(path, " ".join(exc.messages))
            return None
        la = upn.value[1:4]
        if la not in codes.LA_CODES and not (upn.temporary and la in codes.TEMPORARY_LA_CODES):
            self.error(path, f"The UPN's LA code {la} is not a known local authority")
            return None
        return upn

    def code(self, path: str, value: str, allowed: frozenset[str], what: str) -> str | None:
        if value in allowed:
            return value
        self.error(path, f"“{value}” is not on the {what} code list")
        return None

    def boolean(self, path: str, value: str) -> bool | None:
        found = codes.BOOLEANS.get(value.lower())
        if found is None:
            self.error(path, f"“{value}” must be true or false")
        return found

    def count(self, path: str, value: str) -> int | None:
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(path, f"“{value}” is not a whole number")
            return None
        if number < 0:
            self.error(path, f"A session count cannot be negative ({number})")
            return None
        return number

    def lea(self, path: str, value: str) -> str | None:
        if _LEA.match(value) or value in codes.LEA_SENTINELS:
            return value
        self.error(path, f"“{value}” is not a three-digit LA code")
        return None

    def estab(self, path: str, value: str) -> str | None:
        if _ESTAB.match(value) or value in codes.ESTAB_SENTINELS:
            return value
        self.error(path, f"“{value}” is not a four-digit establishment number")
        return None

    def urn(self, path: str, value: str) -> str | None:
        if not value:
            return None
        if _URN.match(value):
            return value
        self.error(path, f"“{value}” is not a six-digit URN")
        return None


def check_version(value: str) -> str:
    """The CTF version, or :class:`CtfRefused` naming the versions accepted."""
    path = "CTfile/Header/CTFversion"
    if not value:
        raise CtfRefused(f"{path}: the CTF version is missing")
    if not _VERSION.match(value):
        raise CtfRefused(f"{path}: “{value}” is not a CTF version such as 25.0")
    major, minor = (int(part) for part in value.split("."))
    if not codes.MIN_VERSION <= (major, minor) <= codes.MAX_VERSION:
        low = "{}.{}".format(*codes.MIN_VERSION)
        high = "{}.{}".format(*codes.MAX_VERSION)
        raise CtfRefused(
            f"{path}: CTF version {value} is not supported; this service reads versions "
            f"{low} to {high}"
        )
    return value
