from typing import Any

from django import forms

from seip.bundles.models import Decision, Exemption, Flag, FlaggedItem
from seip.core.forms import GovUKForm

ROWS = {"rows": 3}
#: What the review offers first for a safeguarding item (ADR 0028): saying "an item was
#: withheld" would tell the person asking that a concern exists, which may be the very
#: harm Schedule 3 guards against. The reviewer still decides, and may choose otherwise.
SAFEGUARDING_DEFAULT = {
    "decision": Decision.NEITHER_CONFIRM_NOR_DENY,
    "exemption": Exemption.SERIOUS_HARM,
}


def initial_for(item: FlaggedItem) -> dict[str, Any]:
    """The decision form's starting values for an undecided item."""
    if not item.decision and Flag.SAFEGUARDING in item.flags:
        return dict(SAFEGUARDING_DEFAULT)
    return {}


class DecisionForm(GovUKForm):
    reveal = {"decision": {Decision.REDACT.value: ["replacement"]}}

    decision = forms.ChoiceField(
        choices=Decision.choices,
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={"required": "Choose release, redact or withhold"},
        help_text="Withholding says in the bundle that one item was withheld and under which "
        "exemption, unless you choose to neither confirm nor deny that it exists.",
    )
    replacement = forms.CharField(
        label="Text that replaces the content",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
        help_text="For example: 'A note about a meeting with another family member.'",
    )
    exemption = forms.ChoiceField(
        choices=[("", "Choose an exemption"), *Exemption.choices],
        label="Withheld under (if withholding, with or without saying so)",
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
