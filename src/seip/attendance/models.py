"""Session attendance, stored compactly: one row per student, school and academic year.

A row's ``marks`` holds the whole year, one character per session (the layout and the
encoding are in :mod:`seip.attendance.marks`), so a student's five years are five rows
however many sessions they hold. The counts beside the marks are derived from them by the
calculator and kept in step by the services that write marks; a database constraint
checks that they add up. Reports over many students read the counts, never the marks.

Where the marks came from (P11) is recorded on the row through :class:`Sourced`: the
school's import or entry, or the partnership's own entry. A row holds one source: the one
of the last write. Each write's own source is also in its audit event.
"""

from django.core.exceptions import ValidationError
from django.db import models

from seip.attendance.calculations import Counts
from seip.attendance.marks import DECODING, NO_MARK, year_length
from seip.organisations.models import School
from seip.students.models import Student
from seip.students.sources import Sourced


class AttendanceYear(Sourced):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="attendance_years")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    academic_year = models.PositiveSmallIntegerField(help_text="2026 for 2026/27")
    marks = models.TextField(help_text="Two characters per calendar day from 1 September")
    possible = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField("approved educational activity", default=0)
    authorised = models.PositiveIntegerField("authorised absence", default=0)
    unauthorised = models.PositiveIntegerField("unauthorised absence", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["academic_year", "school"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school", "academic_year"], name="one_attendance_row_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    possible=models.F("present")
                    + models.F("approved")
                    + models.F("authorised")
                    + models.F("unauthorised")
                ),
                name="attendance_counts_add_up",
            ),
        ]
        indexes = [models.Index(fields=["academic_year", "student"])]

    def __str__(self) -> str:
        return f"Attendance {self.academic_year}/{(self.academic_year + 1) % 100:02d}"

    @property
    def counts(self) -> Counts:
        return Counts(
            self.possible, self.present, self.approved, self.authorised, self.unauthorised
        )

    def set_counts(self, counts: Counts) -> None:
        self.possible = counts.possible
        self.present = counts.present
        self.approved = counts.approved
        self.authorised = counts.authorised
        self.unauthorised = counts.unauthorised

    def clean(self) -> None:
        super().clean()
        if len(self.marks) != year_length(self.academic_year):
            raise ValidationError({"marks": "A year of marks has two slots for every day"})
        if set(self.marks) - DECODING.keys() - {NO_MARK}:
            raise ValidationError({"marks": "The marks hold a character that is not a code"})
