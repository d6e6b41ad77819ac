"""Data-protection concerns raised with a partnership's DPO (P23).

Anyone may raise one: a family through the portal, or any member of the public through a
form that needs no account. A concern names no child on purpose: the form asks what
happened, and warns against including more than is needed. When it turns out to be about a
student on record, the DPO links it (``concern_link_student``): its text is then sealed
under that student's key and cut when the student is erased; until then it is sealed with
the service key (``rights.fields``, ADR 0035). The DPO must acknowledge it
within ``ACKNOWLEDGE_WITHIN_DAYS`` and records the response. The person's name and how to
reply are kept because the answer must reach them; nothing else about them is kept.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from seip.organisations.models import Partnership
from seip.rights.fields import LinkedSealedCharField, LinkedSealedTextField
from seip.students.models import Student

SUBJECT = "student.referral_id"

#: Acknowledge a concern within 30 days (issue 6; the ICO expects a prompt acknowledgement).
ACKNOWLEDGE_WITHIN_DAYS = 30
#: Abuse limits for a form anyone can post to.
MAX_TEXT = 5000


class RaisedVia(models.TextChoices):
    PUBLIC = "public", "Public form"
    PORTAL = "portal", "Family portal"


class Concern(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="concerns")
    raised_via = models.CharField(max_length=10, choices=RaisedVia.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns",
        help_text="The portal account that raised it, if any.",
    )
    # SET_NULL: erasing the student leaves the concern (emptied to its tombstone) behind.
    student = models.ForeignKey(
        Student,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The student the concern turned out to be about, linked by the DPO.",
    )
    # Sealed under the student's key once linked, the service key until then (ADR 0035).
    # Required by the services; blank here because an erasure empties them.
    name = LinkedSealedCharField("their name", max_length=200, blank=True, subject=SUBJECT)
    contact = LinkedSealedCharField("how to reply", max_length=300, blank=True, subject=SUBJECT)
    what_happened = LinkedSealedTextField(max_length=MAX_TEXT, blank=True, subject=SUBJECT)
    received_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    response = LinkedSealedTextField(blank=True, max_length=MAX_TEXT, subject=SUBJECT)
    responded_on = models.DateField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Set when the linked student's erasure cut the name, contact and text (P22).
    details_erased_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "acknowledged_on"])]

    def __str__(self) -> str:
        return f"Concern {self.pk}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Not acknowledged, and the 30 days have run out."""
        day = today or timezone.localdate()
        return self.acknowledged_on is None and self.acknowledge_by < day
