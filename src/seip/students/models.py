"""The student record and the case that follows an accepted referral.

A student exists only once a co-ordinator accepts a signed referral (P25). The case then
moves accepted → active → closed → left; leaving archives the record (P17) after the
paper files are returned to the school on roll (P16).
"""

from django.conf import settings
from django.db import models

from seip.keys.fields import BlindIndexField, SealedCharField, SealedDateField, SealedTextField
from seip.organisations.models import Partnership, School
from seip.referrals.models import Referral, Sex, Tier


class Student(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="students")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="students", help_text="School on roll"
    )
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="student")
    # Identity is sealed under the child's own key (P14, P22; ADR 0034). Imports find a
    # pupil by the blind indexes: the UPN, and the name with the date of birth.
    upn = SealedCharField("UPN", max_length=13, subject="referral_id")
    upn_is_temporary = models.BooleanField(default=False)
    first_name = SealedCharField(max_length=100, subject="referral_id")
    last_name = SealedCharField(max_length=100, subject="referral_id")
    date_of_birth = SealedDateField(subject="referral_id")
    upn_index = BlindIndexField(purpose="upn", sources=["upn"])
    name_dob_index = BlindIndexField(
        purpose="name-dob", sources=["first_name", "last_name", "date_of_birth"]
    )
    sex = models.CharField(max_length=1, choices=Sex.choices)
    nc_year = models.PositiveSmallIntegerField("national curriculum year")
    ethnicity = models.CharField(
        max_length=4,
        blank=True,
        help_text="DfE main ethnicity code from the school's census data (special category: "
        "used in reports only as major groups).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Not by name: the database sees only ciphertext. Lists sort by name in Python
        # (keys.fields.by_name) after opening the page's keys in one query.
        ordering = ["pk"]
        indexes = [models.Index(fields=["partnership", "archived_at"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class CaseStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    LEFT = "left", "Left the partnership"


class Outcome(models.TextChoices):
    MET = "met", "Targets met"
    PARTLY_MET = "partly_met", "Targets partly met"
    NOT_MET = "not_met", "Targets not met"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    OTHER = "other", "Other"


class Destination(models.TextChoices):
    STAYED = "stayed", "Stayed at school"
    MANAGED_MOVE = "managed_move", "Managed move to another school"
    AP = "alternative_provision", "Alternative provision"
    POST_16 = "post_16", "Post-16 education or training"
    OTHER = "other", "Other"


class Case(models.Model):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=20, choices=CaseStatus.choices)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    risk_assessment_on = models.DateField("risk assessment completed on", null=True, blank=True)
    risk_assessment_summary = SealedTextField(blank=True, subject="student.referral_id")
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    destination = models.CharField(max_length=30, choices=Destination.choices, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(tier=4) | models.Q(risk_assessment_on__isnull=False),
                name="tier_4_needs_risk_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"


class PaperFile(models.Model):
    """The paper-file register: each file returned to the school on roll (P16)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="paper_files")
    description = SealedCharField(max_length=200, subject="student.referral_id")
    returned_to = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    returned_on = models.DateField()
    received_by = SealedCharField("received by", max_length=200, subject="student.referral_id")
    receipt_confirmed = models.BooleanField(help_text="The school confirmed it received the file.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["returned_on", "pk"]

    def __str__(self) -> str:
        return str(self.description)
