from collections.abc import Iterable
from typing import Any, cast

from django import forms

from seip.accounts.models import Role, User
from seip.accounts.selectors import partnership_staff
from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import OrganisationType, Partnership, School
from seip.referrals.models import Tier
from seip.students.lists import ListQuery, ListStatus
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


def _ids(values: list[str]) -> frozenset[int]:
    return frozenset(int(value) for value in values)


class StudentFilterForm(GovUKForm):
    """The student list's search and filters (a GET form). Its choices are drawn from the
    reader's own scope, so it offers no school or key worker they cannot see (P08)."""

    q = forms.CharField(
        label="Name or UPN",
        required=False,
        max_length=100,
        strip=True,
        error_messages={"max_length": "Enter a name or UPN of 100 characters or fewer"},
        widget=forms.TextInput(
            attrs={"type": "search", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    status = forms.MultipleChoiceField(
        label="Case status",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose case statuses from the list"},
    )
    review = forms.MultipleChoiceField(
        label="Review due",
        required=False,
        choices=[("overdue", "Overdue"), ("soon", "Due within 2 weeks")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose when the review is due from the list"},
    )
    tier = forms.MultipleChoiceField(
        label="Tier",
        required=False,
        choices=[(str(tier.value), tier.label) for tier in Tier],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose tiers from the list"},
    )
    key_worker = forms.ChoiceField(
        label="Key worker",
        required=False,
        error_messages={"invalid_choice": "Choose a key worker from the list"},
    )
    school = forms.MultipleChoiceField(
        label="School",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose schools from the list"},
    )

    def __init__(
        self,
        *args: Any,
        schools: Iterable[School],
        key_workers: Iterable[User],
        archive: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        statuses = [ListStatus.OPEN, ListStatus.CLOSED] + ([ListStatus.ARCHIVED] * archive)
        self._choices("status", [(s.value, s.label) for s in statuses])
        self._choices("school", [(str(s.pk), s.name) for s in schools])
        self._choices(
            "key_worker",
            [("", "Any key worker"), ("0", "No key worker yet")]
            + [(str(u.pk), u.full_name) for u in key_workers],
        )

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = cast(forms.ChoiceField, self.fields[name])
        field.choices = choices

    def list_query(self, *, sort: str, descending: bool) -> ListQuery:
        """The valid filters as a query for ``lists.student_rows``; none if invalid."""
        if not self.is_valid():
            return ListQuery(sort=sort, descending=descending)
        data = self.cleaned_data
        return ListQuery(
            text=data["q"],
            schools=_ids(data["school"]),
            key_workers=_ids([data["key_worker"]] if data["key_worker"] else []),
            statuses=frozenset(data["status"]),
            tiers=_ids(data["tier"]),
            reviews=frozenset(data["review"]),
            sort=sort,
            descending=descending,
        )

    @property
    def is_filtered(self) -> bool:
        """Whether any filter (other than the search) narrows the list."""
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("status", "review", "tier", "key_worker", "school"))
