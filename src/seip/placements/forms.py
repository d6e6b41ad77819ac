from typing import Any

from django import forms
from django.utils import timezone

from seip.core.calendar import TERMS, academic_year, term_of
from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import School
from seip.placements.models import EndReason, PrimaryReason, Registration, SettingType

_NUMBER = {"class": "govuk-input--width-3", "inputmode": "numeric"}
_TEXT = {"rows": 4}


class PlanForm(GovUKForm):
    commissioning_school = forms.ModelChoiceField(
        queryset=School.objects.none(),
        label="Commissioning school",
        help_text="The school that places the pupil and makes the census return.",
    )
    primary_reason = forms.ChoiceField(
        label="Primary reason for the placement",
        choices=PrimaryReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the primary reason for the placement"},
    )
    setting_type = forms.ChoiceField(
        label="Setting type (only if the provider has no URN or UKPRN)",
        choices=[("", "None: the provider has a URN or UKPRN"), *SettingType.choices],
        required=False,
    )
    objectives = forms.CharField(label="Objectives", widget=forms.Textarea(attrs=_TEXT))
    reintegration_criteria = forms.CharField(
        label="Reintegration criteria",
        help_text="What must be true for the pupil to return to school full-time.",
        widget=forms.Textarea(attrs=_TEXT),
    )
    sessions_per_week = forms.IntegerField(
        label="Sessions per week at the provider",
        min_value=1,
        max_value=10,
        widget=forms.TextInput(attrs=_NUMBER),
    )
    planned_end = forms.DateField(label="Planned end", widget=GovUKDateInput())
    maximum_end = forms.DateField(
        label="End of the maximum period",
        help_text="The latest the placement may run before it must be reconsidered.",
        widget=GovUKDateInput(),
    )
    end_reason = forms.ChoiceField(
        label="How it ended (once the placement has ended)",
        choices=[("", "Not ended"), *EndReason.choices],
        required=False,
    )

    def __init__(self, *args: Any, schools: Any, ending: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commissioning_school"].queryset = schools  # type: ignore[attr-defined]
        if not ending:
            del self.fields["end_reason"]


class CheckForm(GovUKForm):
    reviewed_on = forms.DateField(label="Date of the review", widget=GovUKDateInput())
    sessions_attended = forms.IntegerField(
        label="Sessions attended at the provider since the last review",
        min_value=0,
        widget=forms.TextInput(attrs=_NUMBER),
    )
    sessions_possible = forms.IntegerField(
        label="Sessions possible since the last review",
        min_value=0,
        widget=forms.TextInput(attrs=_NUMBER),
    )
    progress = forms.CharField(
        label="Progress against the objectives", widget=forms.Textarea(attrs=_TEXT)
    )
    pupil_view = forms.CharField(
        label="The pupil's own view",
        help_text="In the pupil's words where you can.",
        widget=forms.Textarea(attrs=_TEXT),
    )


class TimetableForm(GovUKForm):
    start_date = forms.DateField(label="Start date", widget=GovUKDateInput())
    planned_end = forms.DateField(
        label="Planned end",
        help_text="At most 6 weeks after the start unless you give a reason.",
        widget=GovUKDateInput(),
    )
    extension_reason = forms.CharField(
        label="Reason for a timetable longer than 6 weeks (if it is)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sessions_per_week = forms.IntegerField(
        label="Sessions per week in school",
        min_value=0,
        max_value=9,
        widget=forms.TextInput(attrs=_NUMBER),
    )
    parents_agreed_on = forms.DateField(
        label="Date the parents agreed", required=False, widget=GovUKDateInput()
    )
    council_told_on = forms.DateField(
        label="Date the council was told", required=False, widget=GovUKDateInput()
    )
    ended_on = forms.DateField(
        label="Date it ended (full-time again)", required=False, widget=GovUKDateInput()
    )


class SuspensionForm(GovUKForm):
    council_told_on = forms.DateField(
        label="Date the council was told", required=False, widget=GovUKDateInput()
    )
    provision_from = forms.DateField(
        label="Education arranged from",
        help_text="Required from the sixth school day of a suspension.",
        required=False,
        widget=GovUKDateInput(),
    )
    provision = forms.CharField(label="What education was arranged", required=False, max_length=200)


class CensusForm(GovUKForm):
    school = forms.ModelChoiceField(
        queryset=School.objects.none(), label="School", empty_label="Choose a school"
    )
    year = forms.IntegerField(
        label="Academic year (its first year, for example 2026 for 2026/27)",
        min_value=2000,
        max_value=2100,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric"}),
    )
    term = forms.ChoiceField(
        label="Term", choices=[(t, t.capitalize()) for t in TERMS], widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        # Most returns are for the term in progress: it is offered first.
        today = timezone.localdate()
        kwargs.setdefault("initial", {"year": academic_year(today), "term": term_of(today)})
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        if len(schools) == 1:
            self.fields["school"].initial = schools[0]


class ProviderForm(GovUKForm):
    urn = forms.CharField(
        label="URN (optional)", required=False, max_length=8,
        help_text="For a registered school or AP academy.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )  # fmt: skip
    ukprn = forms.CharField(
        label="UKPRN (optional)", required=False, max_length=8,
        help_text="For a provider on the UK Register of Learning Providers.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )  # fmt: skip
    registration = forms.ChoiceField(
        label="Registration status", choices=Registration.choices, widget=forms.RadioSelect
    )


class VisitForm(GovUKForm):
    visited_on = forms.DateField(
        label="Date of the quality-assurance visit", widget=GovUKDateInput()
    )
    next_due_on = forms.DateField(label="Next visit due", widget=GovUKDateInput())
    satisfactory = forms.BooleanField(
        label="The visit found the provision satisfactory", required=False
    )
