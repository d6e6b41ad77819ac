"""The source fields every form that records a fact ends with (P11)."""

from typing import Any, cast

from django import forms

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import PartnerOrganisation, Partnership
from seip.students.sources import SourceKind

SOURCE_FIELDS = ("source_kind", "source_organisation", "source_note", "obtained_on")


class SourceFieldsForm(GovUKForm):
    """Where a fact came from and when. The organisations offered are those that work
    with the student's partnership; the fields always come last, after the fact's own."""

    source_kind = forms.ChoiceField(
        label="Where did this information come from?",
        choices=SourceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where this information came from"},
    )
    source_organisation = forms.ModelChoiceField(
        label="School or agency it came from",
        queryset=PartnerOrganisation.objects.none(),
        required=False,
        help_text="Required when the information came from another agency.",
    )
    source_note = forms.CharField(
        label="Note on the source (optional)", required=False, max_length=200
    )
    obtained_on = forms.DateField(
        label="Date obtained",
        widget=GovUKDateInput(),
        error_messages={"required": "Enter the date the information was obtained"},
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(
            "forms.ModelChoiceField[PartnerOrganisation]", self.fields["source_organisation"]
        )
        field.queryset = PartnerOrganisation.objects.filter(partnerships=partnership).order_by(
            "name"
        )
        for name in SOURCE_FIELDS:
            self.fields[name] = self.fields.pop(name)

    def source_values(self) -> dict[str, Any]:
        """The source as keyword arguments for a service."""
        return {name: self.cleaned_data[name] for name in SOURCE_FIELDS}
