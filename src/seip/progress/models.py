"""Reviews (P12) and the family portal's links (P03).

A review keeps the record accurate: it records progress in the three domains, the
student's and parent's views and next steps, and confirms or corrects the key facts.
A portal link lets a parent or carer with parental responsibility, or the student, see
that one young person's progress and nothing else.
"""

from django.conf import settings
from django.db import models

from seip.keys.fields import SealedTextField
from seip.students.models import Case, Student


class PortalRelationship(models.TextChoices):
    PARENT_CARER = "parent_carer", "Parent or carer"
    STUDENT = "student", "The student"


class PortalLink(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_links"
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="portal_links")
    relationship = models.CharField(max_length=20, choices=PortalRelationship.choices)
    parental_responsibility = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "student"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_portal_link",
            ),
            # A parent or carer sees a child only with parental responsibility (P03).
            models.CheckConstraint(
                condition=~models.Q(relationship="parent_carer")
                | models.Q(parental_responsibility=True),
                name="portal_parent_needs_pr",
            ),
        ]

    def __str__(self) -> str:
        return f"Portal link {self.pk}"


#: A review reaches its child through the case.
SUBJECT = "case.student.referral_id"


class Review(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField()
    # Free text about the child and family, sealed under the child's own key (P14, P22).
    attendance_progress = SealedTextField("progress in attendance", subject=SUBJECT)
    behaviour_progress = SealedTextField("progress in attitude and behaviour", subject=SUBJECT)
    attainment_progress = SealedTextField("progress in school subjects", subject=SUBJECT)
    student_view = SealedTextField("the student's view", blank=True, subject=SUBJECT)
    parent_view = SealedTextField("the parent or carer's view", blank=True, subject=SUBJECT)
    next_steps = SealedTextField(subject=SUBJECT)
    facts_confirmed = models.BooleanField(
        default=False, help_text="The key facts were checked with the family and school."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["case", "held_on"])]

    def __str__(self) -> str:
        return f"Review {self.pk}"
