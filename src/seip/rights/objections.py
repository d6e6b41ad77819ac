"""Objection (P20, UK GDPR Article 21) and erasure on request (P22, Article 17).

An objection restricts processing as soon as it is recorded (``services._restrict``).
The DPO then records the balancing decision:

- **compelling legitimate grounds**: the restriction is lifted, with the reasons, and the
  request is closed as refused (the requester is told why processing continues);
- **upheld**: processing stays stopped (the restriction is kept), and erasure becomes
  available on ground 17(1)(c).

Erasure on a request goes through ``retention.services.student_erase``, which only the
DPO may call; the request is then completed. The request survives the erasure (its
``student`` link is SET_NULL) and the tombstone names it as ``RR-<id>``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.retention.models import Erasure, ErasureGround
from seip.retention.services import student_erase
from seip.rights.models import (
    OPEN_STATUSES,
    RequestType,
    Restriction,
    RestrictionOutcome,
    RightsRequest,
    Status,
)
from seip.rights.services import rights_complete, rights_refuse


def ensure_dpo(actor: User, request: RightsRequest) -> None:
    if not has_role(actor, [Role.DPO], partnership=request.partnership):
        raise PermissionDenied("Only the data protection officer can decide this.")


def request_reference(request: RightsRequest) -> str:
    """The code the erasure tombstone keeps for the request (never a name)."""
    return f"RR-{request.pk}"


@transaction.atomic
def objection_decide(
    *, request: RightsRequest, upheld: bool, reasons: str, actor: User
) -> Restriction:
    """Record the DPO's balancing decision on an objection (P20)."""
    ensure_dpo(actor, request)
    if request.status not in OPEN_STATUSES:
        raise ValidationError("This request is closed and cannot be changed.")
    restriction = (
        Restriction.objects.select_for_update()
        .filter(request=request, outcome=RestrictionOutcome.PENDING)
        .first()
    )
    if restriction is None:
        raise ValidationError("There is no objection waiting for a decision on this request.")
    if not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for the decision"})
    now = timezone.now()
    restriction.reasons = reasons.strip()
    restriction.decided_by = actor
    restriction.decided_at = now
    if upheld:
        restriction.outcome = RestrictionOutcome.UPHELD
    else:
        restriction.outcome = RestrictionOutcome.COMPELLING
        restriction.lifted_at = now
    restriction.full_clean()
    restriction.save()
    audit_record(
        actor=actor,
        action="rights.objection_decided",
        obj=restriction,
        detail={"request": request.pk, "outcome": restriction.outcome},
    )
    if not upheld:
        rights_refuse(
            request=request,
            refused_on=timezone.localdate(),
            reason=f"Compelling legitimate grounds: {reasons.strip()}",
            actor=actor,
        )
    return restriction


def erasure_grounds(request: RightsRequest) -> list[tuple[str, str]]:
    """The grounds the DPO may erase on from this request: an upheld objection gives
    17(1)(c) only; an erasure request, any ground that applies under public task."""
    if request.type == RequestType.OBJECTION:
        upheld = Restriction.objects.filter(
            request=request, outcome=RestrictionOutcome.UPHELD
        ).exists()
        return (
            [(ErasureGround.OBJECTION_UPHELD.value, ErasureGround.OBJECTION_UPHELD.label)]
            if upheld
            else []
        )
    if request.type == RequestType.ERASURE:
        return [(value, str(label)) for value, label in ErasureGround.choices]
    return []


@transaction.atomic
def request_erase(*, request: RightsRequest, ground: str, actor: User) -> Erasure:
    """Erase the request's student on ``ground`` and complete the request (P22).

    Everything happens in one transaction: if the request cannot be completed (identity
    or parental responsibility not checked), nothing is erased.
    """
    ensure_dpo(actor, request)
    if request.status not in OPEN_STATUSES or request.status == Status.AWAITING:
        raise ValidationError("Erase only from an open request whose clock is running.")
    if ground not in dict(erasure_grounds(request)):
        raise ValidationError({"ground": "Erasure is not available on this ground here"})
    if request.student is None:
        raise ValidationError("The child is not on record: there is nothing to erase.")
    erasure = student_erase(
        student_or_referral=request.student,
        ground=ground,
        actor=actor,
        request_reference=request_reference(request),
    )
    # The student's deletion set this request's link to NULL in the database.
    request.refresh_from_db()
    rights_complete(
        request=request,
        completed_on=timezone.localdate(),
        outcome_notes=f"Erased on ground {ErasureGround(ground).label}.",
        actor=actor,
    )
    return erasure
