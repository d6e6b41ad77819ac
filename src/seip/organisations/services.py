"""Writes to the organisations of a county. Each one audits in its own transaction.

Who may call which of these from a page is decided once, in ``permissions.may_manage``;
the services themselves check the data, not the caller, so commands and the demo use
them too. Audit details hold ids and field names only, never the values.
"""

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.core import crypto
from seip.organisations.models import (
    DataSharingAgreement,
    LocalAuthority,
    OrganisationType,
    PartnerOrganisation,
    Partnership,
    School,
)


@transaction.atomic
def local_authority_create(*, name: str, la_code: str, actor: User | None) -> LocalAuthority:
    authority = LocalAuthority(name=name, la_code=la_code)
    authority.full_clean()
    authority.save()
    PartnerOrganisation.objects.create(
        name=name, type=OrganisationType.LOCAL_AUTHORITY, local_authority=authority
    )
    audit_record(actor=actor, action="local_authority.create", obj=authority)
    return authority


@transaction.atomic
def partnership_create(
    *,
    local_authority: LocalAuthority,
    name: str,
    slug: str,
    address: str,
    phone: str,
    email: str,
    coordinator_name: str,
    coordinator_email: str,
    coordinator_phone: str,
    dpo_name: str,
    dpo_email: str,
    actor: User | None,
) -> Partnership:
    partnership = Partnership(
        local_authority=local_authority,
        name=name,
        slug=slug,
        address=address,
        phone=phone,
        email=email,
        coordinator_name=coordinator_name,
        coordinator_email=coordinator_email,
        coordinator_phone=coordinator_phone,
        dpo_name=dpo_name,
        dpo_email=dpo_email,
    )
    partnership.full_clean()
    partnership.save()
    # The county's own organisation works with every partnership in it.
    for la_org in PartnerOrganisation.objects.filter(local_authority=local_authority):
        la_org.partnerships.add(partnership)
    audit_record(actor=actor, action="partnership.create", obj=partnership)
    return partnership


#: Partnership details a page may change; the slug (in every URL and notice) and the
#: local authority stay as created.
PARTNERSHIP_FIELDS = (
    "name",
    "address",
    "phone",
    "email",
    "coordinator_name",
    "coordinator_email",
    "coordinator_phone",
    "dpo_name",
    "dpo_email",
    "dpo_route",
)


def _changed(
    instance: object, changes: Mapping[str, object], allowed: tuple[str, ...]
) -> list[str]:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    changed = [
        field
        for field in allowed
        if field in changes and getattr(instance, field) != changes[field]
    ]
    for field in changed:
        setattr(instance, field, changes[field])
    return changed


@transaction.atomic
def partnership_update(
    *, partnership: Partnership, changes: Mapping[str, str], actor: User | None
) -> Partnership:
    """Change a partnership's name and contact routes. They fill the top of the privacy
    notice (P26) on its next rendering; a published version keeps its own copy."""
    changed = _changed(partnership, changes, PARTNERSHIP_FIELDS)
    partnership.full_clean()
    partnership.save()
    audit_record(
        actor=actor, action="partnership.update", obj=partnership, detail={"fields": changed}
    )
    return partnership


LOGO_MAX_BYTES = 512 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_logo(filename: str, content: bytes) -> None:
    """A logo is a small PNG or SVG whose content matches its name."""
    try:
        for validator in Partnership._meta.get_field("logo").validators:
            validator(ContentFile(content, name=filename))
    except ValidationError as error:
        raise ValidationError({"logo": error.messages}) from error
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": "The logo must be smaller than 512 KB"})
    if filename.lower().endswith(".png"):
        if not content.startswith(PNG_SIGNATURE):
            raise ValidationError({"logo": "The logo named .png is not a PNG image"})
        return
    head = content[:1024].lstrip().lower()
    if not (head.startswith((b"<svg", b"<?xml")) and b"<svg" in content[:4096].lower()):
        raise ValidationError({"logo": "The logo named .svg is not an SVG image"})


@transaction.atomic
def partnership_logo_set(
    *, partnership: Partnership, filename: str, content: bytes, actor: User | None
) -> Partnership:
    """Replace the partnership's logo (P26); the old file is removed with it."""
    # Check the type before anything touches storage, so a refused file leaves nothing.
    _check_logo(filename, content)
    old = partnership.logo.name if partnership.logo else ""
    partnership.logo.save(filename, ContentFile(content), save=False)
    partnership.full_clean()
    partnership.save(update_fields=["logo"])
    if old and old != partnership.logo.name:
        partnership.logo.storage.delete(old)
    audit_record(actor=actor, action="partnership.logo", obj=partnership)
    return partnership


@transaction.atomic
def school_create(
    *,
    partnership: Partnership,
    urn: str,
    establishment_number: str,
    name: str,
    ukprn: str = "",
    actor: User | None,
) -> School:
    """Add a secondary school to a partnership, with its partner-organisation record."""
    organisation = PartnerOrganisation(name=name, type=OrganisationType.SCHOOL, ukprn=ukprn)
    organisation.full_clean()
    organisation.save()
    organisation.partnerships.add(partnership)
    school = School(
        urn=urn,
        local_authority=partnership.local_authority,
        establishment_number=establishment_number,
        name=name,
        partnership=partnership,
        organisation=organisation,
    )
    school.full_clean()
    school.save()
    audit_record(actor=actor, action="school.create", obj=school)
    return school


@transaction.atomic
def organisation_create(
    *,
    name: str,
    type: OrganisationType,
    partnerships: list[Partnership],
    email: str = "",
    phone: str = "",
    ukprn: str = "",
    actor: User | None,
) -> PartnerOrganisation:
    if type == OrganisationType.SCHOOL:
        raise ValueError("Add a school with school_create, so it gets its URN and partnership")
    organisation = PartnerOrganisation(name=name, type=type, email=email, phone=phone, ukprn=ukprn)
    organisation.full_clean()
    organisation.save()
    organisation.partnerships.set(partnerships)
    audit_record(actor=actor, action="organisation.create", obj=organisation)
    return organisation


@transaction.atomic
def school_update(
    *,
    school: School,
    urn: str,
    establishment_number: str,
    name: str,
    ukprn: str,
    partnership: Partnership,
    actor: User | None,
) -> School:
    """Correct a school's identifiers, or move it to another partnership of the same
    county (the belonging rule: one partnership at a time)."""
    if partnership.local_authority_id != school.local_authority_id:
        raise ValidationError({"partnership": "Choose a partnership of the school's own county"})
    organisation = school.organisation
    changed = [
        field
        for field, value in {
            "urn": urn, "establishment_number": establishment_number, "name": name,
        }.items()
        if getattr(school, field) != value
    ]  # fmt: skip
    moved = school.partnership_id != partnership.pk
    school.urn, school.establishment_number, school.name = urn, establishment_number, name
    school.partnership = partnership
    school.full_clean()
    if organisation.ukprn != ukprn:
        changed.append("ukprn")
    organisation.name, organisation.ukprn = name, ukprn
    organisation.full_clean()
    school.save()
    organisation.save()
    if moved:
        changed.append("partnership")
        organisation.partnerships.set([partnership])
    audit_record(actor=actor, action="school.update", obj=school, detail={"fields": changed})
    return school


ORGANISATION_FIELDS = ("name", "type", "email", "phone", "ukprn")


@transaction.atomic
def organisation_update(
    *, organisation: PartnerOrganisation, changes: Mapping[str, str], actor: User | None
) -> PartnerOrganisation:
    """Change a partner organisation's name, type or contact details. A school's record
    changes with the school (``school_update``), and nothing becomes or stops being a
    school here."""
    if organisation.type == OrganisationType.SCHOOL:
        raise ValueError("Change a school with school_update")
    if changes.get("type") == OrganisationType.SCHOOL:
        raise ValidationError({"type": "Add a school as a school, with its URN"})
    changed = _changed(organisation, changes, ORGANISATION_FIELDS)
    organisation.full_clean()
    organisation.save()
    audit_record(
        actor=actor, action="organisation.update", obj=organisation, detail={"fields": changed}
    )
    return organisation


@transaction.atomic
def organisation_register(
    *, organisation: PartnerOrganisation, partnership: Partnership, actor: User | None
) -> PartnerOrganisation:
    """Register an organisation as one the partnership works with. Sharing with it still
    needs a current agreement and the family's consent (P07, P09)."""
    if organisation.type == OrganisationType.SCHOOL:
        raise ValidationError("A school belongs to one partnership: move it on the school's page")
    organisation.partnerships.add(partnership)
    audit_record(
        actor=actor,
        action="organisation.register",
        obj=organisation,
        detail={"partnership": partnership.pk},
    )
    return organisation


@transaction.atomic
def organisation_unregister(
    *, organisation: PartnerOrganisation, partnership: Partnership, actor: User | None
) -> PartnerOrganisation:
    """Stop working with an organisation. Its agreements stay on record; its staff lose
    sight of the partnership's students at once, because an involvement opens a record
    only while its organisation is registered (P13, ``sharing.selectors.live_involvements``)."""
    if organisation.type == OrganisationType.SCHOOL:
        raise ValidationError("A school belongs to one partnership: move it on the school's page")
    organisation.partnerships.remove(partnership)
    audit_record(
        actor=actor,
        action="organisation.unregister",
        obj=organisation,
        detail={"partnership": partnership.pk},
    )
    return organisation


AGREEMENT_MAX_BYTES = 10 * 1024 * 1024


def _store_agreement_document(agreement: DataSharingAgreement, document: bytes) -> None:
    """Encrypt the signed PDF with the service data key and point the agreement at it."""
    if len(document) > AGREEMENT_MAX_BYTES:
        raise ValidationError({"document": "The signed agreement must be smaller than 10 MB"})
    if not document.startswith(b"%PDF-"):
        raise ValidationError({"document": "The signed agreement must be a PDF file"})
    agreement.document_sha256 = crypto.sha256(document)
    agreement.document_file = crypto.store_encrypted("data-sharing-agreements", document)


def agreement_document(agreement: DataSharingAgreement) -> bytes:
    """The signed PDF, decrypted."""
    return crypto.read_encrypted(agreement.document_file)


@transaction.atomic
def agreement_create(
    *,
    organisation: PartnerOrganisation,
    partnership: Partnership,
    reference: str,
    signed_on: dt.date,
    expires_on: dt.date,
    document: bytes | None = None,
    actor: User | None,
) -> DataSharingAgreement:
    """Record an agreement. From ``signed_on`` to ``expires_on`` it lets the
    organisation's staff see the partnership's students they work with (P09)."""
    if not organisation.partnerships.filter(pk=partnership.pk).exists():
        raise ValidationError(
            {"organisation": "Register the organisation with the partnership first"}
        )
    agreement = DataSharingAgreement(
        organisation=organisation,
        partnership=partnership,
        reference=reference,
        signed_on=signed_on,
        expires_on=expires_on,
    )
    agreement.full_clean()
    if document is not None:
        _store_agreement_document(agreement, document)
    agreement.save()
    audit_record(
        actor=actor,
        action="agreement.create",
        obj=agreement,
        detail={"expires_on": expires_on.isoformat()},
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: DataSharingAgreement,
    reference: str,
    signed_on: dt.date,
    expires_on: dt.date,
    document: bytes | None = None,
    actor: User | None,
) -> DataSharingAgreement:
    """Correct, renew or end an agreement. Access follows at once (P09): an earlier
    ``expires_on`` takes the students away from the organisation's staff on their next
    request, and a later one gives them back."""
    agreement.reference = reference
    agreement.signed_on = signed_on
    agreement.expires_on = expires_on
    agreement.full_clean()
    if document is not None:
        _store_agreement_document(agreement, document)
    agreement.save()
    audit_record(
        actor=actor,
        action="agreement.update",
        obj=agreement,
        detail={
            "expires_on": expires_on.isoformat(),
            "document": document is not None,
        },
    )
    return agreement
