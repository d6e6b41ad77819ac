"""Attitude, behaviour and attainment: the progress data behind P03.

Every fact here inherits :class:`~seip.students.sources.Sourced`, so it says where it
came from and when (P11): incidents and results usually from the school, attitude ratings
from the partnership's own assessment.

The attitude scale
------------------
Each rating set scores four areas (engagement, relationships, self-regulation and
attitude to learning) on one fixed five-point scale, the same on every form and chart:

- 1 = serious concern
- 2 = some concern
- 3 = mixed
- 4 = good
- 5 = strong

A rating set may name the progress review it was made at (``review_id``); the progress app
owns reviews and sets that id, so it is a plain integer rather than a foreign key.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from seip.behaviour.codes import (
    ATTITUDE_MAX,
    ATTITUDE_MIN,
    ATTITUDE_SCALE,
    EXCLUSION_CATEGORIES,
    GRADE_SCALES,
    GRADES_BY_CODE,
    MAX_SUSPENSION_SESSIONS,
    REASON_CHOICES,
    REASONS_BY_CODE,
    Grade,
    Reason,
)
from seip.keys.fields import SealedCharField
from seip.organisations.models import School
from seip.students.models import Student
from seip.students.sources import Sourced


class IncidentCategory(models.TextChoices):
    DISRUPTION = "disruption", "Disruption"
    DEFIANCE = "defiance", "Defiance"
    VERBAL_ABUSE = "verbal_abuse", "Verbal abuse"
    ASSAULT_PUPIL = "assault_pupil", "Physical assault on a pupil"
    ASSAULT_ADULT = "assault_adult", "Physical assault on an adult"
    BULLYING = "bullying", "Bullying"
    DAMAGE = "damage", "Damage"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drug or alcohol related"
    THEFT = "theft", "Theft"
    PERSISTENT_DISRUPTION = "persistent_disruption", "Persistent disruptive behaviour"
    OTHER = "other", "Other"


class Severity(models.IntegerChoices):
    LOW = 1, "1 (low)"
    MEDIUM = 2, "2 (medium)"
    HIGH = 3, "3 (high)"


class Incident(Sourced):
    """One behaviour incident in school (P03: attitude and behaviour)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="incidents")
    occurred_on = models.DateField("date of the incident")
    category = models.CharField(max_length=30, choices=IncidentCategory.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    # Free text about the child, sealed under their own key (P14, P22; ADR 0034).
    description = SealedCharField(
        "short description", max_length=300, subject="student.referral_id"
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
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["student", "occurred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=3), name="incident_severity_1_3"
            ),
        ]

    def __str__(self) -> str:
        return f"Incident {self.pk}"


class ExclusionKind(models.TextChoices):
    SUSPENSION = "suspension", "Suspension"
    PERMANENT = "permanent", "Permanent exclusion"


class Exclusion(Sourced):
    """A suspension or permanent exclusion, with up to three DfE reasons (P03).

    Whether an exclusion was avoided is not stored: reports work it out from the history.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="exclusions")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", help_text="The excluding school"
    )
    kind = models.CharField("type", max_length=20, choices=ExclusionKind.choices)
    start_date = models.DateField()
    sessions = models.PositiveSmallIntegerField(
        "number of sessions", null=True, blank=True, help_text="Two sessions make a school day."
    )
    reason_1 = models.CharField("reason", max_length=2, choices=REASON_CHOICES)
    reason_2 = models.CharField("second reason", max_length=2, choices=REASON_CHOICES, blank=True)
    reason_3 = models.CharField("third reason", max_length=2, choices=REASON_CHOICES, blank=True)
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
        indexes = [models.Index(fields=["student", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="suspension", sessions__gte=1)
                    | models.Q(kind="permanent", sessions__isnull=True)
                ),
                name="exclusion_sessions_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Exclusion {self.pk}"

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in (self.reason_1, self.reason_2, self.reason_3) if code]

    @property
    def reasons(self) -> list[Reason]:
        return [REASONS_BY_CODE[code] for code in self.reason_codes if code in REASONS_BY_CODE]

    @property
    def dfe_category(self) -> str:
        return EXCLUSION_CATEGORIES[self.kind]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.kind == ExclusionKind.SUSPENSION:
            if self.sessions is None or self.sessions < 1:
                errors["sessions"] = "Enter the number of sessions the suspension lasts"
            elif self.sessions > MAX_SUSPENSION_SESSIONS:
                errors["sessions"] = (
                    f"A suspension cannot be longer than {MAX_SUSPENSION_SESSIONS} sessions"
                )
        elif self.kind == ExclusionKind.PERMANENT and self.sessions is not None:
            errors["sessions"] = "A permanent exclusion has no number of sessions"
        if not self.reason_1 and (self.reason_2 or self.reason_3):
            errors["reason_1"] = "Give the main reason first"
        elif self.reason_3 and not self.reason_2:
            errors["reason_2"] = "Give the second reason before the third"
        codes = self.reason_codes
        if len(codes) != len(set(codes)):
            errors["reason_2"] = "Give each reason only once"
        if errors:
            raise ValidationError(errors)


def validate_attitude_score(value: int) -> None:
    """Scores stay on the documented 1 to 5 scale, whatever path they arrive by."""
    if not ATTITUDE_MIN <= value <= ATTITUDE_MAX:
        raise ValidationError(
            f"Choose a score from {ATTITUDE_MIN} to {ATTITUDE_MAX}", code="attitude_scale"
        )


ATTITUDE_AREAS: dict[str, str] = {
    "engagement": "Engagement",
    "relationships": "Relationships",
    "self_regulation": "Self-regulation",
    "attitude_to_learning": "Attitude to learning",
}
ATTITUDE_CHOICES = [(score, f"{score}: {anchor}") for score, anchor in ATTITUDE_SCALE.items()]


def _score(label: str) -> models.PositiveSmallIntegerField:  # type: ignore[type-arg]
    return models.PositiveSmallIntegerField(
        label, choices=ATTITUDE_CHOICES, validators=[validate_attitude_score]
    )


class AttitudeRating(Sourced):
    """One dated set of attitude ratings on the fixed 1 to 5 scale (P03)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="attitude_ratings")
    rated_on = models.DateField("date rated")
    engagement = _score(ATTITUDE_AREAS["engagement"])
    relationships = _score(ATTITUDE_AREAS["relationships"])
    self_regulation = _score(ATTITUDE_AREAS["self_regulation"])
    attitude_to_learning = _score(ATTITUDE_AREAS["attitude_to_learning"])
    review_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="The progress review these ratings were made at."
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
        ordering = ["rated_on", "pk"]
        indexes = [models.Index(fields=["student", "rated_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{area}__gte": ATTITUDE_MIN, f"{area}__lte": ATTITUDE_MAX}),
                name=f"attitude_{area}_on_scale",
            )
            for area in ATTITUDE_AREAS
        ]

    def __str__(self) -> str:
        return f"Attitude ratings {self.pk}"

    @property
    def scores(self) -> dict[str, int]:
        return {area: int(getattr(self, area)) for area in ATTITUDE_AREAS}

    @property
    def score_rows(self) -> list[tuple[str, int, str]]:
        """(area, score, anchor) for each area, in the scale's documented order."""
        return [
            (ATTITUDE_AREAS[area], score, ATTITUDE_SCALE[score])
            for area, score in self.scores.items()
        ]

    @property
    def mean(self) -> float:
        return sum(self.scores.values()) / len(ATTITUDE_AREAS)


class Subject(models.TextChoices):
    ENGLISH = "english", "English"
    MATHS = "maths", "Maths"
    SCIENCE = "science", "Science"
    OTHER = "other", "Other"


class GradeScale(models.TextChoices):
    GCSE = "gcse", "GCSE 9 to 1"
    WORKING_AT = "working_at", "Working towards, at or above expected"


class AttainmentResult(Sourced):
    """A subject result at one assessment point, with its target (P03: school subjects)."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="attainment_results"
    )
    subject = models.CharField(max_length=20, choices=Subject.choices)
    subject_other = models.CharField("other subject", max_length=80, blank=True)
    assessed_on = models.DateField("date of the assessment point")
    assessment_label = models.CharField(
        "assessment point", max_length=60, help_text="For example 'Autumn 2 2026/27'."
    )
    scale = models.CharField(max_length=20, choices=GradeScale.choices)
    grade = models.CharField(max_length=10)
    target_grade = models.CharField(max_length=10, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["student", "assessed_on"])]

    def __str__(self) -> str:
        return f"Result {self.pk}"

    @property
    def subject_name(self) -> str:
        return self.subject_other if self.subject == Subject.OTHER else self.get_subject_display()

    @property
    def grade_info(self) -> Grade | None:
        return GRADES_BY_CODE.get(self.scale, {}).get(self.grade)

    @property
    def target_info(self) -> Grade | None:
        return GRADES_BY_CODE.get(self.scale, {}).get(self.target_grade)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        self.subject_other = self.subject_other.strip()
        if self.subject == Subject.OTHER and not self.subject_other:
            errors["subject_other"] = "Enter the name of the subject"
        elif self.subject != Subject.OTHER and self.subject_other:
            errors["subject_other"] = "Name a subject only when you choose 'Other'"
        grades = GRADES_BY_CODE.get(self.scale)
        if grades is not None:
            scale_label = GradeScale(self.scale).label
            if self.grade not in grades:
                errors["grade"] = f"Choose a grade on the {scale_label} scale"
            if self.target_grade and self.target_grade not in grades:
                errors["target_grade"] = f"Choose a target grade on the {scale_label} scale"
        if errors:
            raise ValidationError(errors)


GRADE_CHOICES: list[tuple[str, list[tuple[str, str]]]] = [
    (GradeScale(scale).label, [(g.code, g.label) for g in reversed(grades)])
    for scale, grades in GRADE_SCALES.items()
]
