"""Demo provision: one to three interventions per student with realistic UK costs (P06),
and Alternative Provision placements with their checks and half-termly reviews (P12).

Deterministic for a seed (and the day it runs: placements still running have attended
only the sessions up to today). Written with bulk_create, so 10,000 students take
seconds; costs still come from the one pure cost function.
"""

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from seip.audit.services import audit_record
from seip.core.calendar import half_term_of
from seip.keys.fields import seal_bulk_create
from seip.organisations.models import OrganisationType, PartnerOrganisation
from seip.provision.costs import total_cost
from seip.provision.models import (
    FundingStream,
    Intervention,
    InterventionType,
    Placement,
    PlacementReview,
    SafeguardingCheck,
)
from seip.referrals.models import Consent
from seip.students.models import Student
from seip.students.sources import SourceKind

T = InterventionType
#: Which kind of organisation delivers each type in the demo; None is the partnership.
DELIVERED_BY: dict[InterventionType, str | None] = {
    T.KEY_WORK: None,
    T.MENTORING: OrganisationType.VOLUNTARY,
    T.TUTORING: OrganisationType.VOLUNTARY,
    T.COUNSELLING: OrganisationType.HEALTH,
    T.AP_PLACEMENT: OrganisationType.ALTERNATIVE_PROVIDER,
    T.BEHAVIOUR_PROGRAMME: OrganisationType.VOLUNTARY,
}
WEIGHTS = [30, 20, 12, 10, 18, 10]
SITES = ["Main site", "Farm site", "Town centre hub", "Vocational workshop", "Sports centre"]
REVIEW_NOTES = [
    ("Settled well; attending most days.", "Keep the current timetable; review maths input."),
    ("Some missed Mondays; engaged in practical work.", "Call home on any Monday absence."),
    ("Good progress in English and vocational units.", "Plan a part-time return to school."),
    ("Attendance dipped after half term.", "Meet the family with the key worker."),
]
_CHUNK = 900


def _pennies(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100 + 1, 50)) / 100


def _providers(students: list[Student]) -> dict[tuple[int, str], list[int]]:
    through = PartnerOrganisation.partnerships.through
    rows = through.objects.filter(
        partnership_id__in={s.partnership_id for s in students}
    ).values_list("partnership_id", "partnerorganisation_id", "partnerorganisation__type")
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    for partnership_id, organisation_id, kind in rows.order_by("partnerorganisation_id"):
        found[(partnership_id, kind)].append(organisation_id)
    return found


def _signed_on(students: list[Student]) -> dict[int, dt.date]:
    """The day each family signed the referral: provision starts after it (P25)."""
    signed: dict[int, dt.date] = {}
    ids = [s.referral_id for s in students]
    for start in range(0, len(ids), _CHUNK):
        rows = (
            Consent.objects.filter(referral_id__in=ids[start : start + _CHUNK])
            .values_list("referral_id")
            .annotate(first=Min("signed_on"))
        )
        signed.update(rows)
    return signed


def _costs(rng: random.Random, kind: InterventionType, units: int) -> dict[str, Decimal]:
    """Unit cost, units and staff time at typical 2026 English rates."""
    quantity = Decimal(units)
    rates: dict[InterventionType, tuple[int, int]] = {
        T.MENTORING: (25, 40),
        T.TUTORING: (28, 35),
        T.COUNSELLING: (42, 48),
        T.AP_PLACEMENT: (60, 120),
    }
    if kind == T.KEY_WORK:
        return {
            "unit_cost": Decimal("0.00"),
            "quantity": quantity,
            "staff_hours": quantity,
            "staff_hourly_cost": rng.choice([Decimal("27.50"), Decimal("29.80"), Decimal("32.00")]),
        }
    if kind == T.BEHAVIOUR_PROGRAMME:
        return {"unit_cost": _pennies(rng, 450, 900), "quantity": Decimal(1)}
    low, high = rates[kind]
    return {"unit_cost": _pennies(rng, low, high), "quantity": quantity}


def _funding(rng: random.Random, kind: InterventionType) -> FundingStream:
    if kind == T.AP_PLACEMENT:
        streams = [FundingStream.HIGH_NEEDS, FundingStream.DEVOLVED, FundingStream.SCHOOL]
        return rng.choices(streams, weights=[4, 4, 2])[0]
    return rng.choices(list(FundingStream), weights=[12, 3, 1, 4, 1])[0]


def _review_dates(rng: random.Random, start: dt.date, until: dt.date) -> Iterator[dt.date]:
    """One review in each half term after the first, most of them done on time."""
    term = half_term_of(start).next()
    while term.start <= until:
        latest = min(term.end, until)
        if rng.random() < 0.85:
            yield term.start + dt.timedelta(days=rng.randint(0, (latest - term.start).days))
        term = term.next()


def build_history(students: list[Student], seed: int) -> None:
    """Give each student one to three interventions, some of them AP placements."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    providers = _providers(students)
    signed = _signed_on(students)
    interventions: list[Intervention] = []
    placements: dict[int, tuple[Placement, dt.date | None]] = {}
    for student in students:
        anchor = signed.get(student.referral_id, today - dt.timedelta(days=90))
        for _ in range(rng.randint(1, 3)):
            kind = rng.choices(list(DELIVERED_BY), weights=WEIGHTS)[0]
            org_kind = DELIVERED_BY[kind]
            choices = providers.get((student.partnership_id, org_kind), []) if org_kind else []
            if org_kind and not choices:
                kind, org_kind = T.KEY_WORK, None
            start = anchor + dt.timedelta(days=rng.randint(7, 45))
            weeks = rng.randint(6, 24)
            days = rng.choice([1, 2, 2.5, 3, 5]) if kind == T.AP_PLACEMENT else 1
            planned = max(1, round(weeks * days)) if kind == T.AP_PLACEMENT else weeks
            end = start + dt.timedelta(weeks=weeks)
            elapsed = min(1.0, max(0.0, (today - start).days / (7 * weeks)))
            attended = min(planned, round(planned * elapsed * rng.uniform(0.6, 0.98)))
            costs = _costs(rng, kind, planned)
            intervention = Intervention(
                student=student,
                type=kind,
                provider_id=rng.choice(choices) if choices else None,
                start_date=start,
                end_date=end if end <= today else None,
                sessions_planned=planned,
                sessions_attended=attended,
                funding_stream=_funding(rng, kind),
                total_cost=total_cost(**costs),
                source_kind=SourceKind.PARTNERSHIP,
                obtained_on=min(start, today),
                **costs,
            )
            interventions.append(intervention)
            if kind == T.AP_PLACEMENT:
                checks = list(SafeguardingCheck.values)
                if start > today and rng.random() < 0.5:
                    checks.remove(rng.choice(checks))
                placement = Placement(
                    days_per_week=Decimal(str(days)), site=rng.choice(SITES), checks=checks
                )
                placements[len(interventions) - 1] = (placement, intervention.end_date)
    with transaction.atomic():
        Intervention.objects.bulk_create(interventions, batch_size=1000)
        for index, (placement, _end) in placements.items():
            placement.intervention = interventions[index]
        # A placement's site and a review's text are sealed under the child's key (P14).
        seal_bulk_create(Placement, [p for p, _ in placements.values()], batch_size=1000)
        reviews = []
        for index, (placement, ended) in placements.items():
            intervention = interventions[index]
            until = min(ended, today) if ended else today
            for reviewed_on in _review_dates(rng, intervention.start_date, until):
                summary, next_steps = rng.choice(REVIEW_NOTES)
                from_provider = rng.random() < 0.5
                reviews.append(
                    PlacementReview(
                        placement=placement,
                        reviewed_on=reviewed_on,
                        attendance_percent=Decimal(rng.randint(550, 980)) / 10,
                        summary=summary,
                        next_steps=next_steps,
                        source_kind=SourceKind.AGENCY if from_provider else SourceKind.PARTNERSHIP,
                        source_organisation_id=intervention.provider_id if from_provider else None,
                        obtained_on=reviewed_on,
                    )
                )
        seal_bulk_create(PlacementReview, reviews, batch_size=1000)
        audit_record(actor=None, action="demo.provision", detail={"students": len(students)})
