import datetime as dt

import factory

from seip.organisations.models import (
    DataSharingAgreement,
    LocalAuthority,
    OrganisationType,
    PartnerOrganisation,
    Partnership,
    School,
)


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("la_code",)

    name = "Leicestershire County Council"
    la_code = "855"


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    local_authority = factory.SubFactory(LocalAuthorityFactory)
    name = factory.Sequence(lambda n: f"Partnership {n} SEIP")
    slug = factory.Sequence(lambda n: f"partnership-{n}")
    address = "1 Station Road\nLoughborough"
    phone = "0116 496 0000"
    email = factory.LazyAttribute(lambda p: f"office@{p.slug}.example")
    coordinator_name = "Casey Coordinator"
    coordinator_email = factory.LazyAttribute(lambda p: f"coordinator@{p.slug}.example")
    coordinator_phone = "0116 496 0001"
    dpo_name = "Dana Officer"
    dpo_email = factory.LazyAttribute(lambda p: f"dpo@{p.slug}.example")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    type = OrganisationType.ALTERNATIVE_PROVIDER


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        skip_postgeneration_save = True

    partnership = factory.SubFactory(PartnershipFactory)
    local_authority = factory.SelfAttribute("partnership.local_authority")
    urn = factory.Sequence(lambda n: f"{100000 + n:06d}")
    establishment_number = factory.Sequence(lambda n: f"{4000 + n % 6000:04d}")
    name = factory.Sequence(lambda n: f"School {n} Academy")
    organisation = factory.SubFactory(
        OrganisationFactory, type=OrganisationType.SCHOOL, name=factory.SelfAttribute("..name")
    )

    @factory.post_generation
    def works_with_partnership(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.organisation.partnerships.add(self.partnership)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSharingAgreement

    organisation = factory.SubFactory(OrganisationFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    reference = factory.Sequence(lambda n: f"DSA-{n:04d}")
    signed_on = dt.date(2025, 9, 1)
    expires_on = dt.date(2027, 8, 31)
