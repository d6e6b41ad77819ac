"""The form for recording a pre-referral consultation (P25)."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from seip.accounts.models import User
from seip.consultations.models import Concern, Forum, YearGroup
from seip.consultations.validators import no_identifiers
from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import School


def _year_group(value: str) -> YearGroup:
    return YearGroup(int(value))


class ConsultationForm(GovUKForm):
    school = forms.ModelChoiceField(
        queryset=School.objects.none(),
        empty_label="Choose a school",
        error_messages={
            "required": "Select the school that asked for the consultation",
            "invalid_choice": "Select one of the schools you record consultations for",
        },
    )
    forum = forms.TypedChoiceField(
        label="Where it was discussed",
        choices=[("", "Choose a forum"), *Forum.choices],
        coerce=Forum,
        error_messages={"required": "Select where the consultation was held"},
    )
    held_on = forms.DateField(
        label="Date held",
        widget=GovUKDateInput(),
        error_messages={
            "required": "Enter the date the consultation was held",
            "invalid": "Date held must be a real date",
        },
    )
    year_group = forms.TypedChoiceField(
        label="Year group",
        choices=[("", "Choose a year group"), *YearGroup.choices],
        coerce=_year_group,
        error_messages={"required": "Select the child's year group"},
    )
    concern = forms.TypedChoiceField(
        label="Main concern",
        choices=[("", "Choose a category"), *Concern.choices],
        coerce=Concern,
        help_text="A safeguarding worry is recorded here as advice only. If a child may be at "
        "risk, follow your safeguarding procedure now.",
        error_messages={"required": "Select the main concern"},
    )
    advice = forms.CharField(
        label="Advice given",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What was discussed and what was advised. Do not include the child's name, "
        "date of birth, UPN or any full date: nothing that identifies a child can be "
        "recorded before the referral form is signed.",
        error_messages={"required": "Enter the advice given"},
    )
    staff = forms.ModelMultipleChoiceField(
        label="Partnership staff involved",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Choose staff from the school's partnership"},
    )

    def __init__(
        self,
        data: Any = None,
        *,
        schools: QuerySet[School],
        staff: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        school = cast("forms.ModelChoiceField[School]", self.fields["school"])
        school.queryset = schools
        if len(schools) == 1:
            school.initial = schools[0]
        cast("forms.ModelMultipleChoiceField[User]", self.fields["staff"]).queryset = staff

    def clean_advice(self) -> str:
        # Browsers send line breaks as CRLF; count each as one character, as it looks.
        advice = str(self.cleaned_data["advice"]).replace("\r\n", "\n")
        # The service refuses it too; checking here shows it beside any other problem.
        no_identifiers(advice)
        return advice
