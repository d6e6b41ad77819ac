"""Writes for reports: recording a release in the ledger (P10)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.audit.services import audit_record
from seip.disclosure.control import Policy, Reason
from seip.disclosure.lp import InconsistentTables
from seip.disclosure.tables import CellKey, Table
from seip.organisations.models import LocalAuthority, PartnerOrganisation, Partnership
from seip.reports.ledger import Entry, LedgerAudit, Population, audit_release, entry_of
from seip.reports.models import Release
from seip.reports.selectors import LedgerCache, ledger_entries

#: Breakdowns that would make a cell a person: a release holds aggregates only.
IDENTIFYING = frozenset({"student", "upn", "name", "first_name", "last_name", "date_of_birth"})


class Withheld(ValueError):
    """No suppression of the table keeps every earlier release safe (P10), so it is not
    published. ``conflicts`` are the ids of the earlier releases whose hidden cells it
    would let a reader narrow; the caller says which, and what to ask for instead."""

    def __init__(self, measure: str, conflicts: list[int]) -> None:
        super().__init__("the table could not be protected; it was not released")
        self.measure = measure
        self.conflicts = conflicts


def release_record(
    *,
    table: Table,
    population: Population,
    recipient_role: Role,
    recipient_organisation: PartnerOrganisation | None = None,
    partnership: Partnership | None = None,
    local_authority: LocalAuthority | None = None,
    policy: Policy | None = None,
    school_groups: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
    given: Mapping[CellKey, Reason] | None = None,
    actor: User,
    ledger: LedgerCache | None = None,
) -> tuple[Release, LedgerAudit]:
    """Protect ``table`` against itself and every earlier overlapping release, and record
    it in the ledger (P10). Every output (page, PDF, CSV, XLSX) must publish exactly the
    returned ``LedgerAudit.protected``, never the raw table.

    ``school_groups`` names breakdowns whose categories are groups of schools (a county
    report by partnership: ``{"partnership": {name: frozenset(school ids)}}``); the
    audit sums their schools rather than treating them as free categories, and the
    grouping is stored with the population for later audits.

    The ledger is locked for the audit, so two releases cannot each pass against the
    ledger without the other and together disclose a cell.

    ``ledger`` keeps the earlier releases parsed between the tables of one report; it
    is told which releases the lock found, so it audits against the same ones.
    """
    if IDENTIFYING & set(table.breakdowns):
        raise ValueError("a released table is broken down by categories, never by person")
    policy = policy or Policy()
    if school_groups is not None:
        population = dataclasses.replace(population, school_groups=dict(school_groups))
    # No savepoint inside a caller's transaction (a report's): nothing here is caught and
    # carried on from (``Withheld`` is raised once the block has ended), so a failure
    # ends the caller's transaction as it would anyway, and a report of 52 releases
    # saves 104 statements, each a round trip on PostgreSQL (ADR 0056).
    with transaction.atomic(savepoint=False):
        # Serialise releases of one measure: the audit must see every earlier release.
        locked = Release.objects.select_for_update().filter(measure=table.measure)
        if ledger is None:
            list(locked.values("pk"))
            entries = ledger_entries(table.measure)
        else:
            entries = ledger.entries(table.measure, locked.values_list("pk", flat=True))
        result, set_aside = _audit_against_consistent(
            table, population, entries, policy, given=given
        )
        if not result.passed:
            conflicts = _conflicts(result)
            # Nothing is published, so nothing enters the ledger; the audit trail says
            # what was withheld and because of which releases (ids only).
            audit_record(
                actor=actor,
                action="report.withhold",
                detail={
                    "measure": table.measure,
                    "recipient_role": str(recipient_role),
                    "conflicts": conflicts,
                },
            )
        else:
            protected = result.protected
            cells = [
                {
                    "row": cell.row,
                    "column": cell.column,
                    "value": cell.value,
                    "suppressed": cell.suppressed,
                    "reason": str(protected.suppressed.get((cell.row, cell.column), "")),
                    "protection": cell.protection,
                    "upper": None if cell.upper == float("inf") else cell.upper,
                    "sensitive": cell.sensitive,
                    "lower": cell.lower,
                }
                for cell in entry_of(0, population, protected).cells
            ]
            release = Release(
                partnership=partnership,
                local_authority=local_authority,
                measure=table.measure,
                kind=table.kind.value,
                breakdowns=list(table.breakdowns),
                population=population.as_json(),
                policy=dataclasses.asdict(policy),
                cells=cells,
                compared_with=[ref for ref in result.compared_with if isinstance(ref, int)],
                released_by=actor,
                recipient_role=recipient_role,
                recipient_organisation=recipient_organisation,
                released_at=timezone.now(),
            )
            # The related rows were passed in as objects: only the fields need checking.
            release.full_clean(
                exclude=["partnership", "local_authority", "released_by", "recipient_organisation"]
            )
            release.save()
            if ledger is not None:
                ledger.add(release)
            audit_record(
                actor=actor,
                action="report.release",
                obj=release,
                detail={
                    "measure": table.measure,
                    "recipient_role": str(recipient_role),
                    "cells": len(cells),
                    "suppressed": len(protected.suppressed),
                    "compared_with": release.compared_with,
                    "set_aside_as_revised": set_aside,
                },
            )
    if not result.passed:
        raise Withheld(table.measure, conflicts)
    return release, result


def _conflicts(result: LedgerAudit) -> list[int]:
    """The earlier releases (ids) with a cell the failed audit could not keep protected."""
    return sorted(
        {
            key[0]
            for key, interval in result.audit.items()
            if not interval.ok and isinstance(key, tuple) and isinstance(key[0], int)
        }
    )


def _audit_against_consistent(
    table: Table,
    population: Population,
    entries: list[Entry],
    policy: Policy,
    *,
    given: Mapping[CellKey, Reason] | None = None,
) -> tuple[LedgerAudit, int]:
    """Audit against the ledger; if today's figures contradict earlier releases (a late
    import or a correction revised them), audit against the longest run of the most
    recent releases that agrees with today's figures, and say how many were set aside.

    Agreement is monotone (a shorter run of recent releases has fewer constraints), so a
    binary search finds the run in a few audits. The earlier, revised figures stay in
    the ledger; what differencing them against today's could show is the revision
    itself, which ADR 0022 accepts.
    """
    with contextlib.suppress(InconsistentTables):
        return audit_release(table, population, entries, policy, given=given), 0
    # entries[start:] agrees for start = len(entries) (no earlier release at all) and
    # not for start = 0: find the smallest start that agrees.
    low, high = 1, len(entries)
    found: dict[int, LedgerAudit] = {}
    while low < high:
        middle = (low + high) // 2
        try:
            found[middle] = audit_release(table, population, entries[middle:], policy, given=given)
        except InconsistentTables:
            low = middle + 1
        else:
            high = middle
    if high not in found:
        found[high] = audit_release(table, population, entries[high:], policy, given=given)
    return found[high], high
