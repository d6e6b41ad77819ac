"""What an import did, as the school and the co-ordinator read it (issue 7; P25)."""

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    NOT_REFERRED = "not referred"
    NOT_IMPORTED = "not imported"
    QUEUED = "queued for matching"
    REJECTED = "rejected"


@dataclass
class ImportReport:
    """What an import did. Pupils who are not referred appear only in a count (P25)."""

    file_name: str
    school: str = ""
    version: str = ""
    pupils: int = 0
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: str = ""
    #: Of the pupils "not imported", how many because an objection restricts processing
    #: (P20). Never in :meth:`lines`: only the co-ordinator's page shows it (ADR 0027).
    restricted: int = 0
    #: The UPN each matched pupil had in the file, and their student's id: the stored
    #: report names them by id, never by UPN (``runs.report_json``; ADR 0035).
    students: dict[str, int] = field(default_factory=dict)

    def not_imported(self, where: str) -> None:
        """A referred pupil whose facts were not written, said without the reason: the
        report goes to the school too, and a restriction is not theirs to learn."""
        self.counts[Outcome.NOT_IMPORTED] += 1
        self.restricted += 1
        self.warnings.append(f"{where}: not imported")

    @property
    def applied(self) -> bool:
        return not self.refused

    def count(self, outcome: Outcome) -> int:
        return self.counts[outcome]

    def lines(self) -> list[str]:
        head = f"{self.file_name}: CTF {self.version} from {self.school}, {self.pupils} pupils"
        out = [head]
        if self.refused:
            out.append(f"  Refused, nothing was changed: {self.refused}")
        for outcome in Outcome:
            out.append(f"  {outcome.value}: {self.counts[outcome]}")
        out += [f"  rejected: {reason}" for reason in self.rejected]
        out += [f"  warning: {warning}" for warning in self.warnings]
        return out


class Rollback(Exception):
    """Leaves a pupil's savepoint (or the whole import) with everything undone."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def refused_for_errors(report: ImportReport, invalid_pupils: int, *, valid_only: bool) -> bool:
    """A file with problems changes nothing unless the user chose the valid pupils only:
    mark the report refused and say so. True when refused."""
    if not report.rejected or valid_only:
        return False
    report.counts[Outcome.REJECTED] = invalid_pupils
    report.refused = (
        f"{len(report.rejected)} problems were found; correct the file, or import the "
        "valid pupils only"
    )
    return True
