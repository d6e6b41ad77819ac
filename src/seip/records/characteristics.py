"""The characteristics reports and the impact analysis group students by, read in bulk
once and mapped once (issue 21): SEN provision, disadvantage (free school meals now or in
the last six years) and looked-after status, from each student's current need rows.

The owning app exports the reader so reports and impact do not read the raw rows two
ways. Categories only: no code beyond these leaves the records app this way.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from seip.records.models import Need, NeedKind

#: SEN provision codes (CTF/census): K is SEN support, E an EHC plan; N or none is none.
SEN_LEVELS = {"K": "SEN support", "E": "EHC plan"}


@dataclass
class Characteristics:
    sen: str | None = None  # "SEN support", "EHC plan", or None (no SEN)
    disadvantaged: bool = False
    looked_after: bool = False
    sen_recorded: bool = False
    looked_after_recorded: bool = False


def characteristics(students: Iterable[int]) -> dict[int, Characteristics]:
    """Each student's current characteristics, by id, in one query. A student with no
    current row of a kind keeps that kind's default."""
    found: dict[int, Characteristics] = {}
    rows = Need.objects.filter(
        student__in=students,
        superseded_at__isnull=True,
        kind__in=[NeedKind.SEN_PROVISION, NeedKind.FSM, NeedKind.FSM6, NeedKind.LOOKED_AFTER],
    ).values_list("student_id", "kind", "code__code")
    for student, kind, code in rows:
        c = found.setdefault(student, Characteristics())
        if kind == NeedKind.SEN_PROVISION:
            c.sen = SEN_LEVELS.get(code)
            c.sen_recorded = True
        elif kind == NeedKind.LOOKED_AFTER:
            c.looked_after = code == "Y"
            c.looked_after_recorded = True
        elif code == "Y":  # free school meals now, or in the last six years
            c.disadvantaged = True
    return found
