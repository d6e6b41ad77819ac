from typing import Any

from django import forms

from seip.attendance.codes import CATEGORY_LABELS, CODES, Category
from seip.core.forms import GovUKDateInput, GovUKForm
from seip.students.sources import SourceKind

NO_CHANGE = ""
REMOVE = "remove"

Choices = list[tuple[str, Any]]


def session_choices() -> Choices:
    """Every code, grouped by category; the pre-2024 codes in a group of their own."""
    groups: Choices = [(NO_CHANGE, "No change"), (REMOVE, "Remove the mark")]
    for category in Category:
        codes = [(c.code, c.label) for c in CODES if c.category == category and not c.historic]
        groups.append((CATEGORY_LABELS[category], codes))
    groups.append(("Before 19 August 2024", [(c.code, c.label) for c in CODES if c.historic]))
    return groups


class MarksForm(GovUKForm):
    day = forms.DateField(
        label="Date", widget=GovUKDateInput(), error_messages={"required": "Enter the date"}
    )
    am = forms.ChoiceField(label="Morning session (AM)", choices=session_choices, required=False)
    pm = forms.ChoiceField(label="Afternoon session (PM)", choices=session_choices, required=False)
    source_kind = forms.ChoiceField(
        label="Where the marks came from",
        choices=[
            (SourceKind.SCHOOL_ENTRY, SourceKind.SCHOOL_ENTRY.label),
            (SourceKind.PARTNERSHIP, "The partnership's own record"),
        ],
        initial=SourceKind.SCHOOL_ENTRY,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("am") and not data.get("pm"):
            raise forms.ValidationError("Choose a mark for the morning or the afternoon session")
        return data

    def session_marks(self) -> tuple[str | None, str | None]:
        """The (AM, PM) pair for the service: None leaves a session, "" removes its mark."""
        return self._mark("am"), self._mark("pm")

    def _mark(self, field: str) -> str | None:
        value = str(self.cleaned_data.get(field) or "")
        if value == NO_CHANGE:
            return None
        return "" if value == REMOVE else value
