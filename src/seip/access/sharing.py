"""May an organisation receive a student's information, and if not, why (ADR 0050).

The answer is computed from the very expressions ``sharing.selectors.live_involvements``
filters by (``seip.access.predicates``), evaluated for one student and one organisation
in one query. A property test (``access/tests/test_agreement.py``) checks that the list's
SQL and this explanation agree on generated worlds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, Q
from django.utils import timezone

from seip.access import predicates as p
from seip.organisations.models import DataSharingAgreement, OrganisationType, PartnerOrganisation
from seip.students.models import Student


@dataclass(frozen=True)
class Rule:
    """One predicate a share must satisfy, and what to tell a co-ordinator when it fails."""

    name: str
    holds: Callable[[Student, PartnerOrganisation, dt.date], Q | Exists]
    explain: Callable[[Student, PartnerOrganisation, dt.date], str]


def _restricted(student: Student, organisation: PartnerOrganisation, day: dt.date) -> str:
    return (
        "Processing of this student's information is restricted because of an objection: "
        "nothing may be shared until the data protection officer lifts it (P20)."
    )


def _unregistered(student: Student, organisation: PartnerOrganisation, day: dt.date) -> str:
    return (
        f"{organisation.name} is not registered as a partner of "
        f"{student.partnership.name}, so it can receive nothing (P13)."
    )


def _no_consent(student: Student, organisation: PartnerOrganisation, day: dt.date) -> str:
    category = OrganisationType(organisation.type)
    return (
        f"The family has not agreed to share information with "
        f"{category.label.lower()} organisations, or has withdrawn that consent (P07)."
    )


def _no_agreement(student: Student, organisation: PartnerOrganisation, day: dt.date) -> str:
    last = (
        DataSharingAgreement.objects.filter(
            organisation=organisation, partnership=student.partnership_id
        )
        .order_by("-expires_on")
        .first()
    )
    detail = (
        f"its agreement {last.reference} expired on {last.expires_on:%-d %B %Y}"
        if last is not None and last.expires_on < day
        else "it has no data-sharing agreement in force"
    )
    return (
        f"{organisation.name} has no current data-sharing agreement with "
        f"{student.partnership.name}: {detail} (P09)."
    )


def _not_involved(student: Student, organisation: PartnerOrganisation, day: dt.date) -> str:
    return (
        f"{organisation.name} has no active involvement with this student: record one first (P08)."
    )


#: In the order a co-ordinator would fix them.
RULES: tuple[Rule, ...] = (
    Rule("unrestricted", lambda s, o, d: ~Q(p.restricted(s.pk)), _restricted),
    Rule("registered", lambda s, o, d: p.registered(o.pk, s.partnership_id), _unregistered),
    Rule("consented", lambda s, o, d: p.live_consent(s.referral_id, o.type), _no_consent),
    Rule(
        "agreement",
        lambda s, o, d: p.agreement_in_force(o.pk, s.partnership_id, d),
        _no_agreement,
    ),
)
INVOLVED = Rule("involved", lambda s, o, d: p.involvement_runs(s.pk, o.pk, d), _not_involved)


def refusal(
    student: Student,
    organisation: PartnerOrganisation,
    *,
    on: dt.date | None = None,
    need_involvement: bool = True,
) -> str | None:
    """Why ``organisation`` may not receive ``student``'s information, or None if it may.

    Every rule is evaluated in one query; the first that fails gives the reason."""
    day = on or timezone.localdate()
    rules = (*RULES, INVOLVED) if need_involvement else RULES
    verdicts = (
        Student.objects.filter(pk=student.pk)
        .annotate(
            **{
                rule.name: ExpressionWrapper(
                    Q(rule.holds(student, organisation, day)), output_field=BooleanField()
                )
                for rule in rules
            }
        )
        .values(*(rule.name for rule in rules))
        .first()
    )
    if verdicts is None:
        return "This student has no record."
    for rule in rules:
        if not verdicts[rule.name]:
            return rule.explain(student, organisation, day)
    return None
