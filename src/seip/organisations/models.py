"""The organisations of a county, modelled as data.

A county (local authority) has several partnerships; each secondary school belongs to one
partnership (the "belonging rule"). Partner organisations are everyone a partnership may
work with; sharing with them is gated by a data-sharing agreement (P09) and, later, by the
family's consent for their category (P07).
"""

import datetime as dt

from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.utils import timezone

three_digits = RegexValidator(r"^\d{3}$", "Enter a three-digit code, like 855")
four_digits = RegexValidator(r"^\d{4}$", "Enter a four-digit establishment number, like 4012")
six_digits = RegexValidator(r"^\d{6}$", "Enter the six-digit URN, like 120345")
# The UK Register of Learning Providers number: eight digits, always starting with 1.
ukprn_format = RegexValidator(
    r"^1\d{7}$", "Enter the eight-digit UKPRN, starting with 1, like 10012345"
)
# An age X25519 recipient: "age1" and 58 bech32 characters (seip.transfers encrypts to it).
age_recipient_key = RegexValidator(
    r"^age1[02-9ac-hj-np-z]{58}$", "Enter an age public key, starting age1 (62 characters)"
)
# An Ed25519 public key as base64 of its 32 raw bytes (44 characters, one "=").
ed25519_public_key = RegexValidator(
    r"^[A-Za-z0-9+/]{43}=$", "Enter an Ed25519 public key as base64 of its 32 bytes"
)


class LocalAuthority(models.Model):
    name = models.CharField(max_length=200)
    la_code = models.CharField("LA code", max_length=3, unique=True, validators=[three_digits])

    class Meta:
        verbose_name_plural = "local authorities"
        ordering = ["la_code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.la_code})"


class Partnership(models.Model):
    """A Secondary Education and Inclusion Partnership.

    Its name, logo and contact routes fill the placeholders at the top of the fair
    processing statement (P26): every page and notice a family sees uses these values.
    """

    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="partnerships"
    )
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    logo = models.FileField(
        upload_to="partnership-logos/",
        blank=True,
        validators=[FileExtensionValidator(["png", "svg"])],
        help_text="A PNG or SVG file, shown in the header and on the privacy notice.",
    )
    address = models.TextField("postal address")
    phone = models.CharField(max_length=40)
    email = models.EmailField()
    coordinator_name = models.CharField("co-ordinator", max_length=200)
    coordinator_email = models.EmailField("co-ordinator email")
    coordinator_phone = models.CharField("co-ordinator phone", max_length=40)
    dpo_name = models.CharField("data protection officer", max_length=200)
    dpo_email = models.EmailField("data protection officer email")
    dpo_route = models.CharField(
        "how to reach the DPO",
        max_length=300,
        default="Contact the Data Protection Officer through the Partnership Co-ordinator.",
    )
    signing_public_key = models.CharField(
        "transfer signing public key",
        max_length=44,
        blank=True,
        validators=[ed25519_public_key],
        help_text="Ed25519, base64. Signs transfer packages (P15); the private key is kept "
        "outside the database.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationType(models.TextChoices):
    SCHOOL = "school", "School"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    HEALTH = "health", "Health"
    ALTERNATIVE_PROVIDER = "alternative_provider", "Alternative provider"
    VOLUNTARY = "voluntary", "Voluntary organisation"


class PartnerOrganisation(models.Model):
    """Anyone a partnership may work with, typed by the consent categories of P07.

    Every school is also a partner organisation of type school, so that school contacts,
    data-sharing agreements and (later) involvements work the same way for all types.
    """

    name = models.CharField(max_length=200)
    type = models.CharField(max_length=30, choices=OrganisationType.choices)
    local_authority = models.ForeignKey(
        LocalAuthority,
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
        help_text="Set for the local authority's own organisation record.",
    )
    partnerships = models.ManyToManyField(
        Partnership, related_name="partner_organisations", blank=True
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    ukprn = models.CharField(
        "UKPRN",
        max_length=8,
        blank=True,
        validators=[ukprn_format],
        help_text="UK Provider Reference Number, for schools, colleges and registered "
        "training providers.",
    )
    age_recipient = models.CharField(
        "age public key",
        max_length=62,
        blank=True,
        validators=[age_recipient_key],
        help_text="Transfer packages are encrypted to this key (P15). Without one, the "
        "organisation cannot receive a package.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["type", "name"], name="unique_organisation_name"),
        ]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    urn = models.CharField("URN", max_length=6, unique=True, validators=[six_digits])
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="schools"
    )
    establishment_number = models.CharField(max_length=4, validators=[four_digits])
    name = models.CharField(max_length=200)
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="schools")
    organisation = models.OneToOneField(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="school"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["local_authority", "establishment_number"], name="unique_laestab"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def laestab(self) -> str:
        """The DfE LAESTAB: LA code followed by establishment number (e.g. 8554012)."""
        return f"{self.local_authority.la_code}{self.establishment_number}"


def agreement_upload_to(instance: "DataSharingAgreement", filename: str) -> str:
    """Kept for migration 0001, which named it; agreements now store an encrypted file."""
    return f"data-sharing-agreements/{instance.reference}/{filename}"


class DataSharingAgreement(models.Model):
    """An organisation's own rules for keeping information safe, on record (P09).

    Enforced by ``sharing.selectors.live_involvements``: an organisation with no current
    agreement with the student's partnership receives nothing, so changing ``expires_on``
    changes who sees what on the next request.
    """

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="agreements"
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="agreements"
    )
    reference = models.CharField(max_length=60, unique=True)
    signed_on = models.DateField()
    expires_on = models.DateField()
    # The signed PDF, encrypted with the service data key (``core.crypto``): it belongs
    # to no one child. The storage name is random and says nothing about the agreement.
    document_file = models.CharField(max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("signed_on")),
                name="agreement_expires_after_signing",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @staticmethod
    def in_force(on: dt.date) -> models.Q:
        """In force on ``on``: the one definition, used by the access layer's
        ``agreement_in_force`` and by every count of current agreements."""
        return models.Q(signed_on__lte=on, expires_on__gte=on)

    def is_current(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.signed_on <= day <= self.expires_on

    def status(self, on: dt.date | None = None) -> str:
        """``expired``, ``expiring`` (within :data:`EXPIRY_WARNING`), ``current`` or
        ``not_started``, for the tag shown beside it."""
        day = on or timezone.localdate()
        if self.expires_on < day:
            return "expired"
        if self.signed_on > day:
            return "not_started"
        if self.expires_on <= day + EXPIRY_WARNING:
            return "expiring"
        return "current"


#: How long before an agreement expires the co-ordinator is warned.
EXPIRY_WARNING = dt.timedelta(days=60)
