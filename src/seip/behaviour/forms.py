"""GOV.UK forms for recording behaviour, attitude and attainment.

Each form ends with where the information came from (P11); the services do the checking,
so a form only shapes the input.
"""

from typing import Any, cast

from django import forms

from seip.behaviour.codes import REASON_CHOICES
from seip.behaviour.models import (
    ATTITUDE_AREAS,
    ATTITUDE_CHOICES,
    GRADE_CHOICES,
    ExclusionKind,
    GradeScale,
    IncidentCategory,
    Severity,
    Subject,
)
from seip.core.forms import GovUKDateInput
from seip.organisations.models import School
from seip.students.forms_sources import SourceFieldsForm
from seip.students.models import Student
from seip.students.sources import SourceKind

_OPTIONAL_REASONS = [("", "No further reason"), *REASON_CHOICES]


class SourcedForm(SourceFieldsForm):
    """The source fields every fact carries, placed after the fact's own fields.

    Here the date obtained may be left blank for today.
    """

    obtained_on = forms.DateField(
        label="Date obtained",
        widget=GovUKDateInput(),
        required=False,
        help_text="Leave blank for today.",
    )
    default_source = SourceKind.SCHOOL_ENTRY

    def __init__(self, *args: Any, student: Student, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"source_kind": self.default_source})
        super().__init__(*args, partnership=student.partnership, **kwargs)

    def source(self) -> dict[str, Any]:
        return self.source_values()


class IncidentForm(SourcedForm):
    occurred_on = forms.DateField(
        label="Date of the incident",
        widget=GovUKDateInput(),
        error_messages={"required": "Enter the date of the incident"},
    )
    category = forms.ChoiceField(
        choices=IncidentCategory.choices,
        error_messages={"required": "Choose the type of incident"},
    )
    severity = forms.TypedChoiceField(
        choices=Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how serious the incident was"},
    )
    description = forms.CharField(
        label="Short description",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe the incident in a sentence"},
    )
    field_order = ["occurred_on", "category", "severity", "description"]


class ExclusionForm(SourcedForm):
    kind = forms.ChoiceField(
        label="Type",
        choices=ExclusionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose suspension or permanent exclusion"},
    )
    school = forms.ModelChoiceField(
        label="Excluding school",
        queryset=School.objects.none(),
        error_messages={"required": "Choose the excluding school"},
    )
    start_date = forms.DateField(
        widget=GovUKDateInput(), error_messages={"required": "Enter the start date"}
    )
    sessions = forms.IntegerField(
        label="Number of sessions",
        required=False,
        min_value=0,
        help_text="For a suspension only. Two sessions make a school day.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    reason_1 = forms.ChoiceField(
        label="Main reason",
        choices=[("", "Choose a reason"), *REASON_CHOICES],
        error_messages={"required": "Choose the main reason"},
    )
    reason_2 = forms.ChoiceField(label="Second reason", choices=_OPTIONAL_REASONS, required=False)
    reason_3 = forms.ChoiceField(label="Third reason", choices=_OPTIONAL_REASONS, required=False)
    field_order = ["kind", "school", "start_date", "sessions", "reason_1", "reason_2", "reason_3"]

    def __init__(self, *args: Any, student: Student, **kwargs: Any) -> None:
        super().__init__(*args, student=student, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["school"])  # type: ignore[type-arg]
        field.queryset = School.objects.filter(partnership=student.partnership).order_by("name")
        field.initial = student.school


def _score_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=ATTITUDE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose a score for {label.lower()}"},
    )


class AttitudeForm(SourcedForm):
    default_source = SourceKind.PARTNERSHIP

    rated_on = forms.DateField(
        label="Date rated", widget=GovUKDateInput(), error_messages={"required": "Enter the date"}
    )
    engagement = _score_field(ATTITUDE_AREAS["engagement"])
    relationships = _score_field(ATTITUDE_AREAS["relationships"])
    self_regulation = _score_field(ATTITUDE_AREAS["self_regulation"])
    attitude_to_learning = _score_field(ATTITUDE_AREAS["attitude_to_learning"])
    field_order = ["rated_on", *ATTITUDE_AREAS]


class ResultForm(SourcedForm):
    subject = forms.ChoiceField(
        choices=Subject.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the subject"},
    )
    subject_other = forms.CharField(label="Other subject name", required=False)
    assessed_on = forms.DateField(
        label="Date of the assessment point",
        widget=GovUKDateInput(),
        error_messages={"required": "Enter the date of the assessment point"},
    )
    assessment_label = forms.CharField(
        label="Assessment point",
        max_length=60,
        help_text="For example 'Autumn 2 2026/27'.",
        error_messages={"required": "Name the assessment point"},
    )
    scale = forms.ChoiceField(
        label="Grade scale",
        choices=GradeScale.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the grade scale"},
    )
    grade = forms.ChoiceField(
        choices=[("", "Choose a grade"), *GRADE_CHOICES],
        error_messages={"required": "Choose the grade"},
    )
    target_grade = forms.ChoiceField(
        label="Target grade", choices=[("", "No target"), *GRADE_CHOICES], required=False
    )
    field_order = [
        "subject",
        "subject_other",
        "assessed_on",
        "assessment_label",
        "scale",
        "grade",
        "target_grade",
    ]
