"""Recording provision and its cost (P06), and reviewing AP placements (P02, P12).

Every write checks the actor may change the student's record, validates the whole
change before anything is saved, and writes its audit row in the same transaction.
Costs are always set by :func:`seip.provision.costs.total_cost`, never typed in.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
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
from seip.provision.selectors import placement_of, providers_for
from seip.students.models import Student
from seip.students.permissions import ensure_can_write
from seip.students.sources import SourceKind

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PlacementDetails:
    """What an Alternative Provision placement records beyond any intervention."""

    days_per_week: Decimal
    site: str
    checks: frozenset[str]


class InterventionChanges(TypedDict, total=False):
    description: str
    provider: PartnerOrganisation | None
    start_date: dt.date
    end_date: dt.date | None
    sessions_planned: int
    sessions_attended: int
    unit_cost: Decimal
    quantity: Decimal
    staff_hours: Decimal
    staff_hourly_cost: Decimal
    funding_stream: FundingStream
    days_per_week: Decimal
    site: str
    checks: frozenset[str]


_PLACEMENT_FIELDS = frozenset({"days_per_week", "site", "checks"})


def _price(intervention: Intervention) -> None:
    try:
        intervention.total_cost = total_cost(
            unit_cost=intervention.unit_cost,
            quantity=intervention.quantity,
            staff_hours=intervention.staff_hours,
            staff_hourly_cost=intervention.staff_hourly_cost,
        )
    except (TypeError, ValueError):
        # A missing or negative input: full_clean names the field that is wrong.
        intervention.total_cost = ZERO


def _errors(intervention: Intervention, placement: Placement | None) -> dict[str, list[str]]:
    """Every problem with the change, so the form can show them all at once."""
    errors: dict[str, list[str]] = {}
    try:
        intervention.full_clean(exclude=["total_cost"])
    except ValidationError as error:
        errors.update(error.message_dict)
    provider = intervention.provider
    partnership = intervention.student.partnership
    if provider is not None and not providers_for(partnership).filter(pk=provider.pk).exists():
        errors.setdefault("provider", []).append(
            "Choose a provider that works with this partnership"
        )
    if intervention.is_placement:
        if provider is not None and provider.type != OrganisationType.ALTERNATIVE_PROVIDER:
            errors.setdefault("provider", []).append(
                "An Alternative Provision placement must be with an alternative provider"
            )
        if placement is None:
            errors.setdefault("days_per_week", []).append(
                "Give the days per week and site of the placement"
            )
        else:
            try:
                placement.full_clean(exclude=["intervention"])
            except ValidationError as error:
                errors.update(error.message_dict)
    elif placement is not None:
        errors.setdefault("type", []).append(
            "Only an Alternative Provision placement has days per week, a site and checks"
        )
    return errors


def _safeguarding_errors(
    intervention: Intervention, placement: Placement | None
) -> dict[str, list[str]]:
    """No student starts an AP placement before every safeguarding check is done (P02)."""
    if placement is None or intervention.start_date is None:
        return {}
    if intervention.start_date > timezone.localdate() or not placement.missing_checks:
        return {}
    missing = "; ".join(str(check.label) for check in placement.missing_checks)
    return {
        "checks": [
            f"Complete the safeguarding checks before the placement starts. Still to do: {missing}"
        ]
    }


def _save(intervention: Intervention, placement: Placement | None, *, starting: bool) -> None:
    _price(intervention)
    errors = _errors(intervention, placement)
    if starting:
        for key, messages in _safeguarding_errors(intervention, placement).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    intervention.full_clean()
    intervention.save()
    if placement is not None:
        placement.intervention = intervention
        placement.save()


def _checks(values: frozenset[str] | set[str]) -> list[str]:
    """Stored in the checklist's own order, so the record reads the same every time."""
    return [check.value for check in SafeguardingCheck if check.value in values] + sorted(
        set(values) - set(SafeguardingCheck.values)
    )


@transaction.atomic
def intervention_record(
    *,
    student: Student,
    type: InterventionType,
    provider: PartnerOrganisation | None,
    start_date: dt.date,
    end_date: dt.date | None = None,
    sessions_planned: int,
    sessions_attended: int = 0,
    unit_cost: Decimal,
    quantity: Decimal,
    staff_hours: Decimal = ZERO,
    staff_hourly_cost: Decimal = ZERO,
    funding_stream: FundingStream,
    description: str = "",
    placement: PlacementDetails | None = None,
    actor: User,
) -> Intervention:
    """Record a piece of provision and its cost (P06).

    An Alternative Provision placement also needs its days per week, site and
    safeguarding checks, and cannot start until every check is done (P02).
    """
    ensure_can_write(actor, student)
    intervention = Intervention(
        student=student,
        type=type,
        description=description.strip(),
        provider=provider,
        start_date=start_date,
        end_date=end_date,
        sessions_planned=sessions_planned,
        sessions_attended=sessions_attended,
        unit_cost=unit_cost,
        quantity=quantity,
        staff_hours=staff_hours,
        staff_hourly_cost=staff_hourly_cost,
        funding_stream=funding_stream,
        source_kind=SourceKind.PARTNERSHIP,
        obtained_on=timezone.localdate(),
        recorded_by=actor,
    )
    details = (
        Placement(
            days_per_week=placement.days_per_week,
            site=placement.site.strip(),
            checks=_checks(placement.checks),
        )
        if placement is not None
        else None
    )
    _save(intervention, details, starting=True)
    audit_record(
        actor=actor,
        action="provision.record",
        obj=intervention,
        detail={
            "type": str(type),
            "funding_stream": str(funding_stream),
            "total_cost": str(intervention.total_cost),
        },
    )
    return intervention


def _apply(intervention: Intervention, changes: InterventionChanges) -> list[str]:
    placement = placement_of(intervention)
    if _PLACEMENT_FIELDS & changes.keys() and placement is None:
        raise ValidationError(
            {"type": "Only an Alternative Provision placement has days per week, a site and checks"}
        )
    changed = sorted(changes)
    for name, value in changes.items():
        if name == "checks":
            setattr(placement, name, _checks(value))  # type: ignore[arg-type]
        elif name in _PLACEMENT_FIELDS:
            setattr(placement, name, value.strip() if isinstance(value, str) else value)
        else:
            setattr(intervention, name, value)
    # Moving the start, or changing the checks, of a placement must not let a student
    # start without them; ending or costing an existing placement is always allowed.
    _save(intervention, placement, starting=bool({"start_date", "checks"} & changes.keys()))
    return changed


@transaction.atomic
def intervention_update(
    *, intervention: Intervention, actor: User, **changes: Unpack[InterventionChanges]
) -> Intervention:
    """Correct or update an intervention: sessions, costs, dates, placement details."""
    ensure_can_write(actor, intervention.student)
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    fields = _apply(intervention, changes)
    audit_record(
        actor=actor,
        action="provision.update",
        obj=intervention,
        detail={"fields": fields, "total_cost": str(intervention.total_cost)},
    )
    return intervention


@transaction.atomic
def intervention_end(
    *,
    intervention: Intervention,
    end_date: dt.date,
    sessions_attended: int | None = None,
    actor: User,
) -> Intervention:
    """End a running intervention, with the final count of sessions attended."""
    ensure_can_write(actor, intervention.student)
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    if intervention.end_date is not None:
        raise ValidationError(
            {"end_date": f"This intervention already ended on {intervention.end_date:%-d %B %Y}"}
        )
    changes: InterventionChanges = {"end_date": end_date}
    if sessions_attended is not None:
        changes["sessions_attended"] = sessions_attended
    _apply(intervention, changes)
    audit_record(
        actor=actor,
        action="provision.end",
        obj=intervention,
        detail={"total_cost": str(intervention.total_cost)},
    )
    return intervention


@transaction.atomic
def placement_review_record(
    *,
    placement: Placement,
    reviewed_on: dt.date,
    attendance_percent: Decimal,
    summary: str,
    next_steps: str,
    source_kind: SourceKind = SourceKind.PARTNERSHIP,
    source_organisation: PartnerOrganisation | None = None,
    actor: User,
) -> PlacementReview:
    """Record a half-termly review of an AP placement (P12). The attendance figure's
    source is kept with it (P11): often the provider's own register."""
    intervention = placement.intervention
    ensure_can_write(actor, intervention.student)
    review = PlacementReview(
        placement=placement,
        reviewed_on=reviewed_on,
        attendance_percent=attendance_percent,
        summary=summary.strip(),
        next_steps=next_steps.strip(),
        source_kind=source_kind,
        source_organisation=source_organisation,
        obtained_on=reviewed_on,
        recorded_by=actor,
    )
    errors: dict[str, list[str]] = {}
    try:
        review.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if reviewed_on and reviewed_on < intervention.start_date:
        errors.setdefault("reviewed_on", []).append(
            "The review date must be on or after the day the placement started"
        )
    if reviewed_on and reviewed_on > timezone.localdate():
        errors.setdefault("reviewed_on", []).append("The review date cannot be in the future")
    if errors:
        raise ValidationError(errors)
    review.save()
    audit_record(actor=actor, action="provision.review", obj=review)
    return review
