"""Managed moves and Fair Access: the partnership's own work to keep a pupil on a roll.

A ``ManagedMove`` is a trial at a host school for a referred student (so only ever after a
parent signed the referral form, P25). The host school reaches the record only through
an ``Involvement`` that starts on the day the family agreed to the move (P07, P08); on
transfer the school on roll changes and a ``RollChange`` keeps the old school, so reports
keep the student with the school they were referred from (ADR 0048).

Fair Access is held without identifiers until a parent signs a referral form (P25, ADR
0048): a ``FairAccessCase`` has a reference, a year group and the excluding school, and
nothing else about the child; once the family signs, the case is linked to the referral.
A ``Panel`` allocates a school; its decision is enforceable only when every school of the
partnership was invited.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from seip.keys.fields import SealedCharField
from seip.notices.models import NoticeVersion
from seip.organisations.models import Partnership, School
from seip.referrals.models import Referral
from seip.sharing.models import Involvement
from seip.students.models import Student

#: The review of a trial: six weeks after it starts unless set, and never after twelve.
DEFAULT_REVIEW_AFTER = dt.timedelta(weeks=6)
LATEST_REVIEW_AFTER = dt.timedelta(weeks=12)
#: The co-ordinator checks a Fair Access child is on roll within a week of the decision.
ON_ROLL_CHECK_WITHIN = dt.timedelta(days=7)


class MoveDecision(models.TextChoices):
    TRANSFERRED = "transferred", "Transferred to the host school"
    RETURNED = "returned", "Returned to the home school"
    OTHER = "other", "Another plan"


class ManagedMove(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="managed_moves")
    home_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    host_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    trial_starts_on = models.DateField("trial starts on")
    dual_registration = models.BooleanField(
        default=True, help_text="The student stays on the home school's roll during the trial."
    )
    review_on = models.DateField("review date")
    # The family's agreement, with the notice version they were shown (P26, P07).
    agreed_on = models.DateField("family agreed on", null=True, blank=True)
    # Sealed under the child's key, as every name is, so an erasure shreds it (P22).
    agreed_by_name = SealedCharField(max_length=200, blank=True, subject="student.referral_id")
    notice_version = models.ForeignKey(
        NoticeVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    host_involvement = models.OneToOneField(
        Involvement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_on = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=MoveDecision.choices, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-trial_starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(home_school=models.F("host_school")),
                name="move_host_is_another_school",
            ),
            models.CheckConstraint(
                condition=models.Q(review_on__gte=models.F("trial_starts_on")),
                name="move_review_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(decision="", decided_on__isnull=True)
                | (~models.Q(decision="") & models.Q(decided_on__isnull=False)),
                name="move_decision_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Managed move {self.pk}"

    @property
    def stage(self) -> str:
        if self.decision:
            return str(self.get_decision_display())
        if self.agreed_on is None:
            return "Proposed"
        return "In trial"


class RollChange(models.Model):
    """The school on roll changed: the history reports read, so a student's figures stay
    with the school they were referred from (ADR 0048)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="roll_changes")
    from_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    to_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    move = models.OneToOneField(
        ManagedMove, on_delete=models.SET_NULL, null=True, related_name="roll_change"
    )

    class Meta:
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["student", "on"])]

    def __str__(self) -> str:
        return f"Roll change {self.pk}"


# Fair Access (ADR 0048) -------------------------------------------------------------------


class FairAccessCase(models.Model):
    """A child the Fair Access Protocol must place, held with no identifier (P25): no
    name, UPN or date of birth, until a parent signs a referral form and the case is
    linked to it."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="fair_access_cases"
    )
    reference = models.CharField(max_length=20, unique=True)
    nc_year = models.PositiveSmallIntegerField("year group")
    excluding_school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_on = models.DateField()
    referral = models.OneToOneField(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="fair_access"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return self.reference


class Panel(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="fair_access_panels"
    )
    held_on = models.DateField()
    invited = models.ManyToManyField(School, related_name="+")
    present = models.ManyToManyField(School, related_name="+", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Panel {self.pk}"


class Allocation(models.Model):
    case = models.OneToOneField(FairAccessCase, on_delete=models.CASCADE, related_name="allocation")
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="allocations")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField()
    school_told_on = models.DateField(null=True, blank=True)
    admissions_told_on = models.DateField(null=True, blank=True)
    on_roll_on = models.DateField("confirmed on roll on", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Allocation {self.pk}"

    @property
    def check_on_roll_by(self) -> dt.date:
        return self.panel.held_on + ON_ROLL_CHECK_WITHIN
