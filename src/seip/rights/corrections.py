"""Rectification (P19, UK GDPR Articles 16 and 19): a request becomes proposed corrections,
each decided by the co-ordinator or the DPO; an approved one is applied through the app's
own correction service, and every organisation that may have received the old value is
listed so that each can be told.

Structured facts are corrected by the service that owns them (``FACTS``), so the record
keeps the value before and after exactly as when staff correct it by hand: a need keeps
the wrong row as superseded history (``records.services.correct_fact``); behaviour facts
are corrected in place and audited by field name, so the correction row itself keeps the
two values. Audit events name ids, fields and decisions, never values or reasons.

**Who must be told (Art 19).** Every organisation in the student's disclosure log
(``sharing.models.Disclosure``: it looked at the record, downloaded a report, was sent an
export or a transfer) on or after the day the wrong value was obtained. A disclosure
before that day cannot have carried it. For a correction that names no fact, there is no
such day: every organisation in the log is listed. The rule over-includes (a view of the
record may not have shown that field) rather than risk missing a recipient.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.behaviour import services as behaviour
from seip.behaviour.models import AttainmentResult, AttitudeRating, Exclusion, Incident
from seip.organisations.models import PartnerOrganisation
from seip.records.models import Need
from seip.records.services import Source, correct_fact
from seip.rights.models import (
    OPEN_STATUSES,
    Decision,
    NoticeMethod,
    ProposedCorrection,
    RectificationNotice,
    RequestType,
    RightsRequest,
)
from seip.rights.services import ensure_handler
from seip.sharing.models import Disclosure
from seip.students.models import Student
from seip.students.sources import SourceKind

Applier = Callable[[Any, str, Any, str, User], Any]


@dataclass(frozen=True)
class FactKind:
    """How to find and correct one kind of structured fact."""

    model: type[models.Model]
    fields: frozenset[str]
    apply: Applier


def _need(fact: Need, field: str, value: Any, reason: str, actor: User) -> Need:
    code = value if field == "code" else fact.code.code
    detail = value if field == "detail" else fact.detail
    source = Source(
        kind=SourceKind.FAMILY,
        obtained_on=timezone.localdate(),
        note="Corrected on a rectification request",
    )
    return correct_fact(
        fact=fact, code=code, detail=detail, source=source, reason=reason, actor=actor
    )


def _behaviour(service: Callable[..., Any], keyword: str) -> Applier:
    def apply(fact: Any, field: str, value: Any, reason: str, actor: User) -> Any:
        return service(**{keyword: fact}, changes={field: value}, actor=actor)

    return apply


_INCIDENT = frozenset({"occurred_on", "category", "severity", "description"})
_RATINGS = frozenset({"rated_on", "engagement", "relationships", "self_regulation"})

#: The facts a rectification can correct through their own service, by ``app.model``.
FACTS: dict[str, FactKind] = {
    "records.need": FactKind(Need, frozenset({"code", "detail"}), _need),
    "behaviour.incident": FactKind(
        Incident, _INCIDENT, _behaviour(behaviour.incident_correct, "incident")
    ),
    "behaviour.exclusion": FactKind(
        Exclusion,
        frozenset({"kind", "start_date", "sessions"}),
        _behaviour(behaviour.exclusion_correct, "exclusion"),
    ),
    "behaviour.attituderating": FactKind(
        AttitudeRating,
        _RATINGS | {"attitude_to_learning"},
        _behaviour(behaviour.attitude_correct, "rating"),
    ),
    "behaviour.attainmentresult": FactKind(
        AttainmentResult,
        frozenset({"subject", "grade", "assessed_on"}),
        _behaviour(behaviour.result_correct, "result"),
    ),
}


def _display(fact: models.Model, field: str) -> str:
    value = getattr(fact, field)
    if isinstance(fact, Need) and field == "code":
        return f"{fact.code.code} ({fact.code.label})"
    return "" if value is None else str(value)


def _fact_of(correction: ProposedCorrection, student: Student) -> tuple[FactKind, Any]:
    key = f"{correction.fact_app}.{correction.fact_model}".lower()
    kind = FACTS.get(key)
    if kind is None:
        raise ValidationError({"fact_model": "This kind of fact cannot be corrected here"})
    if correction.fact_field not in kind.fields:
        raise ValidationError({"fact_field": "This field cannot be corrected here"})
    fact = kind.model._default_manager.filter(pk=correction.fact_pk, student=student).first()
    if fact is None:
        raise ValidationError({"fact_pk": "Choose a fact from this student's record"})
    return kind, fact


def _ensure_rectification(request: RightsRequest) -> None:
    if request.type != RequestType.RECTIFICATION:
        raise ValidationError("Corrections belong to a rectification request.")
    if request.status not in OPEN_STATUSES:
        raise ValidationError("This request is closed and cannot be changed.")


@transaction.atomic
def correction_propose(
    *,
    request: RightsRequest,
    fact: tuple[str, str, int, str] | None,
    description: str,
    proposed_value: str,
    reason: str,
    actor: User,
) -> ProposedCorrection:
    """Record one correction the requester asks for. ``fact`` is (app label, model, pk,
    field) for a structured fact, or None with a ``description`` of what is wrong."""
    ensure_handler(actor, request.partnership)
    _ensure_rectification(request)
    if not proposed_value.strip():
        raise ValidationError({"proposed_value": "Enter what it should say"})
    correction = ProposedCorrection(
        request=request,
        description=description.strip(),
        proposed_value=proposed_value.strip(),
        reason=reason.strip(),
        proposed_by=actor,
    )
    if fact is not None:
        if request.student is None:
            raise ValidationError("Link the request to a student on record first.")
        correction.fact_app, correction.fact_model, correction.fact_pk, correction.fact_field = (
            fact[0].lower(),
            fact[1].lower(),
            fact[2],
            fact[3],
        )
        _, found = _fact_of(correction, request.student)
        correction.obtained_on = getattr(found, "obtained_on", None)
    elif not correction.description:
        raise ValidationError({"description": "Say what is wrong, or choose a fact"})
    correction.full_clean()
    correction.save()
    audit_record(
        actor=actor,
        action="rights.correction.propose",
        obj=correction,
        detail={"request": request.pk, "fact": _fact_label(correction)},
    )
    return correction


def _fact_label(correction: ProposedCorrection) -> str:
    """``records.need:12.code``: ids and field names only, for the audit trail."""
    if not correction.is_structured:
        return "described"
    return (
        f"{correction.fact_app}.{correction.fact_model}:{correction.fact_pk}."
        f"{correction.fact_field}"
    )


@transaction.atomic
def correction_decide(
    *, correction: ProposedCorrection, approve: bool, reason: str, actor: User
) -> ProposedCorrection:
    """Approve (and apply) or reject a proposed correction, with the reason.

    An approved structured correction goes through the fact's own service, which checks
    the actor may change the record (the co-ordinator; the DPO, who may not write to
    records, can reject or approve a described correction, and asks the co-ordinator to
    apply a structured one). The values before and after are kept on this row.
    """
    correction = ProposedCorrection.objects.select_for_update().get(pk=correction.pk)
    request = correction.request
    ensure_handler(actor, request.partnership)
    _ensure_rectification(request)
    if correction.decision != Decision.PENDING:
        raise ValidationError("This correction has already been decided.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the decision"})
    if approve and correction.is_structured:
        if request.student is None:
            raise ValidationError("The student is no longer on record.")
        kind, fact = _fact_of(correction, request.student)
        field = correction.fact_field
        value = _typed(kind, field, correction.proposed_value)
        correction.value_before = _display(fact, field)
        try:
            changed = kind.apply(fact, field, value, reason.strip(), actor)
        except PermissionDenied as error:
            raise PermissionDenied(
                "Only someone who may change this record (the co-ordinator) can apply it."
            ) from error
        correction.value_after = _display(changed, field)
    elif approve:
        correction.value_after = correction.proposed_value
    correction.decision = Decision.APPROVED if approve else Decision.REJECTED
    correction.decision_reason = reason.strip()
    correction.decided_by = actor
    correction.decided_at = timezone.now()
    correction.full_clean()
    correction.save()
    audit_record(
        actor=actor,
        action="rights.correction.decide",
        obj=correction,
        detail={
            "request": request.pk,
            "decision": correction.decision,
            "fact": _fact_label(correction),
        },
    )
    return correction


def _typed(kind: FactKind, field: str, value: str) -> Any:
    """The proposed text as the field's own type (a date, a number, a code)."""
    if kind.model is Need and field == "code":
        return value.strip().upper()
    model_field = kind.model._meta.get_field(field)
    try:
        return model_field.to_python(value.strip())  # type: ignore[union-attr]
    except ValidationError as error:
        raise ValidationError({"proposed_value": error.messages}) from error


def organisations_to_tell(correction: ProposedCorrection) -> QuerySet[PartnerOrganisation]:
    """Every organisation that may have received the old value (Art 19; the rule is in
    this module's docstring): those in the disclosure log since it was obtained."""
    student = correction.request.student
    if student is None:
        return PartnerOrganisation.objects.none()
    disclosures = Disclosure.objects.filter(student=student, organisation__isnull=False)
    if correction.obtained_on is not None:
        disclosures = disclosures.filter(at__date__gte=correction.obtained_on)
    return PartnerOrganisation.objects.filter(pk__in=disclosures.values("organisation")).order_by(
        "name"
    )


@dataclass(frozen=True)
class Recipient:
    organisation: PartnerOrganisation
    notice: RectificationNotice | None


def recipients(correction: ProposedCorrection) -> list[Recipient]:
    """Who must be told of an approved correction, and whether each has been."""
    notices = {n.organisation_id: n for n in correction.notices.select_related("sent_by")}
    return [Recipient(org, notices.get(org.pk)) for org in organisations_to_tell(correction)]


@transaction.atomic
def correction_notice_record(
    *,
    correction: ProposedCorrection,
    organisation: PartnerOrganisation,
    method: NoticeMethod,
    note: str,
    actor: User,
) -> RectificationNotice:
    """Record that ``organisation`` was told of the correction (Art 19), once each."""
    ensure_handler(actor, correction.request.partnership)
    if correction.decision != Decision.APPROVED:
        raise ValidationError("Only an approved correction is notified.")
    if not organisations_to_tell(correction).filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": "This organisation did not receive the record"})
    if correction.notices.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": "This organisation has already been told"})
    if method == NoticeMethod.IMPOSSIBLE and not note.strip():
        raise ValidationError({"note": "Say why telling them is impossible or disproportionate"})
    notice = RectificationNotice(
        correction=correction,
        organisation=organisation,
        sent_at=timezone.now(),
        sent_by=actor,
        method=method,
        note=note.strip(),
    )
    notice.full_clean()
    notice.save()
    audit_record(
        actor=actor,
        action="rights.correction.notified",
        obj=notice,
        detail={"correction": correction.pk, "organisation": organisation.pk, "method": method},
    )
    return notice


def correctable_facts(student: Student) -> list[tuple[str, str]]:
    """Choices for the proposal form: each current structured fact of the student, as
    (``app.model:pk``, a readable label). Staff pick the field separately."""
    choices: list[tuple[str, str]] = []
    for need in Need.objects.filter(student=student, superseded_at__isnull=True).select_related(
        "code"
    ):
        choices.append((f"records.need:{need.pk}", f"Need: {need.get_kind_display()}"))
    for model, label, date_field in (
        (Incident, "Incident", "occurred_on"),
        (Exclusion, "Exclusion", "start_date"),
        (AttitudeRating, "Attitude rating", "rated_on"),
        (AttainmentResult, "Result", "assessed_on"),
    ):
        for fact in model._default_manager.filter(student=student).order_by(f"-{date_field}"):
            day: dt.date = getattr(fact, date_field)
            choices.append((f"{model._meta.label_lower}:{fact.pk}", f"{label} of {day:%-d %B %Y}"))
    return choices
