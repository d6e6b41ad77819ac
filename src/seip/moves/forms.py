"""Forms for managed moves and Fair Access (GOV.UK patterns, ``core.forms``)."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.moves.models import MoveDecision, Panel
from seip.organisations.models import School
from seip.referrals.models import Referral


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=GovUKDateInput(),
        help_text=help_text,
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"{label} must be a real date",
        },
    )


class ProposeForm(GovUKForm):
    host_school = forms.ModelChoiceField(
        label="Host school",
        queryset=School.objects.none(),
        empty_label="Choose a school",
        error_messages={"required": "Select the host school"},
    )
    trial_starts_on = _date("Start of the trial")
    review_on = _date(
        "Review date",
        required=False,
        help_text="Leave empty for six weeks after the start. It must be within 12 weeks.",
    )
    dual_registration = forms.BooleanField(
        label="The student is dual registered during the trial", required=False, initial=True
    )

    def __init__(self, data: Any = None, *, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["host_school"].queryset = schools  # type: ignore[attr-defined]


class AgreeForm(GovUKForm):
    agreed_by_name = forms.CharField(
        label="Name of the parent or carer who agreed",
        max_length=200,
        error_messages={"required": "Enter the name of the parent or carer"},
    )
    agreed_on = _date(
        "Date the family agreed",
        help_text="The host school sees the student's record from this day.",
    )


class ReviewForm(GovUKForm):
    reviewed_on = _date("Date of the review")
    next_review_on = _date(
        "Next review date",
        required=False,
        help_text="Only if the trial goes on; within 12 weeks of its start.",
    )


class DecideForm(GovUKForm):
    decision = forms.TypedChoiceField(
        label="Decision",
        choices=MoveDecision.choices,
        coerce=MoveDecision,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the decision"},
    )
    decided_on = _date("Date of the decision")


# Fair Access ------------------------------------------------------------------------------

YEAR_GROUPS = [("", "Choose a year group"), *((str(n), f"Year {n}") for n in range(7, 12))]


class FairAccessCaseForm(GovUKForm):
    nc_year = forms.TypedChoiceField(
        label="Year group",
        choices=YEAR_GROUPS,
        coerce=int,
        error_messages={"required": "Select the child's year group"},
    )
    excluding_school = forms.ModelChoiceField(
        label="Excluding school",
        queryset=School.objects.none(),
        required=False,
        empty_label="Not a school in the partnership",
    )
    opened_on = _date("Date the case was opened")

    def __init__(self, data: Any = None, *, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["excluding_school"].queryset = schools  # type: ignore[attr-defined]


class PanelForm(GovUKForm):
    held_on = _date("Date of the panel")
    invited = forms.ModelMultipleChoiceField(
        label="Schools invited",
        queryset=School.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="A decision is enforceable only if every school in the partnership was invited.",
        error_messages={"required": "Select the schools invited to the panel"},
    )
    present = forms.ModelMultipleChoiceField(
        label="Schools present",
        queryset=School.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, data: Any = None, *, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["invited"].queryset = schools  # type: ignore[attr-defined]
        self.fields["present"].queryset = schools  # type: ignore[attr-defined]


class AllocationForm(GovUKForm):
    panel = forms.ModelChoiceField(
        label="Panel", queryset=Panel.objects.none(), empty_label="Choose a panel"
    )
    school = forms.ModelChoiceField(
        label="School allocated", queryset=School.objects.none(), empty_label="Choose a school"
    )
    reasons = forms.CharField(
        label="The panel's reasons",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Whose turn it was and what each school has admitted. Do not name, date or "
        "number the child.",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        panels: QuerySet[Panel],
        schools: QuerySet[School],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["panel"].queryset = panels  # type: ignore[attr-defined]
        self.fields["panel"].label_from_instance = lambda p: f"{p.held_on:%-d %B %Y}"  # type: ignore[attr-defined]
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


class AllocationUpdateForm(GovUKForm):
    school_told_on = _date("Date the school was told", required=False)
    admissions_told_on = _date("Date the admissions team was told", required=False)
    on_roll_on = _date("Date the child was confirmed on roll", required=False)


class LinkForm(GovUKForm):
    referral = forms.ModelChoiceField(
        label="Signed referral",
        queryset=Referral.objects.none(),
        empty_label="Choose a referral",
        help_text="Only a referral a parent has signed.",
    )

    def __init__(self, data: Any = None, *, referrals: QuerySet[Referral], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["referral"].queryset = referrals  # type: ignore[attr-defined]
        self.fields["referral"].label_from_instance = (  # type: ignore[attr-defined]
            lambda r: f"Referral {r.pk}, Year {r.nc_year}, {r.school.name}"
        )
