"""Writes of placements, part-time timetables and suspension follow-ups (ADR 0049).

Every service is keyword-only, takes the actor, checks the actor may change the child's
record (``ensure_can_write``), validates the whole change, and writes its audit event in
the same transaction. Audit details carry ids and choices, never free text (P14).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.behaviour.models import Exclusion, ExclusionKind
from seip.organisations.models import OrganisationType, PartnerOrganisation, School
from seip.placements.models import (
    APPlacement,
    EndReason,
    PartTimeTimetable,
    PlacementCheck,
    PrimaryReason,
    Provider,
    QualityVisit,
    Registration,
    SettingType,
    SuspensionFollowUp,
)
from seip.placements.selectors import (
    TIMETABLE_WEEKS,
    census_identifiers,
    identifier_problem,
)
from seip.provision.models import Intervention, InterventionType
from seip.students.models import Student
from seip.students.permissions import ensure_can_write


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _full_clean(row: object, errors: dict[str, list[str]], exclude: list[str]) -> None:
    try:
        row.full_clean(exclude=exclude)  # type: ignore[attr-defined]
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)


# Providers ---------------------------------------------------------------------------------


@transaction.atomic
def provider_record(
    *,
    organisation: PartnerOrganisation,
    urn: str = "",
    ukprn: str = "",
    registration: Registration = Registration.UNKNOWN,
    actor: User | None,
) -> Provider:
    """Set an alternative provider's census identity and registration status. A partnership
    co-ordinator of the provider's partnerships (or the demo/commands, actor None)."""
    if organisation.type != OrganisationType.ALTERNATIVE_PROVIDER:
        raise ValidationError({"organisation": "Only an alternative provider has these details"})
    if actor is not None and not any(
        has_role(actor, [Role.COORDINATOR], partnership=p) for p in organisation.partnerships.all()
    ):
        raise PermissionDenied("Only a co-ordinator of a partnership it works with")
    errors: dict[str, list[str]] = {}
    for name, value in (("urn", urn), ("ukprn", ukprn)):
        if value and not value.isdigit():
            errors[name] = [f"The {name.upper()} must be digits only"]
    _raise(errors)
    provider, _ = Provider.objects.update_or_create(
        organisation=organisation,
        defaults={"urn": urn.strip(), "ukprn": ukprn.strip(), "registration": registration},
    )
    audit_record(
        actor=actor,
        action="placements.provider",
        obj=provider,
        detail={"registration": str(registration), "urn": bool(urn), "ukprn": bool(ukprn)},
    )
    return provider


@transaction.atomic
def quality_visit_record(
    *,
    provider: Provider,
    visited_on: dt.date,
    next_due_on: dt.date,
    satisfactory: bool,
    actor: User | None,
) -> QualityVisit:
    if next_due_on <= visited_on:
        raise ValidationError({"next_due_on": "The next visit must be due after this one"})
    visit = QualityVisit.objects.create(
        provider=provider,
        visited_on=visited_on,
        next_due_on=next_due_on,
        satisfactory=satisfactory,
        recorded_by=actor,
    )
    audit_record(actor=actor, action="placements.quality_visit", obj=visit)
    return visit


# Placements --------------------------------------------------------------------------------


def _placement_errors(placement: APPlacement) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _full_clean(placement, errors, exclude=["intervention", "student", "recorded_by"])
    start = placement.intervention.start_date
    if placement.maximum_end and placement.maximum_end < start:
        errors.setdefault("maximum_end", []).append(
            "The end of the maximum period must be after the placement starts"
        )
    if (
        placement.planned_end
        and placement.maximum_end
        and placement.planned_end > (placement.maximum_end)
    ):
        errors.setdefault("planned_end", []).append(
            "The planned end must be on or before the end of the maximum period"
        )
    if placement.planned_end and placement.planned_end < start:
        errors.setdefault("planned_end", []).append(
            "The planned end must be after the placement starts"
        )
    if placement.commissioning_school_id and (
        placement.commissioning_school.partnership_id != placement.student.partnership_id
    ):
        errors.setdefault("commissioning_school", []).append(
            "Choose a school in the student's partnership"
        )
    problem = identifier_problem(*census_identifiers(placement))
    if problem is not None:
        errors.setdefault("setting_type", []).append(
            "Give a setting type only when the provider has neither a URN nor a UKPRN "
            f"(this placement {problem})"
        )
    return errors


@transaction.atomic
def placement_plan_record(
    *,
    intervention: Intervention,
    commissioning_school: School,
    primary_reason: PrimaryReason,
    objectives: str,
    reintegration_criteria: str,
    sessions_per_week: int,
    maximum_end: dt.date,
    planned_end: dt.date,
    setting_type: SettingType | str = "",
    actor: User,
) -> APPlacement:
    """Add the plan and census record to an AP_PLACEMENT intervention (ADR 0049)."""
    ensure_can_write(actor, intervention.student)
    if intervention.type != InterventionType.AP_PLACEMENT:
        raise ValidationError({"intervention": "Only an Alternative Provision placement"})
    if APPlacement.objects.filter(intervention=intervention).exists():
        raise ValidationError({"intervention": "This placement already has its plan"})
    placement = APPlacement(
        intervention=intervention,
        student=intervention.student,
        commissioning_school=commissioning_school,
        primary_reason=primary_reason,
        objectives=objectives.strip(),
        reintegration_criteria=reintegration_criteria.strip(),
        sessions_per_week=sessions_per_week,
        maximum_end=maximum_end,
        planned_end=planned_end,
        setting_type=setting_type,
        recorded_by=actor,
    )
    _raise(_placement_errors(placement))
    placement.save()
    audit_record(
        actor=actor,
        action="placements.plan",
        obj=placement,
        detail={"intervention": intervention.pk, "reason": str(primary_reason)},
    )
    return placement


_PLAN_FIELDS = frozenset(
    {
        "commissioning_school",
        "primary_reason",
        "objectives",
        "reintegration_criteria",
        "sessions_per_week",
        "maximum_end",
        "planned_end",
        "setting_type",
        "end_reason",
    }
)


@transaction.atomic
def placement_plan_update(*, placement: APPlacement, actor: User, **changes: object) -> APPlacement:
    """Change the plan, or say how it ended (the end date itself is the intervention's,
    ``provision.services.intervention_end``)."""
    ensure_can_write(actor, placement.student)
    unknown = set(changes) - _PLAN_FIELDS
    if unknown:
        raise TypeError(f"not a plan field: {sorted(unknown)}")
    placement = APPlacement.objects.select_for_update().get(pk=placement.pk)
    for name, value in changes.items():
        setattr(placement, name, value.strip() if isinstance(value, str) else value)
    if changes.get("end_reason") and placement.intervention.end_date is None:
        raise ValidationError(
            {"end_reason": "End the placement under provision first, then say how it ended"}
        )
    _raise(_placement_errors(placement))
    placement.save()
    audit_record(
        actor=actor,
        action="placements.plan_update",
        obj=placement,
        detail={"fields": sorted(changes)},
    )
    return placement


@transaction.atomic
def placement_check_record(
    *,
    placement: APPlacement,
    reviewed_on: dt.date,
    sessions_attended: int,
    sessions_possible: int,
    progress: str,
    pupil_view: str,
    actor: User,
) -> PlacementCheck:
    """A half-termly review: attendance at the provider and the pupil's own view."""
    ensure_can_write(actor, placement.student)
    check = PlacementCheck(
        placement=placement,
        reviewed_on=reviewed_on,
        sessions_attended=sessions_attended,
        sessions_possible=sessions_possible,
        progress=progress.strip(),
        pupil_view=pupil_view.strip(),
        recorded_by=actor,
    )
    errors: dict[str, list[str]] = {}
    _full_clean(check, errors, exclude=["placement", "recorded_by"])
    if sessions_attended > sessions_possible:
        errors.setdefault("sessions_attended", []).append(
            "Sessions attended cannot be more than the sessions possible"
        )
    if reviewed_on < placement.intervention.start_date:
        errors.setdefault("reviewed_on", []).append(
            "The review date must be on or after the day the placement started"
        )
    if reviewed_on > timezone.localdate():
        errors.setdefault("reviewed_on", []).append("The review date cannot be in the future")
    _raise(errors)
    check.save()
    audit_record(actor=actor, action="placements.review", obj=check)
    return check


# Part-time timetables ----------------------------------------------------------------------


def _timetable_errors(timetable: PartTimeTimetable) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _full_clean(timetable, errors, exclude=["student", "school", "recorded_by"])
    if timetable.start_date and timetable.planned_end:
        if timetable.planned_end < timetable.start_date:
            errors.setdefault("planned_end", []).append("The planned end must be after the start")
        limit = timetable.start_date + dt.timedelta(weeks=TIMETABLE_WEEKS)
        if timetable.planned_end > limit and not timetable.extension_reason:
            errors.setdefault("extension_reason", []).append(
                f"A part-time timetable lasts at most {TIMETABLE_WEEKS} weeks: give the reason "
                "for a longer one"
            )
    if timetable.ended_on and timetable.start_date and timetable.ended_on < timetable.start_date:
        errors.setdefault("ended_on", []).append("The end must be after the start")
    return errors


@transaction.atomic
def timetable_record(
    *,
    student: Student,
    start_date: dt.date,
    planned_end: dt.date,
    sessions_per_week: int,
    extension_reason: str = "",
    parents_agreed_on: dt.date | None = None,
    council_told_on: dt.date | None = None,
    actor: User,
) -> PartTimeTimetable:
    """Record a part-time timetable at the student's school: time-limited (six weeks
    unless extended with a reason), agreed with the parents, told to the council."""
    ensure_can_write(actor, student)
    timetable = PartTimeTimetable(
        student=student,
        school=student.school,
        start_date=start_date,
        planned_end=planned_end,
        sessions_per_week=sessions_per_week,
        extension_reason=extension_reason.strip(),
        parents_agreed_on=parents_agreed_on,
        council_told_on=council_told_on,
        recorded_by=actor,
    )
    _raise(_timetable_errors(timetable))
    timetable.save()
    audit_record(actor=actor, action="placements.timetable", obj=timetable)
    return timetable


_TIMETABLE_FIELDS = frozenset(
    {
        "start_date",
        "planned_end",
        "extension_reason",
        "sessions_per_week",
        "parents_agreed_on",
        "council_told_on",
        "ended_on",
    }
)


@transaction.atomic
def timetable_update(
    *, timetable: PartTimeTimetable, actor: User, **changes: object
) -> PartTimeTimetable:
    """Extend (with a reason), record the parents' agreement or the council told, or end."""
    ensure_can_write(actor, timetable.student)
    unknown = set(changes) - _TIMETABLE_FIELDS
    if unknown:
        raise TypeError(f"not a timetable field: {sorted(unknown)}")
    timetable = PartTimeTimetable.objects.select_for_update().get(pk=timetable.pk)
    for name, value in changes.items():
        setattr(timetable, name, value.strip() if isinstance(value, str) else value)
    _raise(_timetable_errors(timetable))
    timetable.save()
    audit_record(
        actor=actor,
        action="placements.timetable_update",
        obj=timetable,
        detail={"fields": sorted(changes)},
    )
    return timetable


# Suspensions -------------------------------------------------------------------------------


@transaction.atomic
def suspension_follow_up(
    *,
    exclusion: Exclusion,
    council_told_on: dt.date | None,
    provision_from: dt.date | None,
    provision: str = "",
    actor: User,
) -> SuspensionFollowUp:
    """Record when the council was told of a suspension and the education arranged from
    its sixth school day."""
    ensure_can_write(actor, exclusion.student)
    if exclusion.kind != ExclusionKind.SUSPENSION:
        raise ValidationError({"exclusion": "Only a suspension"})
    errors: dict[str, list[str]] = {}
    if council_told_on and council_told_on < exclusion.start_date - dt.timedelta(days=7):
        errors["council_told_on"] = ["The council cannot be told long before the suspension"]
    if provision_from and provision_from < exclusion.start_date:
        errors["provision_from"] = ["Provision is arranged on or after the suspension starts"]
    if provision_from and not provision.strip():
        errors["provision"] = ["Say what education was arranged"]
    if provision.strip() and not provision_from:
        errors["provision_from"] = ["Give the date the education started"]
    _raise(errors)
    follow_up, _ = SuspensionFollowUp.objects.select_for_update().get_or_create(exclusion=exclusion)
    follow_up.council_told_on = council_told_on
    follow_up.provision_from = provision_from
    follow_up.provision = provision.strip()
    follow_up.recorded_by = actor
    follow_up.save()
    audit_record(
        actor=actor,
        action="placements.suspension",
        obj=follow_up,
        detail={
            "exclusion": exclusion.pk,
            "council_told": council_told_on is not None,
            "provision": provision_from is not None,
        },
    )
    return follow_up


__all__ = ["EndReason"]
