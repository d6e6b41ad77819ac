"""The release ledger (P10): every aggregate table released, with its population, its
cells and who released it to whom.

A release holds aggregates only. Its cells are JSON of (row, column, value, suppressed,
protection, upper): categories and numbers, never a student. The true values of
suppressed cells are kept because later releases must be audited against them; they
are shown to no one.
"""

from django.conf import settings
from django.db import models

from seip.accounts.models import Role
from seip.organisations.models import LocalAuthority, PartnerOrganisation, Partnership
from seip.reports.tables import CellKind


class Release(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="releases"
    )
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in CellKind])
    breakdowns = models.JSONField(help_text="Row breakdown, then column breakdown.")
    population = models.JSONField(help_text="Schools, academic year, terms and filters.")
    policy = models.JSONField(help_text="Disclosure-control thresholds used.")
    cells = models.JSONField(help_text="Every cell, with its true value and suppression.")
    compared_with = models.JSONField(
        default=list, blank=True, help_text="Earlier releases audited with."
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient_role = models.CharField(max_length=30, choices=Role.choices)
    recipient_organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField()

    class Meta:
        ordering = ["released_at", "pk"]
        indexes = [models.Index(fields=["measure", "released_at"])]

    def __str__(self) -> str:
        return f"Release {self.pk}: {self.measure}"
