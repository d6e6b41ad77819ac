"""Provision and its cost (P06), and Alternative Provision placements.

Every intervention records who delivers it, when, how many sessions were planned and
attended, and what it cost, with the funding stream that paid, so that cost per student
and cost per outcome can be reported. An Alternative Provision placement also records
the safeguarding checks made before the student starts (P02) and half-termly reviews
that keep the placement under review (P12). Each fact carries its source (P11).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seip.keys.fields import SealedCharField, SealedTextField
from seip.organisations.models import PartnerOrganisation
from seip.students.models import Student
from seip.students.sources import Sourced

ZERO = Decimal("0.00")


class InterventionType(models.TextChoices):
    MENTORING = "mentoring", "Mentoring"
    KEY_WORK = "key_work", "Key work"
    AP_PLACEMENT = "ap_placement", "Alternative Provision placement"
    TUTORING = "tutoring", "Tutoring"
    COUNSELLING = "counselling", "Counselling"
    BEHAVIOUR_PROGRAMME = "behaviour_programme", "Behaviour programme"
    MANAGED_MOVE = "managed_move", "Managed move"
    REDUCED_TIMETABLE = "reduced_timetable", "Reduced timetable"
    OTHER = "other", "Other"


#: Work the partnership may deliver itself: no provider means "the partnership".
IN_HOUSE_TYPES = frozenset({InterventionType.KEY_WORK, InterventionType.MENTORING})


class FundingStream(models.TextChoices):
    DEVOLVED = "devolved", "Partnership devolved budget"
    SCHOOL = "school", "School contribution"
    HIGH_NEEDS = "high_needs", "LA high needs"
    PUPIL_PREMIUM = "pupil_premium", "Pupil premium"
    OTHER = "other", "Other"


class SafeguardingCheck(models.TextChoices):
    """What must be done before a student starts at an alternative provider (P02)."""

    DBS = "dbs", "DBS checks on staff confirmed"
    SITE_VISIT = "site_visit", "Site visit done"
    EMERGENCY_CONTACTS = "emergency_contacts", "Emergency contacts shared"
    ATTENDANCE_REPORTING = "attendance_reporting", "Attendance reporting agreed"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead named"


_money = [MinValueValidator(ZERO)]


class Intervention(Sourced):
    """One piece of provision for a student and what it cost (P06)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="interventions")
    type = models.CharField(max_length=30, choices=InterventionType.choices)
    # Free text about the child, sealed under their own key (P14, P22; ADR 0034).
    description = SealedCharField(max_length=200, blank=True, subject="student.referral_id")
    provider = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
        help_text="Empty when the partnership delivers it itself.",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    sessions_planned = models.PositiveIntegerField()
    sessions_attended = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(
        "unit cost (£)", max_digits=8, decimal_places=2, validators=_money
    )
    quantity = models.DecimalField("units", max_digits=7, decimal_places=2, validators=_money)
    staff_hours = models.DecimalField(
        max_digits=7, decimal_places=2, default=ZERO, validators=_money
    )
    staff_hourly_cost = models.DecimalField(
        "staff hourly cost (£)", max_digits=6, decimal_places=2, default=ZERO, validators=_money
    )
    total_cost = models.DecimalField(
        "total cost (£)",
        max_digits=12,
        decimal_places=2,
        validators=_money,
        help_text="Set by the services from seip.provision.costs.total_cost.",
    )
    funding_stream = models.CharField(max_length=20, choices=FundingStream.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["student", "type"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="intervention_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(sessions_attended__lte=models.F("sessions_planned")),
                name="intervention_attended_within_planned",
            ),
            models.CheckConstraint(
                condition=models.Q(total_cost__gte=0), name="intervention_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_type_display())

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be the same as or after the start date"
        if (
            self.sessions_attended is not None
            and self.sessions_planned is not None
            and self.sessions_attended > self.sessions_planned
        ):
            errors["sessions_attended"] = (
                "Sessions attended cannot be more than the sessions planned"
            )
        if self.provider_id is None and self.type not in IN_HOUSE_TYPES:
            errors["provider"] = (
                "Choose the provider: only key work and mentoring can be delivered by "
                "the partnership itself"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def provider_name(self) -> str:
        return self.provider.name if self.provider is not None else "The partnership"

    @property
    def is_placement(self) -> bool:
        return self.type == InterventionType.AP_PLACEMENT


class Placement(models.Model):
    """The extra record for an Alternative Provision placement (P02, P12)."""

    intervention = models.OneToOneField(
        Intervention, on_delete=models.CASCADE, related_name="placement"
    )
    days_per_week = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("5"))],
    )
    # Typed by staff: where this child spends their school days, which for provision at
    # home or in the community can be the family's address. Sealed (P14, P22).
    site = SealedCharField(max_length=200, subject="intervention.student.referral_id")
    checks = models.JSONField(
        "safeguarding checks done",
        default=list,
        blank=True,
        help_text="Codes from SafeguardingCheck.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days_per_week__gte=Decimal("0.5"))
                & models.Q(days_per_week__lte=5),
                name="placement_days_per_week_in_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.site)

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.checks, list) or not set(self.checks) <= set(
            SafeguardingCheck.values
        ):
            raise ValidationError({"checks": "Choose checks from the safeguarding checklist"})
        if self.days_per_week is not None and self.days_per_week % Decimal("0.5"):
            raise ValidationError(
                {"days_per_week": "Give days per week in half days, from 0.5 to 5"}
            )

    @property
    def missing_checks(self) -> list[SafeguardingCheck]:
        done = set(self.checks or [])
        return [check for check in SafeguardingCheck if check.value not in done]

    @property
    def check_labels(self) -> list[str]:
        done = set(self.checks or [])
        return [str(check.label) for check in SafeguardingCheck if check.value in done]


#: A review reaches its child through the placement's intervention.
REVIEW_SUBJECT = "placement.intervention.student.referral_id"


class PlacementReview(Sourced):
    """A half-termly review of a placement (P12)."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    attendance_percent = models.DecimalField(
        "attendance at the placement (%)",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    summary = SealedTextField(subject=REVIEW_SUBJECT)
    next_steps = SealedTextField(subject=REVIEW_SUBJECT)
    source_note = SealedCharField(
        max_length=200,
        blank=True,
        help_text="For example the file name of an import.",
        subject=REVIEW_SUBJECT,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attendance_percent__gte=0)
                & models.Q(attendance_percent__lte=100),
                name="placement_review_attendance_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"Review on {self.reviewed_on:%d %b %Y}"
