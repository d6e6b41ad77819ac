"""The manual matching queue for CTF imports.

A pupil in a file whose UPN matches no referred student, but whose name and date of birth
match one, is never imported on that match alone (names are not identifiers). The
co-ordinator checks with the school instead. The row holds nothing read from the file
about the pupil (P25): only which student it might be, which file, and where in it, so a
different child who happens to share a name and birthday leaves no trace.
"""

from django.conf import settings
from django.db import models

from seip.organisations.models import School
from seip.students.models import Student


class MatchCandidate(models.Model):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", help_text="The file's source school"
    )
    file_name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(help_text="The pupil's position in the file")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school", "file_name", "position"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_match_candidate",
            ),
        ]

    def __str__(self) -> str:
        return f"Match candidate {self.pk}"


class MappingKind(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance marks"


class ColumnMapping(models.Model):
    """Which column of a school's MIS export holds each field, remembered per school so
    the next file from the same MIS needs no mapping (issue 7). Holds column names only."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=MappingKind.choices)
    columns = models.JSONField(help_text="Field name -> column heading in the file")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="one_mapping_per_school_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} columns for school {self.school_id}"
