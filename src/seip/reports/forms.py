"""The report request form and the table builder form."""

from typing import Any

from django import forms
from django.utils import timezone

from seip.core.calendar import academic_year
from seip.core.forms import GovUKForm
from seip.reports.measures import MEASURES, OWN_BREAKDOWNS, STUDENT_BREAKDOWNS
from seip.reports.population import Period

#: Periods a report can cover: the whole year, one term, or the year to date.
PERIODS: dict[str, tuple[str, ...]] = {
    "year": ("autumn", "spring", "summer"),
    "autumn": ("autumn",),
    "spring": ("spring",),
    "summer": ("summer",),
    "autumn-spring": ("autumn", "spring"),
}
PERIOD_CHOICES = [
    ("year", "The whole school year"),
    ("autumn", "Autumn term"),
    ("spring", "Spring term"),
    ("summer", "Summer term"),
    ("autumn-spring", "Year to date: autumn and spring terms"),
]


def year_choices() -> list[tuple[str, str]]:
    latest = academic_year(timezone.localdate())
    return [(str(y), Period(y).label) for y in range(latest, latest - 5, -1)]


class ReportForm(GovUKForm):
    scope = forms.ChoiceField(label="Report on", widget=forms.RadioSelect)
    year = forms.ChoiceField(label="School year")
    terms = forms.ChoiceField(label="Period", choices=PERIOD_CHOICES, initial="year")

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes  # type: ignore[attr-defined]
        if scopes:
            self.fields["scope"].initial = scopes[0][0]
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]

    def period(self) -> Period:
        return Period(int(self.cleaned_data["year"]), PERIODS[self.cleaned_data["terms"]])


BREAKDOWN_CHOICES = [
    ("place", "School (or partnership, for the county)"),
    *[(b.name, b.label) for b in STUDENT_BREAKDOWNS.values()],
    *[(b.name, b.label) for b in OWN_BREAKDOWNS.values()],
]


class TableForm(ReportForm):
    measure = forms.ChoiceField(
        label="Measure", choices=[(m.name, m.label) for m in MEASURES.values()]
    )
    rows = forms.ChoiceField(label="Break down by", choices=BREAKDOWN_CHOICES)
    columns = forms.ChoiceField(
        label="And by (optional)",
        choices=[("", "Nothing else"), *BREAKDOWN_CHOICES],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        measure = MEASURES.get(data.get("measure", ""))
        if measure is None:
            return data
        allowed = {"place", *STUDENT_BREAKDOWNS, *measure.own}
        for field in ("rows", "columns"):
            name = data.get(field)
            if name and name not in allowed:
                self.add_error(field, f"{measure.label} cannot be broken down by that")
        if data.get("rows") and data.get("rows") == data.get("columns"):
            self.add_error("columns", "Choose a different second breakdown, or nothing else")
        return data
