"""What the county report does to be quick must not change what it publishes or what the
ledger checks (issue 17, ADR 0038): the facts read only what can count, the ledger is
parsed once per report, and each table's audit starts from what the last one found."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from seip.accounts.models import Role
from seip.attendance.calculations import Counts, tally_between
from seip.attendance.models import AttendanceYear
from seip.behaviour.tests.factories import ExclusionFactory, IncidentFactory
from seip.disclosure import lp
from seip.disclosure.control import Policy
from seip.impact.tests.builders import mark
from seip.referrals.models import Consent
from seip.reports import ledger as ledger_module
from seip.reports.facts import gather
from seip.reports.ledger import Entry, Population, audit_release, entry_of
from seip.reports.models import Release
from seip.reports.population import Scope, population_of
from seip.reports.selectors import LedgerCache, ledger_entries
from seip.reports.services import release_record
from seip.reports.tests.builders import count_table
from seip.reports.tests.test_population import YEAR, admit


@pytest.mark.django_db
def test_facts_read_only_what_counts_and_miss_nothing_that_does(county, personas):
    """A referral signed in August, before the school year it was accepted in: its
    attendance before and since start in the earlier year, and an incident between the
    signature and the acceptance counts. Years and incidents before it are skipped by
    the query, never miscounted: the facts equal a count over every row."""
    early, usual = admit(county, personas, 1), admit(county, personas, 2)
    signed = dt.date(2026, 8, 20)  # school year 2025-26; accepted today, in 2026-27
    Consent.objects.filter(referral=early.referral).update(signed_on=signed)
    rng = random.Random(4)  # noqa: S311 - seeded test data
    for student in (early, usual):
        for year in (2024, 2025, 2026):
            mark(student, lambda day, y=year: 0.95 - 0.1 * (y - 2024), rng=rng, year=year)
        for day in (dt.date(2025, 1, 10), dt.date(2026, 8, 1), dt.date(2026, 8, 25)):
            IncidentFactory(student=student, occurred_on=day)
        IncidentFactory(student=student, occurred_on=dt.date(2026, 10, 5))
        ExclusionFactory(student=student, start_date=dt.date(2026, 8, 26))
        ExclusionFactory(student=student, start_date=dt.date(2025, 3, 2))

    today = timezone.localdate()
    facts = {f.referred_on: f for f in gather(scope=Scope(partnership=county.a), period=YEAR)}
    assert set(facts) == {signed, dt.date(2026, 9, 20)}
    for referred, fact in facts.items():
        student = early if referred == signed else usual
        first = 2025 if referred == signed else 2026
        rows = AttendanceYear.objects.filter(student=student)
        day_before = referred - dt.timedelta(days=1)
        before = [tally_between(r.academic_year, r.marks, None, day_before) for r in rows
                  if r.academic_year == first]  # fmt: skip
        since = [tally_between(r.academic_year, r.marks, referred, today) for r in rows
                 if r.academic_year >= first]  # fmt: skip
        assert fact.before == sum(before, start=Counts())
        assert fact.before.possible
        assert fact.since == sum(since, start=Counts())
    assert facts[signed].incidents == 2  # 25 August and 5 October 2026
    assert facts[signed].suspensions == 1
    assert facts[dt.date(2026, 9, 20)].incidents == 1
    assert facts[dt.date(2026, 9, 20)].suspensions == 0


@pytest.mark.django_db
def test_the_ledger_a_report_keeps_is_the_ledger(county, personas):
    """Releases read once per report (``LedgerCache``) are exactly what reading the
    ledger again gives: in order, a repeat counted once, and a release someone else
    made between two tables included."""
    scope = Scope(partnership=county.a)
    population = population_of(scope=scope, period=YEAR)
    cache = LedgerCache()
    years = ("7", "8", "9")

    def release(counts, *, shared):
        table = count_table(
            [{"year": y} for y, n in zip(years, counts, strict=True) for _ in range(n)],
            ("year", years),
        )
        release_record(
            table=table, population=population, recipient_role=Role.COORDINATOR,
            partnership=county.a, actor=personas["coordinator"],
            ledger=cache if shared else None,
        )  # fmt: skip

    def seen() -> list[Entry]:
        ids = Release.objects.filter(measure="students").values_list("pk", flat=True)
        return cache.entries("students", ids)

    release((20, 3, 12), shared=True)
    assert seen() == ledger_entries("students")
    release((20, 3, 12), shared=True)  # the same figures again: a repeat
    release((21, 14, 12), shared=False)  # someone else's, with other figures
    assert len(ledger_entries("students")) == 2
    assert seen() == ledger_entries("students")
    release((21, 14, 13), shared=True)
    assert seen() == ledger_entries("students")
    assert [e.ref for e in seen()] == [e.ref for e in ledger_entries("students")]


def _population(schools: set[str], groups: bool = False) -> Population:
    partnerships = {"North": frozenset({"1", "2"}), "South": frozenset({"3", "4"})}
    return Population(
        schools=frozenset(schools),
        year="2025",
        terms=frozenset({"autumn", "spring", "summer"}),
        school_groups={"partnership": partnerships} if groups else {},
    )


def _tables(rng: random.Random) -> list[tuple[object, Population]]:
    """A partnership report's tables for each of two partnerships, then the county's:
    the order the county benchmark releases them in, on small random cohorts."""
    pupils = [
        {
            "school": rng.choice("1234"),
            "year": rng.choice(("7", "8", "9")),
            "sex": rng.choice("FM"),
            "tier": rng.choice(("1", "2", "3")),
        }
        for _ in range(rng.randint(15, 45))
    ]
    north, south = ({"1", "2"}, {"3", "4"})
    steps: list[tuple[object, Population]] = []
    for schools in (north, south):
        own = [p for p in pupils if p["school"] in schools]
        steps.append((count_table(own, ("school", tuple(sorted(schools)))), _population(schools)))
        for breakdown, categories in (("year", ("7", "8", "9")), ("sex", ("F", "M"))):
            steps.append((count_table(own, (breakdown, categories)), _population(schools)))
    every = north | south
    for p in pupils:
        p["partnership"] = "North" if p["school"] in north else "South"
    steps.append(
        (count_table(pupils, ("partnership", ("North", "South"))), _population(every, True))
    )
    for breakdown, categories in (
        ("year", ("7", "8", "9")),
        ("sex", ("F", "M")),
        ("tier", ("1", "2", "3")),
    ):
        steps.append((count_table(pupils, (breakdown, categories)), _population(every)))
    return steps


def _forget() -> dict[str, dict]:
    """A fresh thread's audit: nothing carried from the last one. Returns what was
    carried, for ``_restore``."""
    carried = {
        "lp": dict(lp._local.__dict__),
        "ledger": dict(ledger_module._layouts.__dict__),
        "related": dict(ledger_module._related.__dict__),
    }
    for name in ("witnesses", "last", "owner", "columns"):
        lp._local.__dict__.pop(name, None)
    for name in ("by_key", "labels"):  # the layouts hold each group's rows (``_Group``)
        ledger_module._layouts.__dict__.pop(name, None)
    ledger_module._related.__dict__.pop("indexes", None)
    return carried


def _restore(carried: dict[str, dict]) -> None:
    # Not the model loaded in the solver: the fresh audit's is loaded now.
    lp._local.__dict__.update({k: v for k, v in carried["lp"].items() if k != "owner"})
    ledger_module._layouts.__dict__.update(carried["ledger"])
    ledger_module._related.__dict__.update(carried["related"])


@pytest.mark.parametrize("seed", range(8))
def test_an_audit_that_starts_from_the_last_one_decides_as_a_fresh_one(seed):
    """Each table audited with what the report's earlier audits left (feasible points,
    the atoms' layout, parsed cells) is suppressed exactly as when audited afresh, and
    passes or fails alike; the points carried over are checked, never trusted."""
    policy = Policy()
    earlier: list[Entry] = []
    inherited = 0
    _forget()
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    for table, population in _tables(rng):
        carried = _forget()
        fresh = audit_release(table, population, earlier, policy)
        _forget()
        _restore(carried)
        inherited += sum(len(points) for points in carried["lp"].get("witnesses", {}).values())
        warm = audit_release(table, population, earlier, policy)
        assert warm.passed == fresh.passed
        assert dict(warm.protected.suppressed) == dict(fresh.protected.suppressed)
        assert warm.compared_with == fresh.compared_with
        earlier.append(entry_of(len(earlier), population, fresh.protected))
    _forget()
    assert inherited  # the warm audits did start from earlier points
