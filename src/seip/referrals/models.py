"""The referral form and the consent a parent or carer gives by signing it.

Before signature a referral is the school's draft: the partnership cannot see what
identifies the child, and drafts are purged after ``DRAFT_RETENTION_DAYS`` (P25). The
signature's information-sharing section is recorded category by category as
:class:`ConsentGrant` rows; those rows decide who may ever see the student (P07).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seip.core.upn import validate_upn
from seip.keys.fields import (
    BlindIndexField,
    SealedCharField,
    SealedDateField,
    SealedEmailField,
    SealedTextField,
)
from seip.notices.models import NoticeVersion
from seip.organisations.models import OrganisationType, Partnership, School


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft (not signed)"
    SIGNED = "signed", "Signed, awaiting decision"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn by the family"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class Tier(models.IntegerChoices):
    ADVICE = 1, "Tier 1: advice and consultation"
    TARGETED = 2, "Tier 2: targeted support"
    INTENSIVE = 3, "Tier 3: intensive support"
    PROGRAMME = 4, "Tier 4: programme management"


class Referral(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="referrals")
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text="The partnership of the school on roll (the belonging rule).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    # Identity and free text are sealed under the child's own key (P14, P22; ADR 0034):
    # a copy of the database holds nothing readable about them once it is shredded.
    upn = SealedCharField("UPN", max_length=13, validators=[validate_upn], subject="pk")
    first_name = SealedCharField(max_length=100, subject="pk")
    last_name = SealedCharField(max_length=100, subject="pk")
    date_of_birth = SealedDateField(subject="pk")
    upn_index = BlindIndexField(purpose="upn", sources=["upn"])
    sex = models.CharField(max_length=1, choices=Sex.choices)
    nc_year = models.PositiveSmallIntegerField(
        "national curriculum year", validators=[MinValueValidator(7), MaxValueValidator(13)]
    )
    reasons = SealedTextField("reasons for referral and concerns", subject="pk")
    support_tried = SealedTextField("support already tried", subject="pk")
    attendance_summary = SealedTextField(blank=True, subject="pk")
    behaviour_summary = SealedTextField(blank=True, subject="pk")
    requested_tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = SealedTextField(blank=True, subject="pk")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partnership", "status"])]

    def __str__(self) -> str:
        return f"Referral {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == ReferralStatus.DRAFT


class Carer(models.Model):
    """A parent or carer named on the referral form."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="carers")
    name = SealedCharField(max_length=200, subject="referral_id")
    relationship = SealedCharField(max_length=100, subject="referral_id")
    parental_responsibility = models.BooleanField()
    phone = SealedCharField(max_length=40, blank=True, subject="referral_id")
    email = SealedEmailField(blank=True, subject="referral_id")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Carer {self.pk}"


class Consent(models.Model):
    """One signature on the referral form's information-sharing section.

    The first signature makes the referral; a later one extends consent (for example,
    adding Health). Each names the notice version the family was shown (P26).
    """

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="consents")
    signed_by_name = SealedCharField("signed by", max_length=200, subject="referral_id")
    relationship = SealedCharField(
        "relationship to the young person", max_length=100, subject="referral_id"
    )
    has_parental_responsibility = models.BooleanField()
    signed_on = models.DateField()
    notice_version = models.ForeignKey(
        NoticeVersion, on_delete=models.PROTECT, related_name="consents"
    )
    choices = models.JSONField(
        help_text="What the family chose for every category, agreed or not, as signed."
    )
    form_file = models.CharField(
        max_length=200, blank=True, help_text="Storage name of the encrypted scan."
    )
    form_content_type = models.CharField(max_length=100, blank=True)
    form_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"Consent {self.pk}"


class ConsentGrant(models.Model):
    """Consent to share with one category of organisation, until withdrawn (P07)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="grants")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="grants")
    category = models.CharField(max_length=30, choices=OrganisationType.choices)
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "category"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_grant_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} consent"
