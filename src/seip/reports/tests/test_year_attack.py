"""The attacker who collects a whole year of releases (issue 17, P10).

A small county (two partnerships of two small schools each) releases, for one academic
year, the standard outcome tables to every legitimate recipient: the county report (the
LA officer), each partnership's report (its co-ordinator) and each school's (its
contact), for every period (each term and the whole year). The tables are cut by the
real measures (``measures.cut``, the standard report's ``SECTIONS``) and pass through
the real ledger (``services._audit_against_consistent``, as ``release_record`` calls
it); no database is needed, so every release of the year fits in one test.

The attacker then solves one linear programme over every published figure with every
relation a reader knows, written here independently of the engine:
- each table's margins, and that a measure's grand total is the same in every
  breakdown of one population;
- schools add up to their partnership, partnerships to the county, by every breakdown
  (a partnership's row for a school is that school's total, and so on);
- terms add up to the year for figures fixed at referral (who was referred, by what);
  for outcomes measured "since referral" to the end of the period, the year's figure is
  at least the terms' sum (the same students, watched for longer);
- measures that count the same pupils: with no permanent exclusions (published as 0),
  "exclusions avoided" is the number of pupils at tiers 3 and 4; never more than the
  pupils referred;
- a ``c`` is never 0 (zeros are printed as 0): every suppressed count is at least 1.

A sensitive cell (a count of 1 to 5) that the attacker pins narrower than its
protection, with the true value inside, is a disclosure.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_array  # type: ignore[import-untyped]

from seip.disclosure.control import (
    Policy,
    ProtectedTable,
    is_sensitive,
    protect,
    protection_level,
)
from seip.disclosure.tables import TOTAL, CellKind, Symbol
from seip.reports.bases import (
    companion,
    companion_policy,
    hide_unbased,
    publishes_bases,
    withhold_all,
)
from seip.reports.facts import DESTINATIONS, ETHNIC_GROUPS, SEXES, TIERS, StudentFacts
from seip.reports.ledger import Entry, Population, audit_release, entry_of
from seip.reports.measures import (
    MEASURES,
    OWN_BREAKDOWNS,
    STUDENT_BREAKDOWNS,
    Breakdown,
    Observed,
    cut,
    period_atoms,
)
from seip.reports.outcomes import SECTIONS
from seip.reports.services import _audit_against_consistent

P10 = pytest.mark.promise("P10")

YEAR = "2026-27"
TERM_ORDER = ("autumn", "spring", "summer")
PERIODS: tuple[tuple[str, ...], ...] = (("autumn",), ("spring",), ("summer",), TERM_ORDER)
#: The tables simulated: who was referred, by what; outcomes since referral; and the
#: measure that restates tiers 3 and 4 (the relations the issue names).
SIMULATED = {
    "students",
    "incidents",
    "suspensions",
    "permanent_exclusions",
    "exclusions_avoided",
    "destinations",
}
# ("exclusions_avoided" restated tiers 3 and 4 and was dropped, ADR 0029: the attacker
# keeps the relation, so were it to come back, this test would use it.)
#: Measures fixed at referral: a term's figure plus the other terms' makes the year's.
AT_REFERRAL = {"students"}


@dataclass(frozen=True)
class Pupil:
    school: str
    partnership: str
    term: str
    year_group: str
    sex: str
    ethnicity: str
    tier: str
    #: Suspensions in each term from autumn (none before the referral).
    suspensions: tuple[int, int, int]
    #: The term the case closed in, and where the pupil went.
    closed: tuple[str, str] | None


PARTNERSHIPS = {"p1": ("s1", "s2"), "p2": ("s3", "s4")}


def county(seed: int = 17) -> list[Pupil]:
    """Small schools (about a dozen referrals a year each), with a planted disclosure:
    one pupil of school s1, the only Black pupil in the county, referred in spring at
    tier 2, who left for alternative provision."""
    rng = random.Random(seed)  # noqa: S311 -- test data, reproducible by seed
    pupils = []
    for partnership, schools in PARTNERSHIPS.items():
        for school in schools:
            for _ in range(rng.randint(10, 14)):
                term = rng.choice(TERM_ORDER)
                start = TERM_ORDER.index(term)
                suspensions = tuple(rng.choice((0, 0, 0, 1)) if i >= start else 0 for i in range(3))
                closed = None
                if rng.random() < 0.4:
                    closed = (
                        rng.choice(TERM_ORDER[start:]),
                        rng.choice((DESTINATIONS[0], DESTINATIONS[0], DESTINATIONS[1])),
                    )
                pupils.append(
                    Pupil(
                        school,
                        partnership,
                        term,
                        rng.choice(("Year 8", "Year 9", "Year 10")),
                        rng.choice(SEXES),
                        rng.choice(("White", "White", "White", "Asian")),
                        rng.choice(TIERS),
                        suspensions,  # type: ignore[arg-type]
                        closed,
                    )
                )
    pupils.append(Pupil("s1", "p1", "spring", "Year 9", "Male", "Black", "Tier 2", (0, 0, 0), None))
    pupils[-1] = dataclasses.replace(pupils[-1], closed=("summer", DESTINATIONS[2]))
    return pupils


def facts(pupils: Iterable[Pupil], terms: Sequence[str]) -> list[StudentFacts]:
    """The referral cohort of the period, outcomes measured to the end of the period
    (as ``facts.gather`` does)."""
    last = max(TERM_ORDER.index(t) for t in terms)
    out = []
    for p in pupils:
        if p.term not in terms:
            continue
        destination = None
        if p.closed is not None and p.closed[0] in terms:
            destination = p.closed[1]
        out.append(
            StudentFacts(
                school=p.school,
                partnership=p.partnership,
                term=p.term,
                year_group=p.year_group,
                sex=p.sex,
                ethnicity=p.ethnicity,
                tier=p.tier,
                suspensions=sum(p.suspensions[: last + 1]),
                # A mean over every student: its bases are student counts (ADR 0036).
                incidents=sum(1 + 2 * n for n in p.suspensions[: last + 1]),
                destination=destination,
            )
        )
    return out


def breakdown_of(name: str) -> Breakdown:
    return STUDENT_BREAKDOWNS.get(name) or OWN_BREAKDOWNS[name]


@dataclass(frozen=True)
class Scope:
    """A recipient's scope: the county, a partnership or a school."""

    kind: str  # "county", "partnership", "school"
    name: str
    schools: tuple[str, ...]

    def place(self) -> Breakdown:
        if self.kind == "school":
            return STUDENT_BREAKDOWNS["year_group"]
        if self.kind == "partnership":
            return Breakdown("school", "School", self.schools)
        return Breakdown("partnership", "Partnership", tuple(PARTNERSHIPS))

    def groups(self) -> dict[str, dict[str, frozenset[str]]]:
        if self.kind != "county":
            return {}
        return {"partnership": {p: frozenset(s) for p, s in PARTNERSHIPS.items()}}


def scopes() -> list[Scope]:
    everyone = tuple(s for schools in PARTNERSHIPS.values() for s in schools)
    result = [Scope("county", "county", everyone)]
    result += [Scope("partnership", p, s) for p, s in PARTNERSHIPS.items()]
    result += [Scope("school", s, (s,)) for s in everyone]
    return result


@dataclass
class Published:
    tag: Hashable
    scope: Scope
    terms: tuple[str, ...]
    measure: str
    breakdown: str  # the ledger's name of the row breakdown
    protected: ProtectedTable


@dataclass
class Year:
    releases: list[Published]
    refused: list[str]


def release_year(
    pupils: Sequence[Pupil],
    order: Sequence[tuple[Scope, tuple[str, ...]]],
    *,
    bases: bool = True,
) -> Year:
    """Every standard table of every report in ``order``, through the real ledger."""
    ledger: dict[str, list[Entry]] = {}
    releases: list[Published] = []
    refused: list[str] = []
    policy = Policy()
    for scope, terms in order:
        observed = Observed(facts([p for p in pupils if p.school in scope.schools], terms))
        population = Population(
            frozenset(scope.schools), YEAR, frozenset(terms), school_groups=scope.groups()
        )
        for _section, _title, specs in SECTIONS:
            for spec in specs:
                if spec.measure not in SIMULATED or spec.columns:
                    continue
                measure = MEASURES[spec.measure]
                rows = scope.place() if spec.rows == "place" else breakdown_of(spec.rows)
                table = cut(measure, observed, rows)
                tag = (scope.name, "+".join(terms), spec.measure, rows.name, len(releases))
                earlier = ledger.setdefault(spec.measure, [])
                # As ``outcomes.release_figure`` does: the ledger's terms say what adds up.
                labelled = dataclasses.replace(
                    population, terms=period_atoms(measure.accrual, terms)
                )
                result, _ = _audit_against_consistent(table, labelled, earlier, policy)
                if not result.passed:
                    refused.append(str(tag))
                    continue
                earlier.append(entry_of(len(releases), labelled, result.protected))
                protected = result.protected
                if bases and publishes_bases(measure, None):
                    # As ``outcomes.release_figure`` does: the bases shown, as students.
                    base, at_referral, hidden = companion(
                        measure, observed, rows, protected, labelled
                    )
                    audited, _ = _audit_against_consistent(
                        base,
                        at_referral,
                        ledger.setdefault("students", []),
                        companion_policy(policy),
                        given=hidden,
                    )
                    if audited.passed:
                        ledger["students"].append(
                            entry_of(("base", len(releases)), at_referral, audited.protected)
                        )
                        protected = hide_unbased(protected, audited.protected)
                    else:
                        protected = withhold_all(protected)
                releases.append(Published(tag, scope, terms, spec.measure, rows.name, protected))
    return Year(releases, refused)


class YearAttacker:
    """One LP over every published figure of the year (see the module docstring)."""

    def __init__(self, releases: Sequence[Published]) -> None:
        self.index: dict[Hashable, int] = {}
        self.eq: list[tuple[dict[int, float], float]] = []
        self.ge: list[dict[int, float]] = []  # sum(coef * x) >= 0
        self.lower: dict[int, float] = {}
        self.upper: dict[int, float] = {}
        # Means are not sums of the unknowns: the attacker reads only their bases.
        self.bases = [r for r in releases if r.protected.table.kind is not CellKind.COUNT]
        self.releases = [r for r in releases if r.protected.table.kind is CellKind.COUNT]
        for r in self.releases:
            self._reads(r)
        self._relate()

    def var(self, name: Hashable) -> int:
        return self.index.setdefault(name, len(self.index))

    def equal(self, terms: dict[Hashable, float], rhs: float = 0.0) -> None:
        row: dict[int, float] = {}
        for name, coef in terms.items():
            j = self.var(name)
            row[j] = row.get(j, 0.0) + coef
        self.eq.append((row, rhs))

    def _reads(self, r: Published) -> None:
        table = r.protected.table
        for key, figure in r.protected.published().items():
            j = self.var((r.tag, *key))
            if isinstance(figure, Symbol):
                if figure is Symbol.SUPPRESSED and table.kind is CellKind.COUNT:
                    # Zeros are printed as 0 (and every hidden count has one footnote,
                    # so the reason tells nothing more: ADR 0030).
                    self.lower[j] = 1.0
                continue
            self.equal({(r.tag, *key): 1}, float(figure))
        self.equal({**{(r.tag, row, TOTAL): 1 for row in table.rows}, (r.tag, TOTAL, TOTAL): -1})

    def _relate(self) -> None:
        by: dict[tuple[str, str, tuple[str, ...], str], Published] = {}
        for r in self.releases:
            by[(r.scope.name, r.measure, r.terms, r.breakdown)] = r
        totals: dict[tuple[str, str, tuple[str, ...]], Hashable] = {}

        def total(scope: str, measure: str, terms: tuple[str, ...]) -> Hashable | None:
            return totals.get((scope, measure, terms))

        # One population's breakdowns share the grand total.
        for r in self.releases:
            key = (r.scope.name, r.measure, r.terms)
            if key in totals:
                self.equal({totals[key]: 1, (r.tag, TOTAL, TOTAL): -1})
            else:
                totals[key] = (r.tag, TOTAL, TOTAL)
        for r in self.releases:
            # Parts add up to the whole: schools to a partnership, partnerships to the county.
            parts = self._parts(r.scope)
            if parts:
                whole = total(r.scope.name, r.measure, r.terms)
                pieces = [total(p, r.measure, r.terms) for p in parts]
                if whole is not None and all(p is not None for p in pieces):
                    self.equal({whole: -1, **{p: 1 for p in pieces if p is not None}})
                if r.breakdown in ("school", "partnership"):
                    for part in parts:
                        piece = total(part, r.measure, r.terms)
                        if piece is not None:
                            self.equal({(r.tag, part, TOTAL): 1, piece: -1})
                else:
                    pieces_r = [by.get((p, r.measure, r.terms, r.breakdown)) for p in parts]
                    if all(pieces_r):
                        for row in r.protected.table.rows:
                            self.equal(
                                {
                                    (r.tag, row, TOTAL): -1,
                                    **{(p.tag, row, TOTAL): 1 for p in pieces_r if p},
                                }
                            )
            # Terms and the year.
            if r.terms == TERM_ORDER:
                terms = [by.get((r.scope.name, r.measure, (t,), r.breakdown)) for t in TERM_ORDER]
                if all(terms):
                    for key in r.protected.cells:
                        row = {(r.tag, *key): -1.0, **{(t.tag, *key): 1.0 for t in terms if t}}
                        if r.measure in AT_REFERRAL:
                            self.equal(row)  # type: ignore[arg-type]
                        else:
                            self.ge.append(
                                {self.var(n): -c for n, c in row.items()}  # year >= terms
                            )
        # A mean's or rate's base, shown beside it, counts the students of its row: every
        # student for incidents per student.
        for r in self.bases:
            students = by.get((r.scope.name, "students", r.terms, r.breakdown))
            shown = r.protected.published()
            for key, cell in r.protected.cells.items():
                if isinstance(shown[key], Symbol) or not cell.denominator:
                    continue
                if students is not None:
                    self.equal({(students.tag, key[0], TOTAL): 1}, float(cell.denominator))
                elif key == (TOTAL, TOTAL):
                    whole = total(r.scope.name, "students", r.terms)
                    if whole is not None:
                        self.equal({whole: 1}, float(cell.denominator))
        # Measures that count the same pupils.
        for r in self.releases:
            if r.measure != "exclusions_avoided":
                continue
            excluded = total(r.scope.name, "permanent_exclusions", r.terms)
            tiers = by.get((r.scope.name, "students", r.terms, "tier"))
            students = total(r.scope.name, "students", r.terms)
            if students is not None:
                for row in r.protected.table.rows:
                    same = by.get((r.scope.name, "students", r.terms, r.breakdown))
                    if same is not None:
                        self.ge.append(
                            {self.var((same.tag, row, TOTAL)): 1, self.var((r.tag, row, TOTAL)): -1}
                        )
            if excluded is None or tiers is None:
                continue
            shown = self._shown(excluded)
            if shown == 0:
                self.equal(
                    {
                        (r.tag, TOTAL, TOTAL): 1,
                        (tiers.tag, "Tier 3", TOTAL): -1,
                        (tiers.tag, "Tier 4", TOTAL): -1,
                    }
                )

    def _shown(self, name: Hashable) -> float | None:
        tag, row, column = name  # type: ignore[misc]
        for r in self.releases:
            if r.tag == tag:
                figure = r.protected.published()[(row, column)]
                return None if isinstance(figure, Symbol) else float(figure)
        return None

    @staticmethod
    def _parts(scope: Scope) -> list[str]:
        if scope.kind == "county":
            return list(PARTNERSHIPS)
        if scope.kind == "partnership":
            return list(scope.schools)
        return []

    def intervals(self, names: Sequence[Hashable]) -> dict[Hashable, tuple[float, float]]:
        n = len(self.index)
        rows, cols, data = [], [], []
        for i, (terms, _rhs) in enumerate(self.eq):
            for j, c in terms.items():
                rows.append(i)
                cols.append(j)
                data.append(c)
        a_eq = coo_array((data, (rows, cols)), shape=(len(self.eq), n)).tocsr()
        b_eq = np.array([rhs for _, rhs in self.eq])
        rows, cols, data = [], [], []
        for i, terms in enumerate(self.ge):
            for j, c in terms.items():
                rows.append(i)
                cols.append(j)
                data.append(-c)  # linprog takes A_ub x <= b
        a_ub = coo_array((data, (rows, cols)), shape=(len(self.ge), n)).tocsr()
        bounds = [(self.lower.get(j, 0.0), self.upper.get(j)) for j in range(n)]
        found = {}
        for name in names:
            objective = np.zeros(n)
            objective[self.index[name]] = 1.0
            ends = []
            for sign in (1.0, -1.0):
                result = linprog(
                    sign * objective,
                    A_ub=a_ub if self.ge else None,
                    b_ub=np.zeros(len(self.ge)) if self.ge else None,
                    A_eq=a_eq,
                    b_eq=b_eq,
                    bounds=bounds,
                    method="highs",
                )
                if result.status == 3:
                    ends.append(-sign * np.inf)
                else:
                    assert result.status == 0, result.message
                    ends.append(sign * result.fun)
            found[name] = (ends[0], ends[1])
        return found

    def recovered(self) -> list[str]:
        """Sensitive suppressed cells pinned narrower than their protection level."""
        targets = {}
        for r in self.releases:
            table, policy = r.protected.table, r.protected.policy
            for key in r.protected.suppressed:
                cell = r.protected.cells[key]
                if is_sensitive(cell, table.kind, policy):
                    targets[(r.tag, *key)] = (
                        cell.value,
                        protection_level(cell, table.kind, policy),
                    )
        found = []
        truth = {
            (r.tag, *key): cell.value
            for r in self.releases
            for key, cell in r.protected.cells.items()
        }
        names = {j: name for name, j in self.index.items()}
        zeros = [names[j] for j in self.lower if truth[names[j]] < self.lower[j]]
        if zeros:
            # A suppressed zero contradicts "c is at least 1": the reader's LP has no
            # solution, which tells them some c is 0. Report it, then attack as the
            # strongest reader, who also guessed which.
            found.append(f"{len(zeros)} c below what the reader assumes, e.g. {zeros[0]}")
            for name in zeros:
                del self.lower[self.index[name]]
        for name, (low, high) in self.intervals(list(targets)).items():
            value, level = targets[name]
            if high - low + 1e-6 < level and low - 1e-6 <= value <= high + 1e-6:
                found.append(f"{name}: {value:g} in [{low:g}, {high:g}]")
        return found


def standard_order() -> list[tuple[Scope, tuple[str, ...]]]:
    """The county first, then partnerships, then schools; terms, then the year."""
    return [(scope, terms) for terms in PERIODS for scope in scopes()]


@pytest.fixture(scope="module")
def year() -> Year:
    return release_year(county(), standard_order())


def test_the_attack_can_succeed_on_tables_protected_one_at_a_time():
    """The attacker is real: against tables each protected alone (no ledger), it names
    the planted pupil's group."""
    pupils = county()
    releases = []
    for scope, terms in standard_order():
        observed = Observed(facts([p for p in pupils if p.school in scope.schools], terms))
        for _section, _title, specs in SECTIONS:
            for spec in specs:
                if spec.measure not in SIMULATED or spec.columns:
                    continue
                rows = scope.place() if spec.rows == "place" else breakdown_of(spec.rows)
                table = cut(MEASURES[spec.measure], observed, rows)

                tag = (scope.name, "+".join(terms), spec.measure, rows.name, len(releases))
                releases.append(
                    Published(tag, scope, terms, spec.measure, rows.name, protect(table))
                )
    leaks = YearAttacker(releases).recovered()
    assert any("Black" in leak for leak in leaks), leaks


@P10
def test_no_table_of_the_year_is_withheld(year: Year):
    """Every table of every recipient is released: where a ``c`` cannot protect an
    earlier release, cells are withheld (``x``), never the table (ADR 0036)."""
    assert year.refused == []
    for r in year.releases:
        shown = [f for f in r.protected.published().values() if f is not Symbol.NOT_AVAILABLE]
        assert shown, f"{r.tag} is all x"


@P10
def test_an_attacker_with_every_release_of_the_year_recovers_nothing(year: Year):
    assert YearAttacker(year.releases).recovered() == []


def test_without_their_companion_the_bases_beside_means_give_counts_away():
    """The attack is real for bases too: published beside the means, unaudited as counts
    of students, they narrow hidden counts of the "students referred" tables."""
    year = release_year(county(), standard_order(), bases=False)
    assert YearAttacker(year.releases).recovered() != []


def test_the_simulation_uses_the_real_breakdowns():
    # ethnicity and destination breakdowns as the reports publish them
    assert breakdown_of("ethnicity").categories == ETHNIC_GROUPS
    assert breakdown_of("destination").categories == DESTINATIONS
    assert audit_release  # the engine under test


KINDS = ("county", "partnership", "school")


@P10
@pytest.mark.parametrize(
    "order",
    [*("/".join(p) for p in itertools.permutations(KINDS)), "shuffled"],
)
def test_in_any_order_of_requests_every_recipient_gets_a_report_and_nothing_is_recovered(
    order: str,
):
    """Who asks first must decide neither what can be worked out nor who gets a report:
    the same year, released in every order of the county, the partnerships and the
    schools (each term, then the year), and in a shuffled order of every request."""
    if order == "shuffled":
        requests = standard_order()
        random.Random(29).shuffle(requests)  # noqa: S311 -- a reproducible order
    else:
        rank = {kind: i for i, kind in enumerate(order.split("/"))}
        requests = [(s, t) for t in PERIODS for s in sorted(scopes(), key=lambda s: rank[s.kind])]
    year = release_year(county(), requests)
    assert year.refused == []
    assert YearAttacker(year.releases).recovered() == []
