"""The bases of rates and means, in the ledger as counts of students (P10, ADR 0036).

A published rate or mean carries its base ("22.5% of 40"), and that base is a number of
the same students that the "students referred" tables count: every student referred
for a mean of incidents per student, those with attendance recorded for an attendance
rate. So a base shown beside a rate can give away a student count hidden in another
table (a school's 3 referrals, from the county's 15 less its other school's base of
12). The ledger audits releases measure by measure, so each rate's or mean's bases are
also recorded as a *companion* release of ``students``: the table's place (or other
student breakdown) by a breakdown of its own, ``base:<measure>``, whose categories say
whether the student is in the base (``in``) or not (``out``). Only the bases shown are
published in it; the rest is ``x`` (the reader knows nothing of it), except a category
of no one outside the base, which is shown as 0 (the reader may know that every
student is counted, as for incidents per student: assuming it is the stronger reader).

The companion goes through the ledger like any table, with no cell of its own
sensitive (it publishes nothing new but the bases); if the audit hides a base to keep
an earlier ``c`` safe, the rate beside it is hidden too (``hide_unbased``). The rate's
own release was recorded first with that rate shown, so the ledger may believe more
was published than was: the safe direction.

Measures with a breakdown of their own (results by subject) count results, not
students, and two-way tables have no third breakdown to hold the base: their bases are
not published (``publishes_bases``).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence

from seip.disclosure.control import Policy, ProtectedTable, Reason
from seip.disclosure.tables import TOTAL, Cell, CellKey, CellKind, Symbol, Table
from seip.reports.ledger import Population
from seip.reports.measures import (
    Accrual,
    Breakdown,
    Measure,
    Observed,
    period_atoms,
)

STUDENTS = "students"
BASE = "base:"
IN, OUT = "in", "out"


def publishes_bases(measure: Measure, columns: Breakdown | None) -> bool:
    """Whether a table of ``measure`` shows the base beside each figure."""
    return measure.kind in (CellKind.RATE, CellKind.MEAN) and not measure.own and columns is None


def is_companion(breakdowns: Sequence[str]) -> bool:
    """Whether a release is the bases of another (a ``Release.breakdowns``)."""
    return based_on(breakdowns) is not None


def based_on(breakdowns: Sequence[str]) -> str | None:
    """The measure whose bases a companion release holds (``None`` for any other)."""
    for breakdown in breakdowns:
        if breakdown.startswith(BASE):
            return breakdown.removeprefix(BASE).partition("@")[0]
    return None


def base_breakdown(measure: Measure, population: Population) -> str:
    """The companion's own breakdown. A base fixed at the end of the period (attendance
    since referral) is a different split of the students for each end."""
    if measure.accrual is Accrual.AT_END:
        end = sorted(population.terms)  # the ledger's labels: "<referral>@<end>"
        return f"{BASE}{measure.name}@{end[0].partition('@')[2]}"
    return f"{BASE}{measure.name}"


def companion(
    measure: Measure,
    observed: Observed,
    rows: Breakdown,
    protected: ProtectedTable,
    population: Population,
) -> tuple[Table, Population, dict[CellKey, Reason]]:
    """The students of ``observed`` by ``rows`` and whether each is in ``measure``'s base,
    the companion's population (the referral terms, as ``students`` counts them), and
    what of it is not published: the bases of hidden figures, the students outside the
    base (unless none), and the students in all."""
    counted = {id(o.fact) for o in observed.of(measure)}
    keys = [(r, c) for r in rows.categories for c in (IN, OUT)]
    counts = dict.fromkeys(keys, 0.0)
    # A student's own category (``category_of`` of an observation with no categories of
    # its own), read straight from the facts rather than through an ``Obs`` per student.
    category = operator.attrgetter(rows.name)
    for fact in observed.facts:
        key = (str(category(fact)), IN if id(fact) in counted else OUT)
        if key in counts:
            counts[key] += 1
    table = Table(
        STUDENTS,
        CellKind.COUNT,
        (rows.name, base_breakdown(measure, population)),
        rows.categories,
        (IN, OUT),
        {k: Cell(v) for k, v in counts.items()},
    )
    shown = protected.published()
    hidden: dict[CellKey, Reason] = {}
    for key, cell in table.cells().items():
        row, column = key
        if column == TOTAL:
            hidden[key] = Reason.WITHHELD
        elif column == IN:
            if not isinstance(shown.get((row, TOTAL)), float | int):
                hidden[key] = Reason.WITHHELD
        elif cell.value != 0:
            hidden[key] = Reason.WITHHELD
    terms = frozenset(t.partition("@")[0] for t in population.terms)
    at_referral = dataclasses.replace(population, terms=period_atoms(Accrual.AT_REFERRAL, terms))
    return table, at_referral, hidden


def companion_policy(policy: Policy) -> Policy:
    """No cell of the companion is sensitive in itself: it publishes nothing but bases
    already beside their figures. It is there to keep earlier releases safe."""
    return dataclasses.replace(policy, count_threshold=0)


def hide_unbased(protected: ProtectedTable, base: ProtectedTable) -> ProtectedTable:
    """The figure hidden wherever the companion's audit hid its base."""
    suppressed = dict(protected.suppressed)
    for (row, column), reason in base.suppressed.items():
        if column != IN or (row, TOTAL) in suppressed:
            continue
        cell = protected.cells.get((row, TOTAL))
        if cell is None or cell.symbol is Symbol.NOT_APPLICABLE:
            continue
        suppressed[(row, TOTAL)] = Reason.WITHHELD if reason is Reason.WITHHELD else Reason.LEDGER
    return dataclasses.replace(protected, suppressed=suppressed)


def withhold_all(protected: ProtectedTable) -> ProtectedTable:
    """Every figure ``x``: not even a hidden base could keep earlier releases safe."""
    suppressed = dict(protected.suppressed)
    for key, cell in protected.cells.items():
        if cell.symbol is None:
            suppressed[key] = Reason.WITHHELD
    return dataclasses.replace(protected, suppressed=suppressed)
