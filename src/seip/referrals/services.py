"""Writes for referrals and consent. Each checks the actor's role, validates, and audits
in its own transaction; audit details never carry the child's identity."""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.access.predicates import live_grants
from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.core.crypto import sha256
from seip.core.hooks import Hook
from seip.core.upn import clean_upn
from seip.keys import crypto
from seip.notices.models import NoticeVersion
from seip.organisations.models import OrganisationType, School
from seip.referrals.models import (
    Carer,
    Consent,
    ConsentGrant,
    Referral,
    ReferralStatus,
    Tier,
)

#: Scans of the signed form: what a school's scanner or phone produces.
FORM_TYPES = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}
FORM_MAX_BYTES = 10 * 1024 * 1024
CONSENT_MANAGERS = (Role.COORDINATOR, Role.DPO, Role.KEY_WORKER)


@dataclass(frozen=True)
class CarerDetails:
    name: str
    relationship: str
    parental_responsibility: bool
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class PupilDetails:
    upn: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    sex: str
    nc_year: int
    reasons: str
    support_tried: str
    attendance_summary: str
    behaviour_summary: str
    requested_tier: Tier


@dataclass(frozen=True)
class SignedForm:
    content: bytes
    content_type: str


def _check_school_contact(actor: User, school: School) -> None:
    if not has_role(actor, [Role.SCHOOL_CONTACT], organisation=school.organisation):
        raise PermissionDenied("Only a contact at the pupil's school can do this.")


def _apply_pupil(referral: Referral, pupil: PupilDetails) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    try:
        referral.upn = clean_upn(pupil.upn).value
    except ValidationError as error:
        errors["upn"] = error.messages[0]
    if pupil.date_of_birth > today:
        errors["date_of_birth"] = "Date of birth must be in the past"
    elif not 9 <= (today - pupil.date_of_birth).days // 365 <= 20:
        errors["date_of_birth"] = "Date of birth must be for a secondary-age pupil (9 to 20)"
    if errors:
        raise ValidationError(errors)
    for name in (
        "first_name", "last_name", "date_of_birth", "sex", "nc_year", "reasons",
        "support_tried", "attendance_summary", "behaviour_summary", "requested_tier",
    ):  # fmt: skip
        setattr(referral, name, getattr(pupil, name))


def _replace_carers(referral: Referral, carers: list[CarerDetails]) -> None:
    if not carers:
        raise ValidationError({"carers": "Name at least one parent or carer"})
    if not any(c.parental_responsibility for c in carers):
        raise ValidationError(
            {"carers": "At least one parent or carer must hold parental responsibility"}
        )
    referral.carers.all().delete()
    for details in carers:
        carer = Carer(referral=referral, **details.__dict__)
        carer.full_clean()
        carer.save()


@transaction.atomic
def referral_draft_create(
    *, school: School, pupil: PupilDetails, carers: list[CarerDetails], actor: User
) -> Referral:
    """Start a referral as the school's draft (P25): the partnership cannot see it yet."""
    _check_school_contact(actor, school)
    referral = Referral(school=school, partnership=school.partnership, created_by=actor)
    _apply_pupil(referral, pupil)
    referral.full_clean()
    referral.save()
    _replace_carers(referral, carers)
    audit_record(actor=actor, action="referral.draft", obj=referral)
    return referral


@transaction.atomic
def referral_draft_update(
    *, referral: Referral, pupil: PupilDetails, carers: list[CarerDetails], actor: User
) -> Referral:
    _check_school_contact(actor, referral.school)
    if not referral.is_draft:
        raise ValidationError("A signed referral cannot be changed by the school.")
    _apply_pupil(referral, pupil)
    referral.full_clean()
    referral.save()
    _replace_carers(referral, carers)
    audit_record(actor=actor, action="referral.draft_update", obj=referral)
    return referral


def _check_signature(
    *,
    referral: Referral,
    signed_by_name: str,
    relationship: str,
    has_parental_responsibility: bool,
    signed_on: dt.date,
    notice_version: NoticeVersion,
    categories: set[str],
    form: SignedForm | None,
) -> None:
    errors: dict[str, str] = {}
    if not signed_by_name.strip():
        errors["signed_by_name"] = "Enter the name of the person who signed the form"
    if not relationship.strip():
        errors["relationship"] = "Enter the signer's relationship to the young person"
    if not has_parental_responsibility:
        errors["has_parental_responsibility"] = (
            "Consent must be signed by someone with parental responsibility"
        )
    if signed_on > timezone.localdate():
        errors["signed_on"] = "The date signed must be today or in the past"
    if notice_version.partnership_id != referral.partnership_id:
        errors["notice_version"] = "Choose a version of this partnership's privacy notice"
    unknown = categories - set(OrganisationType.values)
    if unknown:
        errors["categories"] = f"Unknown categories: {', '.join(sorted(unknown))}"
    if form is not None:
        magic = FORM_TYPES.get(form.content_type)
        if magic is None or not form.content.startswith(magic):
            errors["form"] = "The signed form must be a PDF, JPEG or PNG file"
        elif len(form.content) > FORM_MAX_BYTES:
            errors["form"] = "The signed form must be smaller than 10 MB"
    if errors:
        raise ValidationError(errors)


def _record_consent(
    *,
    referral: Referral,
    signed_by_name: str,
    relationship: str,
    has_parental_responsibility: bool,
    signed_on: dt.date,
    notice_version: NoticeVersion,
    categories: set[str],
    form: SignedForm | None,
    actor: User,
) -> Consent:
    _check_signature(
        referral=referral,
        signed_by_name=signed_by_name,
        relationship=relationship,
        has_parental_responsibility=has_parental_responsibility,
        signed_on=signed_on,
        notice_version=notice_version,
        categories=categories,
        form=form,
    )
    consent = Consent(
        referral=referral,
        signed_by_name=signed_by_name.strip(),
        relationship=relationship.strip(),
        has_parental_responsibility=has_parental_responsibility,
        signed_on=signed_on,
        notice_version=notice_version,
        choices={c: c in categories for c in OrganisationType.values},
        recorded_by=actor,
    )
    if form is not None:
        # Stored encrypted; the hash of the original lets anyone check a copy later.
        # Sealed under the referral's own data key (P14): the child is its subject, and
        # shredding that key erases the scan too (P22).
        consent.form_file = crypto.store_encrypted_for(referral, "signed-forms", form.content)
        consent.form_content_type = form.content_type
        consent.form_sha256 = sha256(form.content)
    consent.full_clean()
    consent.save()
    now = timezone.now()
    live = set(live_grants().filter(referral=referral).values_list("category", flat=True))
    ConsentGrant.objects.bulk_create(
        ConsentGrant(referral=referral, consent=consent, category=category, granted_at=now)
        for category in sorted(categories - live)
    )
    return consent


class ReferralSigned(Protocol):
    """Called inside the signing transaction. The notifications app registers the
    co-ordinators' alert in its ``AppConfig.ready``: notifications builds on referrals, so
    referrals cannot import it (ADR 0052)."""

    def __call__(self, *, referral_id: int, partnership_id: int) -> object: ...


referral_signed: Hook[ReferralSigned] = Hook("referral signed")


@transaction.atomic
def referral_sign(
    *,
    referral: Referral,
    signed_by_name: str,
    relationship: str,
    has_parental_responsibility: bool,
    signed_on: dt.date,
    notice_version: NoticeVersion,
    categories: set[str],
    form: SignedForm | None,
    actor: User,
) -> Consent:
    """Record the parent's signature: the draft becomes a referral to the partnership.

    The consent names the notice version shown (P26) and the categories agreed (P07).
    """
    _check_school_contact(actor, referral.school)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not referral.is_draft:
        raise ValidationError("This referral has already been signed.")
    consent = _record_consent(
        referral=referral,
        signed_by_name=signed_by_name,
        relationship=relationship,
        has_parental_responsibility=has_parental_responsibility,
        signed_on=signed_on,
        notice_version=notice_version,
        categories=categories,
        form=form,
        actor=actor,
    )
    referral.status = ReferralStatus.SIGNED
    referral.signed_at = timezone.now()
    referral.save(update_fields=["status", "signed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="referral.sign",
        obj=referral,
        detail={"notice_version": notice_version.number, "categories": sorted(categories)},
    )
    for handler in referral_signed:
        handler(referral_id=referral.pk, partnership_id=referral.partnership_id)
    return consent


@transaction.atomic
def referral_decline(*, referral: Referral, reason: str, actor: User) -> Referral:
    if not has_role(actor, [Role.COORDINATOR], partnership=referral.partnership):
        raise PermissionDenied("Only the partnership's co-ordinator can decline a referral.")
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.SIGNED:
        raise ValidationError("Only a signed referral awaiting a decision can be declined.")
    if not reason.strip():
        raise ValidationError({"decline_reason": "Enter the reason for declining"})
    referral.status = ReferralStatus.DECLINED
    referral.decline_reason = reason.strip()
    referral.decided_at = timezone.now()
    referral.decided_by = actor
    referral.save()
    audit_record(actor=actor, action="referral.decline", obj=referral)
    return referral


@transaction.atomic
def consent_extend(
    *,
    referral: Referral,
    signed_by_name: str,
    relationship: str,
    has_parental_responsibility: bool,
    signed_on: dt.date,
    notice_version: NoticeVersion,
    categories: set[str],
    form: SignedForm | None,
    actor: User,
) -> Consent:
    """A new signature that adds categories, for example Health later on (P07)."""
    if not has_role(actor, CONSENT_MANAGERS, partnership=referral.partnership):
        raise PermissionDenied("Only partnership staff can record a change of consent.")
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in (ReferralStatus.SIGNED, ReferralStatus.ACCEPTED):
        raise ValidationError("Consent can only be extended on a live referral.")
    consent = _record_consent(
        referral=referral,
        signed_by_name=signed_by_name,
        relationship=relationship,
        has_parental_responsibility=has_parental_responsibility,
        signed_on=signed_on,
        notice_version=notice_version,
        categories=categories,
        form=form,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="consent.extend",
        obj=referral,
        detail={"categories": sorted(categories)},
    )
    return consent


class ReferralWithdrawn(Protocol):
    """Called inside the transaction that withdraws all consent, so the referral itself.
    Students registers the closing of the open case in its ``AppConfig.ready``: students
    builds on referrals, so referrals cannot import it (ADR 0052)."""

    def __call__(self, *, referral: Referral, actor: User) -> object: ...


referral_withdrawn: Hook[ReferralWithdrawn] = Hook("referral withdrawn")


@transaction.atomic
def consent_withdraw(
    *, referral: Referral, categories: set[str] | None, actor: User
) -> list[ConsentGrant]:
    """Withdraw consent for some categories, or all of it (``categories=None``).

    Takes effect at once: every read of the student checks live grants, so access through
    a withdrawn category ends with this transaction (P07). Withdrawing everything
    withdraws the referral and closes any open case (``referral_withdrawn``).
    """
    if not has_role(actor, CONSENT_MANAGERS, partnership=referral.partnership):
        raise PermissionDenied("Only partnership staff can record a change of consent.")
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    live = live_grants().select_for_update().filter(referral=referral)
    if categories is not None:
        if not categories:
            raise ValidationError({"categories": "Choose at least one category to withdraw"})
        live = live.filter(category__in=categories)
    now = timezone.now()
    withdrawn = list(live)
    for grant in withdrawn:
        grant.withdrawn_at = now
        grant.withdrawn_by = actor
        grant.save(update_fields=["withdrawn_at", "withdrawn_by"])
    if categories is None:
        referral.status = ReferralStatus.WITHDRAWN
        referral.withdrawn_at = now
        referral.save(update_fields=["status", "withdrawn_at", "updated_at"])
        for handler in referral_withdrawn:
            handler(referral=referral, actor=actor)
    audit_record(
        actor=actor,
        action="consent.withdraw_all" if categories is None else "consent.withdraw",
        obj=referral,
        detail={"categories": sorted(g.category for g in withdrawn)},
    )
    return withdrawn


@transaction.atomic
def drafts_purge(*, now: dt.datetime | None = None) -> int:
    """Delete unsigned drafts older than ``DRAFT_RETENTION_DAYS`` (P25).

    The audit entry records only how many were purged: nothing about whom.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.DRAFT_RETENTION_DAYS)
    expired = Referral.objects.filter(status=ReferralStatus.DRAFT, created_at__lt=cutoff)
    count = expired.count()
    if count:
        from seip.keys.services import data_keys_discard

        Carer.objects.filter(referral__in=expired).delete()
        data_keys_discard(expired)
        expired.delete()
    audit_record(
        actor=None,
        action="referral.drafts_purged",
        detail={"count": count, "older_than_days": settings.DRAFT_RETENTION_DAYS},
    )
    return count
