from typing import Any, cast

from django import forms
from django.db.models import Q

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import PartnerOrganisation
from seip.students.models import Student


class InvolvementForm(GovUKForm):
    organisation = forms.ModelChoiceField(
        queryset=PartnerOrganisation.objects.none(),
        label="Organisation",
        error_messages={"required": "Choose the organisation"},
    )
    purpose = forms.CharField(
        label="What they do with this student",
        max_length=300,
        help_text="For example: two days a week at the vocational centre, or CAMHS assessment.",
        error_messages={"required": "Say what the organisation does with this student"},
    )
    starts_on = forms.DateField(
        label="From", widget=GovUKDateInput, error_messages={"required": "Enter the start date"}
    )
    ends_on = forms.DateField(
        label="To (optional)", widget=GovUKDateInput, required=False,
        help_text="Leave empty if there is no end date yet.",
    )  # fmt: skip

    def __init__(self, *args: Any, student: Student, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organisation"])  # type: ignore[type-arg]
        # Only organisations registered with the student's partnership are offered (P13);
        # the service checks consent and the agreement, and says why if it refuses.
        field.queryset = (
            PartnerOrganisation.objects.filter(
                Q(partnerships=student.partnership_id)
                | Q(school__partnership=student.partnership_id)
            )
            .distinct()
            .order_by("type", "name")
        )


class EndInvolvementForm(GovUKForm):
    ends_on = forms.DateField(
        label="Last day", widget=GovUKDateInput, error_messages={"required": "Enter the last day"}
    )
