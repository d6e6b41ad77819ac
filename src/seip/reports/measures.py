"""What a report can count, and by what: measures and breakdowns over ``StudentFacts``.

A measure turns the cohort's facts into observations (one per student, or one per
event, result or intervention); a table is the observations cut by one or two
breakdowns, with every category present (a margin is the sum over all of them). The
measure's name is its name in the release ledger, so every report and the table builder
that publish it are audited together (P10).
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from seip.disclosure.tables import TOTAL, Cell, CellKey, CellKind, Symbol, Table
from seip.reports.document import Unit
from seip.reports.facts import (
    DESTINATIONS,
    DISADVANTAGE,
    ETHNIC_GROUPS,
    FUNDING,
    INTERVENTIONS,
    MOVE_OUTCOME_GROUPS,
    SEN_GROUPS,
    SEXES,
    SUBJECTS,
    TIERS,
    YEAR_GROUPS,
    StudentFacts,
)
from seip.reports.population import TERMS


class Accrual(enum.StrEnum):
    """When a measure's figure for a student is fixed, which decides what adds up across
    periods (ADR 0029): the ledger's term atoms follow it (``period_atoms``)."""

    #: Fixed at the referral (who was referred, by what; attendance before it): a term's
    #: figure plus the other terms' is the year's.
    AT_REFERRAL = "at_referral"
    #: Events counted from the referral to the end of the period (suspensions, incidents,
    #: destinations, interventions and spend): each term adds its own events, so the
    #: figure is a sum over the referral term and the term the event fell in.
    SINCE = "since"
    #: A state at the end of the period (attendance and absence since referral, the
    #: latest result or rating): periods with different ends share nothing.
    AT_END = "at_end"


_ORDER = tuple(TERMS)


def period_atoms(
    accrual: Accrual, terms: Iterable[str], horizon: str | None = None
) -> frozenset[str]:
    """The ledger's term labels for a period of referral terms ``terms`` measured up to the
    end of term ``horizon`` (the period's last term unless the report is made before it
    ends): ``referral`` for figures fixed at referral, ``referral@term`` for events by
    the term they fell in, ``referral@horizon`` for a state at the end. Every label is a
    disjoint set of (student, event) pairs, so every release is a sum of them and the
    ledger's algebra (this term plus the rest of the year) is true (ADR 0029)."""
    chosen = sorted(set(terms), key=_ORDER.index)
    if not chosen:
        raise ValueError("a period has at least one term")
    end = horizon or chosen[-1]
    if accrual is Accrual.AT_REFERRAL:
        return frozenset(chosen)
    if accrual is Accrual.AT_END:
        return frozenset(f"{t}@{end}" for t in chosen)
    span = _ORDER[_ORDER.index(chosen[0]) : _ORDER.index(end) + 1]
    return frozenset(f"{t}@{k}" for t in chosen for k in span)


def horizon_of(terms: Sequence[str], current: str | None) -> str:
    """The last term a period's outcomes reach: its last term, or the current term when
    the report is made before the period ends (``current`` is None once it has)."""
    last = max(terms, key=_ORDER.index)
    if current is None or current not in _ORDER:
        return last
    first = min(terms, key=_ORDER.index)
    index = min(max(_ORDER.index(current), _ORDER.index(first)), _ORDER.index(last))
    return _ORDER[index]


#: An observation with no categories of its own (read-only: shared by all of them).
NO_EXTRA: Mapping[str, str] = MappingProxyType({})


class Obs(NamedTuple):
    """One observation: whose, its own categories (subject, intervention type, ...), its
    additive value, whether it counts in a rate's or mean's base, and its provider.

    A named tuple, not a dataclass: a county report makes some 40,000 of them, and a
    frozen dataclass's constructor was a fifth of the time spent cutting tables."""

    fact: StudentFacts
    value: float = 1.0
    counted: int = 1
    extra: Mapping[str, str] = NO_EXTRA
    provider: str | None = None


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    kind: CellKind
    unit: Unit
    note: str
    observe: Callable[[StudentFacts], Iterable[Obs]]
    #: Breakdowns of the observation itself (beyond the student's), e.g. ``subject``.
    own: tuple[str, ...] = ()
    accrual: Accrual = Accrual.AT_REFERRAL


@dataclass(frozen=True)
class Breakdown:
    name: str  # the ledger's name: "school" and "partnership" are population dimensions
    label: str
    categories: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)

    def label_of(self, key: str) -> str:
        return self.labels.get(key, key)


def _student(f: StudentFacts) -> Iterator[Obs]:
    yield Obs(f)


def _rate(test: Callable[[StudentFacts], bool | None]) -> Callable[[StudentFacts], Iterator[Obs]]:
    """Students for whom ``test`` is not None form the base; True counts."""

    def observe(f: StudentFacts) -> Iterator[Obs]:
        result = test(f)
        if result is not None:
            yield Obs(f, value=float(result))

    return observe


def _mean(value: Callable[[StudentFacts], float | None]) -> Callable[[StudentFacts], Iterator[Obs]]:
    def observe(f: StudentFacts) -> Iterator[Obs]:
        x = value(f)
        if x is not None:
            yield Obs(f, value=x)

    return observe


def _count(n: Callable[[StudentFacts], int]) -> Callable[[StudentFacts], Iterator[Obs]]:
    def observe(f: StudentFacts) -> Iterator[Obs]:
        if (k := n(f)) > 0:
            yield Obs(f, value=float(k))

    return observe


def _results(f: StudentFacts) -> Iterator[Obs]:
    for subject, on_target in f.results.items():
        yield Obs(f, value=float(on_target), extra={"subject": subject})


def _interventions(f: StudentFacts) -> Iterator[Obs]:
    for kind, _provider, stream, _cost in f.interventions:
        yield Obs(f, extra={"intervention": kind, "funding": stream})


def _spend(f: StudentFacts) -> Iterator[Obs]:
    for kind, provider, stream, cost in f.interventions:
        yield Obs(f, value=cost, extra={"intervention": kind, "funding": stream}, provider=provider)


def _destination(f: StudentFacts) -> Iterator[Obs]:
    if f.destination is not None:
        yield Obs(f, extra={"destination": f.destination})


def _percent(counts_of: str) -> Callable[[StudentFacts], float | None]:
    def value(f: StudentFacts) -> float | None:
        counts = getattr(f, counts_of)
        # ``Counts.attendance_percent`` without its Fraction: dividing integers is
        # correctly rounded in Python, so this is the same float, bit for bit.
        return counts.attended * 100 / counts.possible if counts.possible else None

    return value


def _absence(counts_of: str, severe: bool) -> Callable[[StudentFacts], bool | None]:
    def test(f: StudentFacts) -> bool | None:
        counts = getattr(f, counts_of)
        if not counts.possible:
            return None
        return bool(counts.severe if severe else counts.persistent)

    return test


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in [
        Measure("students", "Students referred", CellKind.COUNT, Unit.COUNT,
                "Students whose signed referral was accepted in the period.", _student),
        Measure("attendance_before", "Attendance before referral", CellKind.MEAN, Unit.PERCENT,
                "Mean attendance rate in the school year of referral, up to the referral.",
                _mean(_percent("before"))),
        Measure("attendance_since", "Attendance since referral", CellKind.MEAN, Unit.PERCENT,
                "Mean attendance rate from the referral to the end of the period.",
                _mean(_percent("since")), accrual=Accrual.AT_END),
        Measure("persistent_absence_before", "Persistently absent before referral",
                CellKind.RATE, Unit.PERCENT,
                "Share of students missing 10% or more of possible sessions before referral.",
                _rate(_absence("before", severe=False))),
        Measure("persistent_absence_since", "Persistently absent since referral",
                CellKind.RATE, Unit.PERCENT,
                "Share of students missing 10% or more of possible sessions since referral.",
                _rate(_absence("since", severe=False)), accrual=Accrual.AT_END),
        Measure("severe_absence_before", "Severely absent before referral", CellKind.RATE,
                Unit.PERCENT, "Share of students missing 50% or more of sessions before referral.",
                _rate(_absence("before", severe=True))),
        Measure("severe_absence_since", "Severely absent since referral", CellKind.RATE,
                Unit.PERCENT, "Share of students missing 50% or more of sessions since referral.",
                _rate(_absence("since", severe=True)), accrual=Accrual.AT_END),
        Measure("incidents", "Behaviour incidents per student", CellKind.MEAN, Unit.MEAN,
                "Mean number of recorded incidents per student since referral.",
                _mean(lambda f: float(f.incidents)), accrual=Accrual.SINCE),
        Measure("suspensions", "Suspensions", CellKind.COUNT, Unit.COUNT,
                "Suspensions since referral.", _count(lambda f: f.suspensions),
                accrual=Accrual.SINCE),
        Measure("permanent_exclusions", "Permanent exclusions", CellKind.COUNT, Unit.COUNT,
                "Permanent exclusions since referral.", _count(lambda f: f.permanent_exclusions),
                accrual=Accrual.SINCE),
        Measure("results_on_target", "Results at or above target", CellKind.RATE,
                Unit.PERCENT, "Latest result in each subject, against the school's target.",
                _results, own=("subject",), accrual=Accrual.AT_END),
        Measure("attitude_first", "Attitude at first rating", CellKind.MEAN, Unit.MEAN,
                "Mean of the four attitude ratings (1 to 5) at the first rating.",
                _mean(lambda f: f.attitude_first), accrual=Accrual.AT_END),
        Measure("attitude_latest", "Attitude at latest rating", CellKind.MEAN, Unit.MEAN,
                "Mean of the four attitude ratings (1 to 5) at the latest rating in the period.",
                _mean(lambda f: f.attitude_latest), accrual=Accrual.AT_END),
        Measure("destinations", "Destinations", CellKind.COUNT, Unit.COUNT,
                "Where students went when their case closed in the period.", _destination,
                own=("destination",), accrual=Accrual.SINCE),
        Measure("interventions", "Interventions started", CellKind.COUNT, Unit.COUNT,
                "Interventions started in the period.", _interventions,
                own=("intervention", "funding"), accrual=Accrual.SINCE),
        Measure("spend", "Spend on interventions", CellKind.MONEY, Unit.MONEY,
                "Full cost of interventions started in the period: unit costs and staff time.",
                _spend, own=("intervention", "funding"), accrual=Accrual.SINCE),
        # Placements and suspensions (issue 20, ADR 0049) -------------------------------
        Measure("placement_attendance", "Attendance at alternative provision", CellKind.MEAN,
                Unit.PERCENT,
                "Mean attendance rate at AP providers, from sessions attended and possible "
                "at the half-termly reviews since referral.",
                _mean(lambda f: f.placement_attended * 100 / f.placement_possible
                      if f.placement_possible else None), accrual=Accrual.AT_END),
        Measure("reintegration", "Reintegrated into mainstream", CellKind.RATE, Unit.PERCENT,
                "Of students whose AP placement ended at least two terms ago, the share who "
                "returned to mainstream full-time and were still there two terms later.",
                _rate(lambda f: f.reintegrated), accrual=Accrual.AT_END),
        Measure("days_out_of_education", "School days out of education", CellKind.MEAN,
                Unit.MEAN,
                "Mean school days per student suspended with no education arranged, since "
                "referral.", _mean(lambda f: float(f.days_out_of_education)),
                accrual=Accrual.SINCE),
        Measure("suspensions_without_provision", "Suspensions past five days without "
                "provision", CellKind.COUNT, Unit.COUNT,
                "Suspensions since referral longer than five school days with no education "
                "arranged from the sixth day.", _count(lambda f: f.suspensions_unprovided),
                accrual=Accrual.SINCE),
    ]
}  # fmt: skip


# Managed moves (ADR 0048) -----------------------------------------------------------------

#: Outcomes of a decided move (the rest are still in trial).
DECIDED_MOVES = frozenset(MOVE_OUTCOME_GROUPS) - {MOVE_OUTCOME_GROUPS[-1]}


def _moves(f: StudentFacts) -> Iterator[Obs]:
    for outcome in f.managed_moves:
        yield Obs(f, extra={"move_outcome": outcome})


def _move_success(f: StudentFacts) -> Iterator[Obs]:
    for outcome in f.managed_moves:
        if outcome in DECIDED_MOVES:
            yield Obs(f, value=float(outcome == "Transferred"))


MEASURES.update(
    {
        m.name: m
        for m in [
            Measure("managed_moves", "Managed moves", CellKind.COUNT, Unit.COUNT,
                    "Managed moves started since referral (the family agreed and the trial "
                    "began), by their outcome so far.", _moves, own=("move_outcome",),
                    accrual=Accrual.SINCE),
            Measure("managed_move_success", "Managed moves ending in transfer", CellKind.RATE,
                    Unit.PERCENT, "Share of decided managed moves that ended with the student "
                    "on the host school's roll.", _move_success, accrual=Accrual.SINCE),
            Measure("moves_per_student", "Managed moves per student moved", CellKind.MEAN,
                    Unit.MEAN, "Mean number of managed moves of the students who had one.",
                    _mean(lambda f: float(len(f.managed_moves)) if f.managed_moves else None),
                    accrual=Accrual.SINCE),
        ]
    }
)  # fmt: skip

#: Breakdowns of any student (places are added per report: they depend on the scope).
STUDENT_BREAKDOWNS: dict[str, Breakdown] = {
    b.name: b
    for b in [
        Breakdown("year_group", "Year group", YEAR_GROUPS),
        Breakdown("sex", "Sex", SEXES),
        Breakdown("sen", "Special educational needs", SEN_GROUPS),
        Breakdown("disadvantage", "Disadvantage", DISADVANTAGE),
        Breakdown("ethnicity", "Ethnic group", ETHNIC_GROUPS),
        Breakdown("tier", "Level of support", TIERS),
    ]
}
OWN_BREAKDOWNS: dict[str, Breakdown] = {
    b.name: b
    for b in [
        Breakdown("subject", "Subject", SUBJECTS),
        Breakdown("destination", "Destination", DESTINATIONS),
        Breakdown("intervention", "Intervention type", INTERVENTIONS),
        Breakdown("funding", "Funding stream", FUNDING),
        Breakdown("move_outcome", "Outcome of the move", MOVE_OUTCOME_GROUPS),
    ]
}


def category_of(obs: Obs, breakdown: str) -> str:
    if breakdown in obs.extra:
        return obs.extra[breakdown]
    return str(getattr(obs.fact, breakdown))


def _keys(observations: Sequence[Obs], breakdown: str | None) -> Iterable[str]:
    """Each observation's category of ``breakdown`` (``category_of``), in one pass: the
    student's own attribute unless the observation carries the breakdown itself."""
    if breakdown is None:
        return itertools.repeat(TOTAL, len(observations))
    if any(breakdown in obs.extra for obs in observations):
        return [category_of(obs, breakdown) for obs in observations]
    get = operator.attrgetter(breakdown)
    return [str(get(obs.fact)) for obs in observations]


class Observed:
    """A cohort's facts, with each measure's observations made once: a report cuts the
    same measure several ways (students by school, by year group, by sex, ...)."""

    def __init__(self, facts: Iterable[StudentFacts]) -> None:
        self.facts = list(facts)
        self._made: dict[str, list[Obs]] = {}

    def __len__(self) -> int:
        return len(self.facts)

    def of(self, measure: Measure) -> list[Obs]:
        if measure.name not in self._made:
            self._made[measure.name] = [o for f in self.facts for o in measure.observe(f)]
        return self._made[measure.name]


def cut(
    measure: Measure,
    facts: Iterable[StudentFacts] | Observed,
    rows: Breakdown,
    columns: Breakdown | None = None,
) -> Table:
    """The table of ``measure`` by ``rows`` (and ``columns``), every category present."""
    observed = facts if isinstance(facts, Observed) else Observed(facts)
    keys: list[CellKey] = [
        (r, c) for r in rows.categories for c in (columns.categories if columns else (TOTAL,))
    ]
    value = dict.fromkeys(keys, 0.0)
    base = dict.fromkeys(keys, 0)
    shares: dict[CellKey, dict[str, float]] = {k: {} for k in keys}
    observations = observed.of(measure)
    row_keys = _keys(observations, rows.name)
    column_keys = _keys(observations, columns.name if columns else None)
    for obs, key in zip(observations, zip(row_keys, column_keys, strict=True), strict=True):
        if key not in value:
            continue  # a category the report does not show (never expected)
        value[key] += obs.value
        base[key] += obs.counted
        if obs.provider is not None:
            shares[key][obs.provider] = shares[key].get(obs.provider, 0.0) + obs.value
    interior: dict[CellKey, Cell] = {}
    for key in keys:
        if measure.kind is CellKind.COUNT:
            interior[key] = Cell(value[key])
        elif measure.kind is CellKind.MONEY:
            interior[key] = Cell(round(value[key], 2), contributions=shares[key])
        elif base[key]:
            interior[key] = Cell(value[key], denominator=base[key])
        else:
            # No one to average over: "not applicable", and nothing for the audit.
            interior[key] = Cell(0.0, denominator=0, symbol=Symbol.NOT_APPLICABLE)
    breakdowns = (rows.name, columns.name) if columns else (rows.name,)
    return Table(
        measure.name,
        measure.kind,
        breakdowns,
        rows.categories,
        columns.categories if columns else (),
        interior,
    )
