from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from seip.core.forms import GovUKForm
from seip.notices.wording import check_configuration
from seip.organisations.models import OrganisationType


class CheckboxesField(forms.MultipleChoiceField):
    """A list of GOV.UK checkboxes in a fieldset whose legend is the field's label."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.template_name = "notices/forms/checkboxes.html"


class NoticeConfigurationForm(GovUKForm):
    """What a co-ordinator or DPO may change about the partnership's notice (P24, P26).

    The placeholders are checked here, so that a preview shows the problem too; the
    service checks them again, as it does for every caller.
    """

    wording = forms.CharField(
        label="Wording of the notice",
        help_text=(
            "Leave a blank line between paragraphs. Start a line with ## and a space for a "
            "heading, or with - and a space for a bullet point. Words in braces, like "
            "{phone}, are placeholders: they are filled in when you publish."
        ),
        error_messages={"required": "Enter the wording of the notice"},
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "true"}),
    )
    lawful_basis = forms.CharField(
        label="Lawful basis",
        help_text="Why the partnership is allowed to use the information. Fills {lawful_basis}.",
        error_messages={"required": "Enter the lawful basis"},
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    retention = forms.CharField(
        label="How long information is kept",
        help_text="One bullet point for each kind of record. Fills {retention}.",
        error_messages={"required": "Enter how long information is kept"},
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    shares_with = CheckboxesField(
        label="Who may the partnership share information with, if a family agrees?",
        help_text="Families choose each of these separately on the Referral Form. Select all "
        "that apply.",
        choices=OrganisationType.choices,
        error_messages={"required": "Select at least one kind of organisation you may share with"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        names = ("wording", "lawful_basis", "retention")
        if all(name in cleaned for name in names):
            try:
                check_configuration(**{name: cleaned[name] for name in names})
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned
