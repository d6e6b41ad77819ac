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
from seip.disclosure.tables import CellKind
from seip.organisations.models import LocalAuthority, PartnerOrganisation, Partnership


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


class DisclosurePolicy(models.Model):
    """A partnership's own disclosure-control thresholds (P10). Without one, the defaults
    of ``seip.disclosure.control.Policy`` apply (documented in ADR 0021). A county report
    uses the strictest thresholds among the county's partnerships."""

    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, related_name="disclosure_policy"
    )
    count_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Counts from 1 to this number are suppressed."
    )
    min_denominator = models.PositiveSmallIntegerField(
        default=10, help_text="Rates and means need at least this many students."
    )
    p_percent = models.FloatField(
        default=10.0, help_text="The p% rule for money totals by provider."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "disclosure policies"

    def __str__(self) -> str:
        return f"Disclosure policy of {self.partnership}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Making the report"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class ReportRun(models.Model):
    """A report asked for and made in the background (issue 10), then kept as published:
    the document after disclosure control (numbers and symbols only, never the raw
    tables), so that the page, the PDF and the spreadsheets all show the same release.
    Seen only by the person who asked."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_runs"
    )
    scope = models.CharField(max_length=40, help_text="partnership:ID, school:ID or county:ID")
    title = models.CharField(max_length=300)
    params = models.JSONField(
        default=dict, blank=True, help_text="What was asked for: report, year, terms, table."
    )
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.DONE)
    error = models.CharField(max_length=300, blank=True)
    document = models.JSONField(
        null=True, blank=True, help_text="The published report: figures and symbols only."
    )
    pdf = models.BinaryField(
        null=True,
        blank=True,
        editable=False,
        help_text="The document's PDF, rendered once when the run finished (ADR 0043).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Report {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)
