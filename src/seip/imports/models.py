"""The manual matching queue for CTF imports.

A pupil in a file whose UPN matches no referred student, but whose name and date of birth
match one, is never imported on that match alone (names are not identifiers). The
co-ordinator checks with the school instead. The row holds nothing read from the file
about the pupil (P25): only which student it might be, which upload (by a neutral label:
the file's own name can name a pupil), and where in it, so a different child who happens
to share a name and birthday leaves no trace.
"""

import datetime as dt
import re
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from seip.organisations.models import School
from seip.students.models import Student

#: How an upload is named in the database: by kind, extension and day, never by the name
#: it had on the uploader's disk, which can name a pupil ("Jo Bloggs CTF.xml") and would
#: then outlive the pupil's erasure in every copy of the database (P22; ADR 0035).
_SHORT = {
    "ctf": "CTF",
    "attendance": "Attendance CSV",
    "behaviour": "Behaviour CSV",
    "exclusions": "Exclusions CSV",
    "assessments": "Assessments CSV",
}
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")
_LABEL = re.compile(r"^[A-Za-z ]{2,40} upload( \(\.[a-z0-9]{1,8}\))? of \d{4}-\d{2}-\d{2}$")


#: What a stored report says instead of a UPN it cannot tie to a student.
UNNAMED = "[a referred pupil]"


def file_label(kind: str, file_name: str, on: dt.date | None = None) -> str:
    """A neutral name for an upload: ``CTF upload (.xml) of 2026-12-07``. A name that is
    already a label is kept as it is."""
    if _LABEL.match(file_name):
        return file_name
    extension = PurePath(file_name.strip()).suffix.lower()
    shown = f" ({extension})" if _EXTENSION.match(extension) else ""
    day = on or timezone.localdate()
    return f"{_SHORT.get(kind, 'File')} upload{shown} of {day.isoformat()}"


class MatchResolution(models.TextChoices):
    SAME_CHILD = "same_child", "The same child: correct the UPN on the record, then import again"
    DIFFERENT_CHILD = "different_child", "A different child: nothing is imported"


class MatchCandidate(models.Model):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", help_text="The file's source school"
    )
    file_name = models.CharField(
        max_length=200, help_text="A neutral label for the file (``file_label``), never its name"
    )
    position = models.PositiveIntegerField(help_text="The pupil's position in the file")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=20, choices=MatchResolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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

    def save(self, *args: object, **kwargs: object) -> None:
        self.file_name = file_label("ctf", self.file_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class MappingKind(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance marks"
    BEHAVIOUR = "behaviour", "Behaviour incidents"
    EXCLUSIONS = "exclusions", "Suspensions and exclusions"
    ASSESSMENTS = "assessments", "Assessment results"


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


class ImportKind(models.TextChoices):
    CTF = "ctf", "Common Transfer File (CTF)"
    ATTENDANCE = "attendance", "MIS CSV: attendance marks"
    BEHAVIOUR = "behaviour", "MIS CSV: behaviour incidents"
    EXCLUSIONS = "exclusions", "MIS CSV: suspensions and exclusions"
    ASSESSMENTS = "assessments", "MIS CSV: assessment results"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    REFUSED = "refused", "Refused: nothing was changed"
    FAILED = "failed", "Failed: nothing was changed"


class ImportRun(models.Model):
    """One upload in the browser, imported by a background task (issue 7).

    The page polls this row for progress and shows its report when the task ends. It
    holds counts and the report's lines, which name referred pupils only by position and
    student id (``[student:42]``; the page shows the UPN from the student's sealed record,
    or that the record was erased) and never mention a pupil who is not referred (P25);
    never the file itself, which lives encrypted outside the database only while the task
    runs, nor its name (``file_label``).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(
        max_length=200, help_text="A neutral label for the file (``file_label``), never its name"
    )
    valid_only = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Pupils processed so far")
    total = models.PositiveIntegerField(default=0, help_text="Pupils in the file")
    report = models.JSONField(
        default=dict, blank=True, help_text="Counts, reasons and warnings; no unreferred pupil"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import run {self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.file_name = file_label(self.kind, self.file_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def finished(self) -> bool:
        return self.status in {RunStatus.DONE, RunStatus.REFUSED, RunStatus.FAILED}
