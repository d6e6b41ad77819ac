from typing import Any

from django import forms

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.progress.models import PortalRelationship
from seip.progress.services import AttitudeScores

ROWS = {"rows": 3}


RATINGS = [("", "Not rated at this review"), *((str(n), str(n)) for n in range(1, 6))]
AREAS = ["engagement", "relationships", "self_regulation", "attitude_to_learning"]


def _rating(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=f"{label} (1 serious concern to 5 strong)",
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
    )


class ReviewForm(GovUKForm):
    held_on = forms.DateField(
        label="Date of the review",
        widget=GovUKDateInput(),
        error_messages={"required": "Enter the date of the review"},
    )
    attendance_progress = forms.CharField(
        label="Progress in attendance",
        widget=forms.Textarea(attrs=ROWS),
        error_messages={"required": "Describe progress in attendance"},
    )
    behaviour_progress = forms.CharField(
        label="Progress in attitude and behaviour",
        widget=forms.Textarea(attrs=ROWS),
        error_messages={"required": "Describe progress in attitude and behaviour"},
    )
    attainment_progress = forms.CharField(
        label="Progress in school subjects",
        widget=forms.Textarea(attrs=ROWS),
        error_messages={"required": "Describe progress in school subjects"},
    )
    student_view = forms.CharField(
        label="What the student said", required=False, widget=forms.Textarea(attrs=ROWS)
    )
    parent_view = forms.CharField(
        label="What the parent or carer said", required=False, widget=forms.Textarea(attrs=ROWS)
    )
    next_steps = forms.CharField(
        label="Next steps",
        widget=forms.Textarea(attrs=ROWS),
        error_messages={"required": "Enter the next steps"},
    )
    engagement = _rating("Engagement")
    relationships = _rating("Relationships")
    self_regulation = _rating("Self-regulation")
    attitude_to_learning = _rating("Attitude to learning")
    facts_confirmed = forms.BooleanField(
        label="We checked the key facts on the record with the family and the school",
        required=False,
        help_text="Every current fact on the profile is marked as checked today. Correct any "
        "wrong fact on the profile page.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [area for area in AREAS if data.get(area) is not None]
        if given and len(given) != len(AREAS):
            for area in AREAS:
                if data.get(area) is None:
                    self.add_error(area, "Rate all four areas, or none")
        return data

    def review_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in AREAS}
        if all(self.cleaned_data.get(area) is not None for area in AREAS):
            data["attitude"] = AttitudeScores(**{a: self.cleaned_data[a] for a in AREAS})
        return data


class PortalAccessForm(GovUKForm):
    email = forms.EmailField(
        label="Email address of their SEIP account",
        help_text=(
            "For a parent or carer, the email address on the student's contact list. "
            "They need parental responsibility."
        ),
        error_messages={"required": "Enter the email address of their account"},
    )
    relationship = forms.ChoiceField(
        choices=PortalRelationship.choices, widget=forms.RadioSelect, label="Who are they?"
    )
    parental_responsibility = forms.BooleanField(
        label="They have parental responsibility", required=False
    )


class FamilyInviteForm(GovUKForm):
    """Who to invite: a contact with parental responsibility (their email comes from the
    contact list, never typed here), or the student themself."""

    who = forms.ChoiceField(
        label="Who are you inviting?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who to invite",
            "invalid_choice": "Choose who to invite from the list",
        },
    )
    student_email = forms.EmailField(
        label="The student's email address (only if you are inviting the student)",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        who = self.fields["who"]
        if isinstance(who, forms.ChoiceField):
            who.choices = choices
