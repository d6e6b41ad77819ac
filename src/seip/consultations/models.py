"""Pre-referral consultations: a school talks a child over with the partnership (P25).

Before a parent signs the Referral Form the partnership keeps nothing that identifies the
child, so a consultation records only the forum, the school, the year group, the kind of
concern and the advice given. There is deliberately no field for a name, a date of birth
or a UPN, and the one free-text field, the advice, is refused if it looks like it holds
one (see :mod:`seip.consultations.identifiers`). Consultations are counted only as
anonymous activity, never in outcome reports.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from seip.consultations.validators import no_identifiers, not_in_future
from seip.organisations.models import Partnership, School


class Forum(models.TextChoices):
    INCLUSION_FORUM = "inclusion_forum", "Inclusion Forum"
    SURGERY = "surgery", "Surgery"
    PANEL = "panel", "Multi-agency panel"


class YearGroup(models.IntegerChoices):
    YEAR_7 = 7, "Year 7"
    YEAR_8 = 8, "Year 8"
    YEAR_9 = 9, "Year 9"
    YEAR_10 = 10, "Year 10"
    YEAR_11 = 11, "Year 11"
    YEAR_12 = 12, "Year 12"
    YEAR_13 = 13, "Year 13"


class Concern(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    BEHAVIOUR = "behaviour", "Behaviour"
    WELLBEING = "wellbeing", "Emotional wellbeing or mental health"
    SEND = "send", "SEND or learning"
    FAMILY = "family", "Family circumstances"
    EXCLUSION_RISK = "exclusion_risk", "Risk of exclusion"
    SAFEGUARDING = "safeguarding", "Safeguarding worry (advice only)"
    OTHER = "other", "Other"


class Consultation(models.Model):
    """One conversation about one unnamed child, at a forum, surgery or panel.

    ``partnership`` is always the school's own partnership (the belonging rule), set by
    :func:`seip.consultations.services.consultation_record`, and is what scopes who may
    see it. A safeguarding worry recorded here is advice only: a child at risk goes
    through the safeguarding procedure, not through this record.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="consultations")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="consultations"
    )
    forum = models.CharField(max_length=30, choices=Forum.choices)
    held_on = models.DateField("date held", validators=[not_in_future])
    year_group = models.PositiveSmallIntegerField(choices=YearGroup.choices)
    concern = models.CharField("category of concern", max_length=30, choices=Concern.choices)
    advice = models.TextField("advice given", validators=[no_identifiers])
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="consultations_attended", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["partnership", "held_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year_group__gte=7, year_group__lte=13),
                name="consultation_secondary_year_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_forum_display()}, {self.held_on.day} {self.held_on:%B %Y}"

    def clean(self) -> None:
        # The belonging rule: a school's consultations belong to the school's partnership.
        if self.school_id is not None and self.partnership_id != self.school.partnership_id:
            raise ValidationError(
                {"partnership": "A consultation belongs to its school's own partnership"}
            )
