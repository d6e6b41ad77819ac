"""Alternative provision placements as casework, part-time timetables and the sixth day
of a suspension (issue 20, ADR 0049).

An ``APPlacement`` extends the provision app's AP_PLACEMENT ``Intervention`` (its
provider, dates, sessions and cost stay there, P06) with what the DfE school census AP
module and "Arranging alternative provision" (2025) ask for: the commissioning school,
the provider's census identity, the primary reason, the plan (objectives, reintegration
criteria, sessions per week, maximum period, planned end) and how it ended. Its
half-termly ``PlacementCheck`` records attendance at the provider in sessions and the
pupil's own view. Free text about the child is sealed under their key (ADR 0034).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seip.behaviour.models import Exclusion
from seip.keys.fields import SealedCharField, SealedTextField
from seip.organisations.models import PartnerOrganisation, School
from seip.provision.models import Intervention
from seip.students.models import Student


class SettingType(models.TextChoices):
    """The census's setting type, for a provider with neither URN nor UKPRN (ADR 0049:
    codes from the issue; their labels are unconfirmed)."""

    NFE = "NFE", "NFE: non-maintained further education provision"
    OOT = "OOT", "OOT: one-on-one tuition"
    OTH = "OTH", "OTH: other unregistered provider"
    WBP = "WBP", "WBP: work-based placement"


class Registration(models.TextChoices):
    REGISTERED_SCHOOL = "registered_school", "Registered school (Ofsted or DfE)"
    REGISTERED_FE = "registered_fe", "Registered further education provider"
    UNREGISTERED = "unregistered", "Unregistered"
    UNKNOWN = "unknown", "Not yet checked"


class PrimaryReason(models.TextChoices):
    """Why the school placed the pupil (the census AP module's "primary reason";
    codes are SEIP's own until the DfE list is confirmed, ADR 0049)."""

    BEHAVIOUR = "behaviour", "Behaviour: to improve behaviour"
    SUSPENSION = "suspension", "Suspension: provision from the sixth day"
    HEALTH = "health", "Physical or mental health needs"
    SEMH = "semh", "Social, emotional and mental health"
    SEN = "sen", "Special educational needs awaiting a place"
    CURRICULUM = "curriculum", "Curriculum or vocational offer"
    OTHER = "other", "Other"


class EndReason(models.TextChoices):
    MAINSTREAM_FULL_TIME = "mainstream_full_time", "Returned to mainstream full-time"
    MAINSTREAM_PART_TIME = "mainstream_part_time", "Returned to mainstream part-time"
    ANOTHER_PLACEMENT = "another_placement", "Moved to another placement"
    SPECIALIST = "specialist", "Specialist place"
    LEFT = "left", "Left education or the area"
    OTHER = "other", "Other"


class Provider(models.Model):
    """An alternative provider's census identity and registration (one per organisation)."""

    organisation = models.OneToOneField(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="ap_provider"
    )
    urn = models.CharField("URN", max_length=8, blank=True)
    ukprn = models.CharField("UKPRN", max_length=8, blank=True)
    registration = models.CharField(
        max_length=20, choices=Registration.choices, default=Registration.UNKNOWN
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.organisation.name)


class QualityVisit(models.Model):
    """A quality-assurance visit to a provider, with when the next one is due."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField()
    next_due_on = models.DateField()
    satisfactory = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"Visit on {self.visited_on:%d %b %Y}"


class APPlacement(models.Model):
    """The plan and census record of one AP placement (ADR 0049)."""

    intervention = models.OneToOneField(
        Intervention, on_delete=models.PROTECT, related_name="ap_plan"
    )
    #: The intervention's student, kept here so scoping and sealing need no join.
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="ap_placements")
    commissioning_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    setting_type = models.CharField(
        max_length=3,
        choices=SettingType.choices,
        blank=True,
        help_text="Only when the provider has neither a URN nor a UKPRN.",
    )
    primary_reason = models.CharField(max_length=20, choices=PrimaryReason.choices)
    objectives = SealedTextField(subject="student.referral_id")
    reintegration_criteria = SealedTextField(subject="student.referral_id")
    sessions_per_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    maximum_end = models.DateField("end of the maximum period")
    planned_end = models.DateField()
    end_reason = models.CharField(max_length=30, choices=EndReason.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__lte=models.F("maximum_end")),
                name="ap_placement_planned_within_maximum",
            ),
        ]

    def __str__(self) -> str:
        return f"Placement {self.pk}"

    @property
    def start_date(self):  # type: ignore[no-untyped-def]
        return self.intervention.start_date

    @property
    def actual_end(self):  # type: ignore[no-untyped-def]
        return self.intervention.end_date


class PlacementCheck(models.Model):
    """A half-termly review of a placement: attendance at the provider, in sessions, and
    the pupil's own view."""

    placement = models.ForeignKey(APPlacement, on_delete=models.CASCADE, related_name="checks")
    reviewed_on = models.DateField()
    sessions_attended = models.PositiveSmallIntegerField()
    sessions_possible = models.PositiveSmallIntegerField()
    progress = SealedTextField(subject="placement.student.referral_id")
    pupil_view = SealedTextField("the pupil's view", subject="placement.student.referral_id")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sessions_attended__lte=models.F("sessions_possible")),
                name="placement_check_attended_within_possible",
            ),
        ]

    def __str__(self) -> str:
        return f"Review on {self.reviewed_on:%d %b %Y}"


class PartTimeTimetable(models.Model):
    """A part-time timetable: agreed with the parents, time-limited, told to the council."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="part_time_timetables"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    planned_end = models.DateField()
    extension_reason = SealedTextField(blank=True, subject="student.referral_id")
    sessions_per_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(9)]
    )
    parents_agreed_on = models.DateField(null=True, blank=True)
    council_told_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("start_date")),
                name="part_time_timetable_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Part-time timetable {self.pk}"


class SuspensionFollowUp(models.Model):
    """What followed a suspension: the council told, and education from the sixth
    school day (ADR 0049: a linked row, so behaviour's Exclusion is unchanged)."""

    exclusion = models.OneToOneField(Exclusion, on_delete=models.CASCADE, related_name="follow_up")
    council_told_on = models.DateField(null=True, blank=True)
    provision_from = models.DateField(null=True, blank=True)
    provision = SealedCharField(max_length=200, blank=True, subject="exclusion.student.referral_id")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Follow-up of exclusion {self.exclusion_id}"
