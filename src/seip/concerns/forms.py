from typing import Any

from django import forms
from django.db.models import QuerySet

from seip.concerns.models import MAX_TEXT
from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import Partnership

WHAT_HAPPENED_HINT = (
    "Tell us what happened and when. Do not include more about a child than we need to "
    "understand your concern: no dates of birth, health details or pupil numbers."
)


def _what_happened() -> forms.CharField:
    return forms.CharField(
        label="What happened?",
        max_length=MAX_TEXT,
        help_text=WHAT_HAPPENED_HINT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Tell us what happened"},
    )


class PublicConcernForm(GovUKForm):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.order_by("name"),
        label="Which partnership is it about?",
        empty_label="Choose a partnership",
        error_messages={"required": "Choose the partnership"},
    )
    name = forms.CharField(
        label="Your name", max_length=200, error_messages={"required": "Enter your name"}
    )
    contact = forms.CharField(
        label="How can we reply to you?",
        max_length=300,
        help_text="An email address, phone number or postal address.",
        error_messages={"required": "Enter how we can reply to you"},
    )
    what_happened = _what_happened()


class PortalConcernForm(GovUKForm):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(), empty_label=None, label="Partnership"
    )
    what_happened = _what_happened()
    contact = forms.CharField(
        label="How can we reply to you? (optional)",
        max_length=300,
        required=False,
        help_text="Leave empty to be answered at your account's email address.",
    )

    def __init__(self, *args: Any, partnerships: QuerySet[Partnership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["partnership"]  # type: ignore[type-arg,assignment]
        field.queryset = partnerships
        if partnerships.count() == 1:
            field.widget = forms.HiddenInput()
            self.initial.setdefault("partnership", partnerships.get().pk)


class AcknowledgeForm(GovUKForm):
    acknowledged_on = forms.DateField(
        label="Date acknowledged",
        widget=GovUKDateInput(),
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )


class RespondForm(GovUKForm):
    response = forms.CharField(
        label="The response", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 8})
    )
    responded_on = forms.DateField(
        label="Date of the response",
        widget=GovUKDateInput(),
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )
