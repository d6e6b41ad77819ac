"""Writes for managed moves and Fair Access. Each takes the acting user, validates, and
writes its audit event in the same transaction (P14), with ids only.

The host school of a managed move is given the record through the existing sharing rules:
``move_agree`` creates its ``Involvement`` from the day the family agreed, so consent for
schools (P07), the host's data-sharing agreement (P09) and its registration with the
partnership (P13) are all checked as for any other organisation.
"""

import datetime as dt
from collections.abc import Collection

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.consultations.validators import no_identifiers
from seip.core.calendar import ensure_not_future
from seip.moves.models import (
    DEFAULT_REVIEW_AFTER,
    LATEST_REVIEW_AFTER,
    Allocation,
    FairAccessCase,
    ManagedMove,
    MoveDecision,
    Panel,
    RollChange,
)
from seip.moves.selectors import uninvited_schools
from seip.notices.selectors import current_notice
from seip.organisations.models import Partnership, School
from seip.referrals.models import Referral, ReferralStatus
from seip.sharing.services import involvement_create, involvement_end
from seip.students.models import Student
from seip.students.permissions import ensure_can_write

NOT_COORDINATOR = "Only the partnership's co-ordinator can do this."


# Managed moves ----------------------------------------------------------------------------


@transaction.atomic
def move_propose(
    *,
    student: Student,
    host_school: School,
    trial_starts_on: dt.date,
    review_on: dt.date | None,
    dual_registration: bool,
    actor: User,
) -> ManagedMove:
    """Propose a managed move of ``student`` to ``host_school``. Nothing reaches the host
    yet: it sees the record only once the family agrees (``move_agree``, P07).

    The review is six weeks after the trial starts unless given, and never after twelve."""
    ensure_can_write(actor, student)
    if host_school.partnership_id != student.partnership_id:
        raise ValidationError({"host_school": "Choose a school in the student's partnership"})
    if host_school.pk == student.school_id:
        raise ValidationError({"host_school": "The host school must be another school"})
    if ManagedMove.objects.filter(student=student, decision="").exists():
        raise ValidationError("This student already has a managed move in progress")
    review_on = review_on or trial_starts_on + DEFAULT_REVIEW_AFTER
    if review_on < trial_starts_on:
        raise ValidationError({"review_on": "The review must be on or after the trial starts"})
    if review_on > trial_starts_on + LATEST_REVIEW_AFTER:
        raise ValidationError(
            {"review_on": "The review must be within 12 weeks of the start of the trial"}
        )
    move = ManagedMove(
        student=student,
        home_school_id=student.school_id,
        host_school=host_school,
        trial_starts_on=trial_starts_on,
        review_on=review_on,
        dual_registration=dual_registration,
        proposed_by=actor,
    )
    move.full_clean()
    move.save()
    audit_record(
        actor=actor,
        action="managed_move.propose",
        obj=move,
        detail={"student": student.pk, "host_school": host_school.pk},
    )
    return move


@transaction.atomic
def move_agree(
    *, move: ManagedMove, agreed_on: dt.date, agreed_by_name: str, actor: User
) -> ManagedMove:
    """Record the family's agreement, with the privacy notice version they were shown
    (P26), and open the record to the host school from that day through an involvement
    (P07, P08, P09: refused with the reason when consent or an agreement is missing)."""
    student = move.student
    ensure_can_write(actor, student)
    if move.agreed_on is not None:
        raise ValidationError("The family's agreement is already recorded")
    if move.decision:
        raise ValidationError("This move has been decided")
    ensure_not_future(agreed_on, field="agreed_on", what="the family agreed")
    agreed_by_name = agreed_by_name.strip()
    if not agreed_by_name:
        raise ValidationError({"agreed_by_name": "Enter the name of the parent or carer"})
    notice = current_notice(student.partnership)
    if notice is None:
        raise ValidationError("Publish the privacy notice before recording the family's agreement")
    try:
        involvement = involvement_create(
            student=student,
            organisation=move.host_school.organisation,
            purpose="Host school of a managed move",
            starts_on=agreed_on,
            ends_on=None,
            actor=actor,
        )
    except ValidationError as error:
        # The sharing rules name the organisation field; on this form it is the agreement.
        raise ValidationError(
            {"agreed_on": error.message_dict.get("organisation", error.messages)}
        ) from error
    move.agreed_on = agreed_on
    move.agreed_by_name = agreed_by_name
    move.notice_version = notice
    move.host_involvement = involvement
    move.save(update_fields=["agreed_on", "agreed_by_name", "notice_version", "host_involvement"])
    audit_record(
        actor=actor,
        action="managed_move.agree",
        obj=move,
        detail={"student": student.pk, "notice": notice.pk, "involvement": involvement.pk},
    )
    return move


@transaction.atomic
def move_review(
    *, move: ManagedMove, reviewed_on: dt.date, next_review_on: dt.date | None, actor: User
) -> ManagedMove:
    """Record the trial's review; a further review may be set, within 12 weeks of the start."""
    ensure_can_write(actor, move.student)
    if move.agreed_on is None or move.decision:
        raise ValidationError("Only a move in trial can be reviewed")
    ensure_not_future(reviewed_on, field="reviewed_on", what="of the review")
    if reviewed_on < move.trial_starts_on:
        raise ValidationError({"reviewed_on": "The review must be on or after the trial starts"})
    move.reviewed_on = reviewed_on
    if next_review_on is not None:
        if next_review_on <= reviewed_on:
            raise ValidationError({"next_review_on": "The next review must be after this one"})
        if next_review_on > move.trial_starts_on + LATEST_REVIEW_AFTER:
            raise ValidationError(
                {"next_review_on": "The review must be within 12 weeks of the start of the trial"}
            )
        move.review_on = next_review_on
    move.save(update_fields=["reviewed_on", "review_on"])
    audit_record(
        actor=actor, action="managed_move.review", obj=move, detail={"student": move.student_id}
    )
    return move


@transaction.atomic
def move_decide(
    *, move: ManagedMove, decision: MoveDecision, decided_on: dt.date, actor: User
) -> ManagedMove:
    """End the trial. On transfer the school on roll becomes the host, and a
    ``RollChange`` keeps the old one so reports keep the student's history with the school
    it happened at (ADR 0048). The host's involvement ends on the day: after a transfer
    the host sees the record as the school on roll, after a return not at all."""
    student = Student.objects.select_for_update().get(pk=move.student_id)
    ensure_can_write(actor, student)
    if move.agreed_on is None:
        raise ValidationError("Record the family's agreement before deciding the move")
    if move.decision:
        raise ValidationError("This move has been decided")
    ensure_not_future(decided_on, field="decided_on", what="of the decision")
    if decided_on < move.trial_starts_on:
        raise ValidationError({"decided_on": "The decision must be on or after the trial starts"})
    if move.host_involvement is not None and move.host_involvement.ends_on is None:
        involvement_end(
            involvement=move.host_involvement, ends_on=max(decided_on, move.agreed_on), actor=actor
        )
    move.decision = decision
    move.decided_on = decided_on
    move.save(update_fields=["decision", "decided_on"])
    detail: dict[str, int | str] = {"student": student.pk, "decision": str(decision)}
    if decision == MoveDecision.TRANSFERRED:
        change = RollChange.objects.create(
            student=student,
            from_school_id=student.school_id,
            to_school_id=move.host_school_id,
            on=decided_on,
            move=move,
        )
        student.school_id = move.host_school_id
        student.save(update_fields=["school"])
        detail["roll_change"] = change.pk
    audit_record(actor=actor, action="managed_move.decide", obj=move, detail=detail)
    return move


# Fair Access (ADR 0048) -------------------------------------------------------------------


def _ensure_coordinator(actor: User, partnership: Partnership) -> None:
    if not has_role(actor, [Role.COORDINATOR], partnership=partnership):
        raise PermissionDenied(NOT_COORDINATOR)


def _partnership_school(school: School | None, partnership: Partnership, field: str) -> None:
    if school is not None and school.partnership_id != partnership.pk:
        raise ValidationError({field: "Choose a school in the partnership"})


@transaction.atomic
def fair_access_case_open(
    *,
    partnership: Partnership,
    nc_year: int,
    excluding_school: School | None,
    opened_on: dt.date,
    actor: User,
) -> FairAccessCase:
    """Open an identifier-free Fair Access case (P25): a reference, a year group and the
    excluding school, nothing that names the child."""
    _ensure_coordinator(actor, partnership)
    _partnership_school(excluding_school, partnership, "excluding_school")
    ensure_not_future(opened_on, field="opened_on", what="the case was opened")
    if not 7 <= nc_year <= 14:
        raise ValidationError({"nc_year": "Choose a secondary year group"})
    Partnership.objects.select_for_update().get(pk=partnership.pk)
    number = FairAccessCase.objects.filter(partnership=partnership).count() + 1
    case = FairAccessCase(
        partnership=partnership,
        reference=f"FA-{partnership.pk}-{number:04d}",
        nc_year=nc_year,
        excluding_school=excluding_school,
        opened_on=opened_on,
        created_by=actor,
    )
    case.full_clean()
    case.save()
    audit_record(actor=actor, action="fair_access.case_open", obj=case, detail={})
    return case


@transaction.atomic
def fair_access_link(*, case: FairAccessCase, referral: Referral, actor: User) -> FairAccessCase:
    """Link the case to the referral form the family signed: only now does the
    partnership hold anything about the child (P25)."""
    _ensure_coordinator(actor, case.partnership)
    if referral.partnership_id != case.partnership_id:
        raise ValidationError({"referral": "Choose a referral to this partnership"})
    if referral.status not in (ReferralStatus.SIGNED, ReferralStatus.ACCEPTED):
        raise ValidationError({"referral": "Link a referral only once a parent has signed it"})
    if case.referral_id is not None:
        raise ValidationError("This case is already linked to a referral")
    if FairAccessCase.objects.filter(referral=referral).exists():
        raise ValidationError({"referral": "That referral is linked to another case"})
    case.referral = referral
    case.save(update_fields=["referral"])
    audit_record(actor=actor, action="fair_access.link", obj=case, detail={"referral": referral.pk})
    return case


@transaction.atomic
def panel_record(
    *,
    partnership: Partnership,
    held_on: dt.date,
    invited: Collection[School],
    present: Collection[School],
    actor: User,
) -> Panel:
    """Record a Fair Access panel. A panel to which a school was not invited is recorded
    (it happened) but can allocate no one (``allocation_record``)."""
    _ensure_coordinator(actor, partnership)
    for school in [*invited, *present]:
        _partnership_school(school, partnership, "invited")
    if not invited:
        raise ValidationError({"invited": "Select the schools invited to the panel"})
    if {s.pk for s in present} - {s.pk for s in invited}:
        raise ValidationError({"present": "A school present must have been invited"})
    panel = Panel.objects.create(partnership=partnership, held_on=held_on, created_by=actor)
    panel.invited.set(invited)
    panel.present.set(present)
    audit_record(
        actor=actor,
        action="fair_access.panel",
        obj=panel,
        detail={"invited": len(invited), "present": len(present)},
    )
    return panel


@transaction.atomic
def allocation_record(
    *, case: FairAccessCase, panel: Panel, school: School, reasons: str, actor: User
) -> Allocation:
    """The panel's allocation of a school, with its reasons. Refused unless every school of
    the partnership was invited: such a decision is not enforceable. The reasons may not
    name, date or number the child (P25)."""
    _ensure_coordinator(actor, case.partnership)
    if panel.partnership_id != case.partnership_id:
        raise ValidationError({"panel": "Choose a panel of the case's partnership"})
    _partnership_school(school, case.partnership, "school")
    missing = uninvited_schools(panel)
    if missing:
        names = ", ".join(s.name for s in missing)
        raise ValidationError(
            {"panel": f"Not every school was invited to this panel ({names}): "
                      "its decision would not be enforceable"}
        )  # fmt: skip
    if Allocation.objects.filter(case=case).exists():
        raise ValidationError("This case already has an allocation")
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError({"reasons": "Give the panel's reasons"})
    try:
        no_identifiers(reasons)
    except ValidationError as error:
        raise ValidationError({"reasons": error.messages}) from error
    allocation = Allocation.objects.create(
        case=case, panel=panel, school=school, reasons=reasons, decided_by=actor
    )
    audit_record(
        actor=actor,
        action="fair_access.allocate",
        obj=allocation,
        detail={"case": case.pk, "school": school.pk, "panel": panel.pk},
    )
    return allocation


@transaction.atomic
def allocation_update(
    *,
    allocation: Allocation,
    school_told_on: dt.date | None,
    admissions_told_on: dt.date | None,
    on_roll_on: dt.date | None,
    actor: User,
) -> Allocation:
    """Record when the school and the admissions team were told, and the on-roll check."""
    _ensure_coordinator(actor, allocation.case.partnership)
    for day, field in (
        (school_told_on, "school_told_on"),
        (admissions_told_on, "admissions_told_on"),
        (on_roll_on, "on_roll_on"),
    ):
        if day is not None:
            ensure_not_future(day, field=field, what="given")
            if day < allocation.panel.held_on:
                raise ValidationError({field: "The date must be on or after the panel"})
    allocation.school_told_on = school_told_on
    allocation.admissions_told_on = admissions_told_on
    allocation.on_roll_on = on_roll_on
    allocation.save(update_fields=["school_told_on", "admissions_told_on", "on_roll_on"])
    audit_record(actor=actor, action="fair_access.allocation_update", obj=allocation, detail={})
    return allocation
