from django import forms

from seip.core.forms import GovUKForm


class RuleForm(GovUKForm):
    """A partnership's own retention period for one record type (P17)."""

    years = forms.IntegerField(
        label="Years",
        min_value=0,
        max_value=100,
        error_messages={"required": "Enter the number of years, or 0"},
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    days = forms.IntegerField(
        label="And days",
        min_value=0,
        max_value=366,
        initial=0,
        error_messages={"required": "Enter the number of days, or 0"},
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )


class HoldForm(GovUKForm):
    reason = forms.CharField(
        label="Why must the record be kept?",
        help_text="For example, a tribunal claim or an inquiry. The reason is erased with "
        "the record once the hold is lifted and the record disposed of.",
        error_messages={"required": "Enter why the record must be kept"},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
