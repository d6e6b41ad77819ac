import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from seip.audit.models import AuditEvent
from seip.organisations.models import OrganisationType, PartnerOrganisation
from seip.organisations.services import agreement_create, organisation_create, school_create


def test_school_create_adds_the_school_organisation_and_audit(county, personas):
    school = school_create(
        partnership=county.a,
        urn="139999",
        establishment_number="4999",
        name="Gamma Academy",
        actor=personas["admin"],
    )
    assert school.laestab == "8554999"
    assert school.organisation.type == OrganisationType.SCHOOL
    assert list(school.organisation.partnerships.all()) == [county.a]
    event = AuditEvent.objects.get(action="school.create")
    assert event.actor == personas["admin"]
    assert event.object_id == str(school.pk)


@pytest.mark.parametrize(
    ("urn", "estab", "field"),
    [("12345", "4000", "urn"), ("123456", "40", "establishment_number"), ("12345a", "4000", "urn")],
)
def test_school_create_names_the_bad_field(county, urn, estab, field):
    with pytest.raises(ValidationError) as error:
        school_create(
            partnership=county.a, urn=urn, establishment_number=estab, name="Bad School", actor=None
        )
    assert field in error.value.message_dict


def test_organisation_create_refuses_schools(county):
    with pytest.raises(ValueError, match="school_create"):
        organisation_create(
            name="X", type=OrganisationType.SCHOOL, partnerships=[county.a], actor=None
        )


def test_agreement_must_expire_after_signing(county):
    with pytest.raises(ValidationError):
        agreement_create(
            organisation=county.agency,
            partnership=county.a,
            reference="DSA-BACKWARDS",
            signed_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2025, 1, 1),
            actor=None,
        )


def test_agreement_is_current_through_its_expiry_date(county):
    agreement = county.a.agreements.first()
    assert agreement.is_current(agreement.expires_on)
    assert not agreement.is_current(agreement.expires_on + dt.timedelta(days=1))
    assert not agreement.is_current(agreement.signed_on - dt.timedelta(days=1))


def test_every_consent_category_is_an_organisation_type():
    assert {t.value for t in OrganisationType} == {
        "school",
        "local_authority",
        "health",
        "alternative_provider",
        "voluntary",
    }
    assert PartnerOrganisation._meta.get_field("type").choices
