"""Need to know: who works with a student, and who has seen or received their record.

An ``Involvement`` says "organisation X works with student Y, from a date to a date, for a
purpose" (P08). It is the only way an organisation outside the partnership reaches an
individual record, and it only opens the record while the family's consent covers the
organisation's category (P07) and the organisation's data-sharing agreement is current
(P09). Those two conditions are checked in the query every time, not copied onto the
involvement, so a withdrawal or an expiry suspends access at that moment.

A ``Disclosure`` is one occasion on which information left the partnership: an external
organisation viewed the record, downloaded a report, or was sent a transfer package. The
family sees this list in the portal: "who has seen or received my child's record".
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from seip.organisations.models import PartnerOrganisation
from seip.students.models import Student


class Involvement(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="involvements")
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="involvements"
    )
    purpose = models.CharField(
        max_length=300, help_text="What the organisation does with this student, in a line."
    )
    starts_on = models.DateField("from")
    ends_on = models.DateField("to", null=True, blank=True, help_text="Leave empty if open.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "pk"]
        indexes = [models.Index(fields=["organisation", "student"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="involvement_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Involvement {self.pk}"


class DisclosureKind(models.TextChoices):
    VIEW = "view", "Looked at the record"
    DOWNLOAD = "download", "Downloaded a progress report"
    EXPORT = "export", "Was sent an export"
    TRANSFER_SENT = "transfer_sent", "Was sent a secure transfer"
    TRANSFER_OPENED = "transfer_opened", "Opened a secure transfer"
    #: The child's name and school in a list (the working list, reviews due): less than
    #: opening the record, and the family's log says so.
    LIST = "list", "Saw the name in a list"


class Disclosure(models.Model):
    """One occasion on which a student's information reached someone outside the
    partnership team. Written only by ``sharing.services``: ``disclosure_record``, and
    ``record_read`` and ``record_list_read`` for the pages that show students."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="disclosures")
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, null=True, related_name="disclosures"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=DisclosureKind.choices)
    purpose = models.CharField(max_length=300)
    reference = models.CharField(
        max_length=80, blank=True, help_text="A transfer package's id, for example."
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["student", "-at"])]

    def __str__(self) -> str:
        return f"Disclosure {self.pk}"
