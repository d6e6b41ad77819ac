"""The privacy predicates, as composable query expressions (ADR 0050).

Each takes its operands as query values: ``OuterRef("path")`` when it is used inside a
queryset over another model (the usual case), or a plain value (an id, a category) when
it is asked about one known row. So the same expression serves a list of thousands of
students and the one-student explanation of a refusal.

The promises they keep: live consent for a category (P07), an objection restricts
processing until the DPO lifts it (P20), a data-sharing agreement in force (P09), an
organisation registered with the student's partnership (P13), and an involvement that
runs today (P08).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from seip.organisations.models import (
    DataSharingAgreement,
    OrganisationType,
    PartnerOrganisation,
    School,
)
from seip.referrals.models import ConsentGrant
from seip.rights.models import Restriction
from seip.sharing.models import Involvement


def live_grants() -> QuerySet[ConsentGrant]:
    """Consent grants the family has not withdrawn (P07)."""
    return ConsentGrant.objects.filter(withdrawn_at__isnull=True)


def live_consent(referral: Any, category: Any) -> Exists:
    """The family's consent for ``category`` on ``referral`` is live (P07)."""
    return Exists(live_grants().filter(referral=referral, category=category))


def restrictions_in_force() -> QuerySet[Restriction]:
    """Objections the DPO has not lifted: they restrict processing at once (P20)."""
    return Restriction.objects.filter(lifted_at__isnull=True)


def restricted(student: Any) -> Exists:
    """An objection restricts ``student``'s processing (P20)."""
    return Exists(restrictions_in_force().filter(student=student))


def school_may_see(student: Any, referral: Any) -> Q:
    """The school on roll may see the student: the family's consent for schools is live
    and no objection restricts processing (P07, P20). Who the school on roll is, is the
    caller's join: this says only whether that door is open."""
    return Q(live_consent(referral, OrganisationType.SCHOOL)) & ~Q(restricted(student))


def registered(organisation: Any, partnership: Any) -> Q:
    """The organisation works with the partnership: a listed partner, or one of the
    partnership's own schools (P13)."""
    listed = PartnerOrganisation.partnerships.through.objects.filter(
        partnerorganisation=organisation, partnership=partnership
    )
    own_school = School.objects.filter(organisation=organisation, partnership=partnership)
    return Q(Exists(listed)) | Q(Exists(own_school))


def agreements_in_force(on: dt.date) -> QuerySet[DataSharingAgreement]:
    return DataSharingAgreement.objects.filter(DataSharingAgreement.in_force(on))


def agreement_in_force(organisation: Any, partnership: Any, on: dt.date) -> Exists:
    """A data-sharing agreement between them is in force on ``on`` (P09)."""
    return Exists(
        agreements_in_force(on).filter(organisation=organisation, partnership=partnership)
    )


def running(on: dt.date, prefix: str = "") -> Q:
    """An involvement (or anything with ``starts_on``/``ends_on``) runs on ``on``."""
    return Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on})
    )


def involvement_runs(student: Any, organisation: Any, on: dt.date) -> Exists:
    """The organisation has an involvement with the student that runs on ``on`` (P08)."""
    return Exists(
        Involvement.objects.filter(running(on), student=student, organisation=organisation)
    )


def opens_record(on: dt.date) -> Q:
    """For an ``Involvement`` queryset: the involvement opens its student's record on
    ``on``: it runs, and every sharing predicate holds for its organisation."""
    return (
        running(on)
        & registered(OuterRef("organisation"), OuterRef("student__partnership"))
        & Q(live_consent(OuterRef("student__referral"), OuterRef("organisation__type")))
        & Q(agreement_in_force(OuterRef("organisation"), OuterRef("student__partnership"), on))
        & ~Q(restricted(OuterRef("student")))
    )


def reached_through_involvement(organisations: Iterable[int], on: dt.date) -> Exists:
    """For a ``Student`` queryset: an involvement of one of these organisations (the ids
    of the organisations a user acts for) opens the student's record on ``on``. Here,
    not in sharing, because the students' own scope is built on it (ADR 0052)."""
    return Exists(
        Involvement.objects.filter(
            opens_record(on), student=OuterRef("pk"), organisation__in=list(organisations)
        )
    )
