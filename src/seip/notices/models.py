"""Each partnership's fair processing notice, configured live and published in versions.

The configuration is what a co-ordinator edits. Publishing renders it, with the
partnership's current name and contacts, into an immutable :class:`NoticeVersion`. A signed
consent points at the version the family was shown (P26, P07), so what a family agreed to
can always be shown exactly as they saw it.
"""

from typing import Any

from django.conf import settings
from django.db import models

from seip.organisations.models import OrganisationType, Partnership


def all_categories() -> list[str]:
    return [str(choice) for choice in OrganisationType.values]


class NoticeConfiguration(models.Model):
    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, related_name="notice_configuration"
    )
    wording = models.TextField(
        help_text="The notice's text. Placeholders in braces are filled from the "
        "partnership's live details when the notice is published."
    )
    lawful_basis = models.TextField()
    retention = models.TextField("retention periods")
    shares_with = models.JSONField(
        "categories of organisation shared with",
        default=all_categories,
        help_text="Consent categories this partnership may share with, if a family agrees.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notice configuration for {self.partnership}"


class NoticeVersion(models.Model):
    """A published notice. Never edited: a change is a new version."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="notice_versions"
    )
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(help_text="The rendered notice, exactly as families see it.")
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["partnership", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["partnership", "number"], name="unique_notice_number"),
        ]

    def __str__(self) -> str:
        return f"{self.partnership} privacy notice, version {self.number}"

    def save(self, **kwargs: Any) -> None:
        # What families were told is evidence (P26): a published version is written once.
        # There is no service that edits one; this stops a stray ``version.save()`` too.
        if not self._state.adding:
            raise ValueError("A published notice version is never changed: publish a new one")
        super().save(**kwargs)
