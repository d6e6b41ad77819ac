"""Emails that tell staff what is due and what just happened, and each person's choices.

A message says how many and where to look, never who: no child's name, UPN, date of birth
or any other personal data goes into an email, because email leaves the service
unencrypted and lands where the service cannot reach it (P14, P15). The record of each
message keeps the same: who it went to, what kind, when, whether it went, and counts.
"""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    DIGEST = "digest", "A daily summary of what is due"
    BREAK_GLASS = "break_glass", "When someone opens restricted safeguarding records"
    REFERRAL_SIGNED = "referral_signed", "When a referral is signed and waits for a decision"
    IMPORT_FINISHED = "import_finished", "When an import you started finishes or fails"
    EXCLUSION_IMPORTED = (
        "exclusion_imported",
        "When an import brings a suspension or exclusion for a student on your caseload",
    )


class Preferences(models.Model):
    """Which emails a person wants. Every kind is on until they switch it off: the
    defaults are what keeps a safeguarding lead told of a break-glass read (P02)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    digest = models.BooleanField(default=True)
    break_glass = models.BooleanField(default=True)
    referral_signed = models.BooleanField(default=True)
    import_finished = models.BooleanField(default=True)
    exclusion_imported = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification preferences"

    def __str__(self) -> str:
        return f"Notification preferences {self.pk}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, Kind(kind).value))

    def kinds_on(self) -> list[Kind]:
        return [kind for kind in Kind if self.wants(kind)]


class Status(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SentMessage(models.Model):
    """One email to one person: never its text, only what it was about in numbers.

    ``day`` is the service's local date the message belongs to; a daily digest is unique
    per person and day, so a second run of the digest that day sends nothing again.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    counts = models.JSONField(default=dict, blank=True, help_text="Numbers only: never who")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "day"],
                condition=models.Q(kind="digest"),
                name="one_digest_per_person_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"Message {self.pk}"
