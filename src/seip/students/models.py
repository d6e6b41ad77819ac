"""The student record and the case that follows an accepted referral.

A student exists only once a co-ordinator accepts a signed referral (P25). The case then
moves accepted → active → closed → left; leaving archives the record (P17) after the
paper files are returned to the school on roll (P16).
"""

from django.conf import settings
from django.db import models

from seip.organisations.models import Partnership, School
from seip.referrals.models import Referral, Sex, Tier


class Student(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="students")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="students", help_text="School on roll"
    )
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="student")
    upn = models.CharField("UPN", max_length=13)
    upn_is_temporary = models.BooleanField(default=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
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
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["partnership", "archived_at"]),
            models.Index(fields=["upn"]),
        ]

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
    risk_assessment_summary = models.TextField(blank=True)
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
    description = models.CharField(max_length=200)
    returned_to = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    returned_on = models.DateField()
    received_by = models.CharField("received by", max_length=200)
    receipt_confirmed = models.BooleanField(help_text="The school confirmed it received the file.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["returned_on", "pk"]

    def __str__(self) -> str:
        return self.description
