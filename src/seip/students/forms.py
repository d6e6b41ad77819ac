from typing import Any, cast

from django import forms

from seip.accounts.models import Role, User
from seip.accounts.selectors import partnership_staff
from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import OrganisationType, Partnership
from seip.students.models import Destination, Outcome


class KeyWorkerForm(GovUKForm):
    key_worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Key worker",
        error_messages={"required": "Choose a key worker"},
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["key_worker"])  # type: ignore[type-arg]
        field.queryset = partnership_staff(partnership, [Role.KEY_WORKER, Role.COORDINATOR])


class CloseForm(GovUKForm):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    destination = forms.ChoiceField(choices=Destination.choices, widget=forms.RadioSelect)


class LeaveForm(GovUKForm):
    paper_files = forms.CharField(
        label="Paper files returned",
        help_text="One file per line, for example 'Referral file' or 'Key work notes folder'.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    returned_on = forms.DateField(label="Date returned", widget=GovUKDateInput())
    received_by = forms.CharField(label="Received at the school by", required=False)
    receipt_confirmed = forms.BooleanField(
        label="The school has confirmed it received the files", required=False
    )


class WithdrawForm(GovUKForm):
    categories = forms.MultipleChoiceField(
        label="Withdraw consent to share with",
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    everything = forms.BooleanField(
        label="Withdraw the whole referral. This closes the case.", required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("categories") and not data.get("everything"):
            raise forms.ValidationError(
                "Choose the categories the family withdrew, or withdraw the whole referral"
            )
        return data
