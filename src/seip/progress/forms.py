from django import forms

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.progress.models import PortalRelationship

ROWS = {"rows": 3}


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
    facts_confirmed = forms.BooleanField(
        label="We checked the key facts on the record with the family and the school",
        required=False,
        help_text="Their 'last checked' date becomes the review date.",
    )


class PortalAccessForm(GovUKForm):
    email = forms.EmailField(
        label="Email address of their SEIP account",
        error_messages={"required": "Enter the email address of their account"},
    )
    relationship = forms.ChoiceField(
        choices=PortalRelationship.choices, widget=forms.RadioSelect, label="Who are they?"
    )
    parental_responsibility = forms.BooleanField(
        label="They have parental responsibility", required=False
    )
