from typing import Any

from django import forms

from seip.core.forms import GovUKForm
from seip.notifications.models import Kind, Preferences


class PreferencesForm(GovUKForm):
    kinds = forms.MultipleChoiceField(
        label="Send me an email",
        help_text="Select all that apply. Emails say how many and where to look, never who.",
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, shown: list[Kind], preferences: Preferences, **kwargs: Any):
        kwargs.setdefault("initial", {"kinds": [k.value for k in shown if preferences.wants(k)]})
        super().__init__(*args, **kwargs)
        field = self.fields["kinds"]
        if isinstance(field, forms.MultipleChoiceField):
            field.choices = [(kind.value, kind.label) for kind in shown]
