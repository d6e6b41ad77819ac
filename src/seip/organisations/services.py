"""Writes to the organisations of a county. Each one audits in its own transaction."""

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction

from seip.accounts.models import User
from seip.audit.services import audit_record
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


@transaction.atomic
def partnership_logo_set(
    *, partnership: Partnership, filename: str, content: bytes, actor: User | None
) -> Partnership:
    """Replace the partnership's logo (P26); the old file is removed with it."""
    # Check the type before anything touches storage, so a refused file leaves nothing.
    for validator in Partnership._meta.get_field("logo").validators:
        validator(ContentFile(content, name=filename))
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
    actor: User | None,
) -> School:
    """Add a secondary school to a partnership, with its partner-organisation record."""
    organisation = PartnerOrganisation(name=name, type=OrganisationType.SCHOOL)
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
    actor: User | None,
) -> PartnerOrganisation:
    if type == OrganisationType.SCHOOL:
        raise ValueError("Add a school with school_create, so it gets its URN and partnership")
    organisation = PartnerOrganisation(name=name, type=type, email=email, phone=phone)
    organisation.full_clean()
    organisation.save()
    organisation.partnerships.set(partnerships)
    audit_record(actor=actor, action="organisation.create", obj=organisation)
    return organisation


@transaction.atomic
def agreement_create(
    *,
    organisation: PartnerOrganisation,
    partnership: Partnership,
    reference: str,
    signed_on: dt.date,
    expires_on: dt.date,
    actor: User | None,
) -> DataSharingAgreement:
    agreement = DataSharingAgreement(
        organisation=organisation,
        partnership=partnership,
        reference=reference,
        signed_on=signed_on,
        expires_on=expires_on,
    )
    agreement.full_clean()
    agreement.save()
    audit_record(
        actor=actor,
        action="agreement.create",
        obj=agreement,
        detail={"expires_on": expires_on.isoformat()},
    )
    return agreement
