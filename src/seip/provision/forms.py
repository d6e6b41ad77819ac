from decimal import Decimal
from typing import Any, cast

from django import forms

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import PartnerOrganisation, Partnership
from seip.provision.models import FundingStream, InterventionType, SafeguardingCheck
from seip.provision.selectors import providers_for
from seip.provision.services import PlacementDetails

_NUMBER = {"class": "govuk-input--width-5", "inputmode": "decimal"}


def _money(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.TextInput(attrs=_NUMBER),
        **kwargs,
    )


class InterventionForm(GovUKForm):
    type = forms.ChoiceField(
        label="Type of provision",
        choices=InterventionType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of provision"},
    )
    description = forms.CharField(label="Description (optional)", required=False, max_length=200)
    provider = forms.ModelChoiceField(
        queryset=PartnerOrganisation.objects.none(),
        label="Provider",
        required=False,
        empty_label="The partnership itself",
        help_text="Only key work and mentoring can be delivered by the partnership itself.",
    )
    start_date = forms.DateField(label="Start date", widget=GovUKDateInput())
    end_date = forms.DateField(
        label="End date (optional)",
        required=False,
        widget=GovUKDateInput(),
        help_text="Leave empty while it is still running.",
    )
    sessions_planned = forms.IntegerField(
        label="Sessions planned", min_value=0, widget=forms.TextInput(attrs=_NUMBER)
    )
    sessions_attended = forms.IntegerField(
        label="Sessions attended so far",
        min_value=0,
        initial=0,
        widget=forms.TextInput(attrs=_NUMBER),
    )
    unit_cost = _money(
        "Unit cost (£)", help_text="The provider's charge per session, day or other unit."
    )
    quantity = _money("Units", help_text="For example 12 sessions or 30 days.")
    staff_hours = _money(
        "Partnership staff hours", required=False, help_text="Our own staff time, if any."
    )
    staff_hourly_cost = _money("Staff hourly cost (£)", required=False)
    funding_stream = forms.ChoiceField(
        label="Paid from",
        choices=FundingStream.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the funding stream that pays"},
    )
    days_per_week = forms.DecimalField(
        label="Alternative Provision: days per week",
        required=False,
        max_digits=2,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("5"),
        widget=forms.TextInput(attrs=_NUMBER),
        help_text="From 0.5 to 5.",
    )
    site = forms.CharField(label="Alternative Provision: site", required=False, max_length=200)
    checks = forms.MultipleChoiceField(
        label="Alternative Provision: safeguarding checks done",
        choices=SafeguardingCheck.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Every check must be done before the student starts.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["provider"])  # type: ignore[type-arg]
        field.queryset = providers_for(partnership).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("type") == InterventionType.AP_PLACEMENT:
            if data.get("days_per_week") is None and "days_per_week" not in self.errors:
                self.add_error("days_per_week", "Give the days per week of the placement")
            if not data.get("site"):
                self.add_error("site", "Give the site of the placement")
        return data

    def placement(self) -> PlacementDetails | None:
        data = self.cleaned_data
        if data["type"] != InterventionType.AP_PLACEMENT:
            return None
        return PlacementDetails(
            days_per_week=data["days_per_week"],
            site=data["site"],
            checks=frozenset(data["checks"]),
        )


class EndForm(GovUKForm):
    end_date = forms.DateField(label="End date", widget=GovUKDateInput())
    sessions_attended = forms.IntegerField(
        label="Sessions attended in total",
        min_value=0,
        required=False,
        widget=forms.TextInput(attrs=_NUMBER),
    )


class ReviewForm(GovUKForm):
    reviewed_on = forms.DateField(label="Date of the review", widget=GovUKDateInput())
    attendance_percent = forms.DecimalField(
        label="Attendance at the placement (%)",
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=4,
        decimal_places=1,
        widget=forms.TextInput(attrs=_NUMBER),
    )
    from_provider = forms.BooleanField(
        label="The attendance figure comes from the provider's own register", required=False
    )
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    next_steps = forms.CharField(label="Next steps", widget=forms.Textarea(attrs={"rows": 3}))
