from typing import Any

from django import forms

from seip.bundles.models import Decision, Exemption
from seip.core.forms import GovUKForm

ROWS = {"rows": 3}


class DecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        choices=Decision.choices,
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={"required": "Choose release, redact or withhold"},
    )
    replacement = forms.CharField(
        label="Text that replaces the content (if redacting)",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
        help_text="For example: 'A note about a meeting with another family member.'",
    )
    exemption = forms.ChoiceField(
        choices=[("", "Choose an exemption"), *Exemption.choices],
        label="Withheld under (if withholding)",
        required=False,
    )
    reason = forms.CharField(
        label="Reason for the decision",
        widget=forms.Textarea(attrs=ROWS),
        error_messages={"required": "Give the reason for the decision"},
    )

    def decision_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "decision": Decision(data["decision"]),
            "replacement": data["replacement"],
            "exemption": Exemption(data["exemption"]) if data["exemption"] else None,
            "reason": data["reason"],
        }
