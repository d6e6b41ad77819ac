"""The retention schedule: defaults, a partnership's overrides, and due dates (P17).

The defaults are the IRMS toolkit practice quoted in ``shared/domain/privacy-law.md``,
kept here as data rather than scattered through the code. A partnership's DPO may replace
a period (``RetentionRule``); the basis a period counts from and what happens when it ends
belong to the record type and are not editable, because they come from the guidance.

The date arithmetic is pure, so it is tested on hand-worked dates.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from seip.organisations.models import Partnership
from seip.retention.models import RecordType, RetentionRule


class Basis(models.TextChoices):
    DATE_OF_BIRTH = "date_of_birth", "after the date of birth"
    DECISION = "decision", "after the referral was declined"
    WITHDRAWAL = "withdrawal", "after the referral was withdrawn"


class Action(models.TextChoices):
    DISPOSE = "dispose", "Dispose of (crypto-shred and delete)"
    REVIEW = "review", "Review: the DPO decides whether to keep or erase"


@dataclass(frozen=True)
class Default:
    years: int
    days: int
    basis: str
    action: str
    guidance: str


DEFAULTS: dict[str, Default] = {
    RecordType.PUPIL_RECORD: Default(
        25, 0, Basis.DATE_OF_BIRTH, Action.DISPOSE,
        "General pupil record held by a local authority or partnership: until the 25th "
        "birthday (IRMS toolkit; some LAs)",
    ),
    RecordType.SEN_FILE: Default(
        31, 0, Basis.DATE_OF_BIRTH, Action.DISPOSE, "SEN file: date of birth + 31 years (IRMS)"
    ),
    RecordType.SAFEGUARDING: Default(
        25, 0, Basis.DATE_OF_BIRTH, Action.REVIEW,
        "Child protection record: date of birth + 25 years, then review (IRMS toolkit)",
    ),
    RecordType.DECLINED_REFERRAL: Default(
        1, 0, Basis.DECISION, Action.DISPOSE,
        "Not in the IRMS toolkit: a partnership default for a referral that never became a "
        "case. Set your own.",
    ),
    RecordType.WITHDRAWN_REFERRAL: Default(
        1, 0, Basis.WITHDRAWAL, Action.DISPOSE,
        "Not in the IRMS toolkit: a partnership default for a referral the family "
        "withdrew before a case opened. Set your own.",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    record_type: str
    label: str
    years: int
    days: int
    basis: str
    action: str
    guidance: str
    overridden: bool

    @property
    def period(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} year{'s' if self.years != 1 else ''}")
        if self.days or not parts:
            parts.append(f"{self.days} day{'s' if self.days != 1 else ''}")
        return " and ".join(parts)

    @property
    def description(self) -> str:
        return f"{self.period} {Basis(self.basis).label}"

    def due(self, start: dt.date) -> dt.date:
        return add_years(start, self.years) + dt.timedelta(days=self.days)


@dataclass(frozen=True)
class FixedEntry:
    """Schedule lines that are not per-partnership rules but belong in the schedule and
    the record of processing."""

    label: str
    period: str
    guidance: str


def fixed_entries() -> list[FixedEntry]:
    days = settings.DRAFT_RETENTION_DAYS
    return [
        FixedEntry(
            "Unsigned referral draft",
            f"{days} days after it was started",
            "Nothing may be kept before signature (P25). Set by SEIP_DRAFT_RETENTION_DAYS; "
            "purged by the daily sweep.",
        ),
        FixedEntry(
            "Audit and access logs",
            "As long as the record they describe; events hold ids, never content",
            "The hash chain is append-only. After erasure its events name only ids that no "
            "longer lead to anyone; erasure and disposal logs hold metadata only.",
        ),
    ]


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` later; 29 February becomes 1 March in a common year, the day
    a person born on 29 February reaches a new age in England and Wales."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def schedule_for(partnership: Partnership) -> dict[str, Rule]:
    """The live schedule of ``partnership``: its overrides on top of the defaults."""
    overrides = {
        rule.record_type: rule for rule in RetentionRule.objects.filter(partnership=partnership)
    }
    return {
        record_type: _rule(record_type, default, overrides.get(record_type))
        for record_type, default in DEFAULTS.items()
    }


def schedules_for(partnerships: Iterable[Partnership]) -> dict[int, dict[str, Rule]]:
    """Every given partnership's schedule, in one query."""
    wanted = list(partnerships)
    overrides: dict[int, dict[str, RetentionRule]] = {p.pk: {} for p in wanted}
    for rule in RetentionRule.objects.filter(partnership__in=wanted):
        overrides[rule.partnership_id][rule.record_type] = rule
    return {
        pk: {rt: _rule(rt, default, rules.get(rt)) for rt, default in DEFAULTS.items()}
        for pk, rules in overrides.items()
    }


def _rule(record_type: str, default: Default, override: RetentionRule | None) -> Rule:
    return Rule(
        record_type=record_type,
        label=RecordType(record_type).label,
        years=override.years if override else default.years,
        days=override.days if override else default.days,
        basis=default.basis,
        action=default.action,
        guidance=default.guidance,
        overridden=override is not None,
    )


@dataclass(frozen=True)
class StudentDue:
    due_on: dt.date
    action: str
    record_types: tuple[str, ...]


def student_due(
    *, date_of_birth: dt.date, rules: dict[str, Rule], sen: bool, safeguarding: bool
) -> StudentDue:
    """When a student's whole record may go, and whether it goes or is reviewed.

    One data key covers the whole record, so the record goes when its longest applicable
    period ends. A record holding safeguarding concerns is never disposed of
    automatically: when its period ends it is listed for the DPO's review (the toolkit's
    "then review"), and the DPO decides, erasing on ground 17(1)(a) if it is no longer
    needed.
    """
    applying = [RecordType.PUPIL_RECORD.value]
    if sen:
        applying.append(RecordType.SEN_FILE.value)
    if safeguarding:
        applying.append(RecordType.SAFEGUARDING.value)
    due_on = max(rules[rt].due(date_of_birth) for rt in applying)
    review = any(rules[rt].action == Action.REVIEW for rt in applying)
    return StudentDue(due_on, Action.REVIEW if review else Action.DISPOSE, tuple(applying))
