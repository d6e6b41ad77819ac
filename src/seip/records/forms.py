from typing import Any, cast

from django import forms
from django.utils import timezone

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import PartnerOrganisation, Partnership
from seip.records.models import (
    DETAIL_LABEL,
    SCHEME_FOR_KIND,
    ConcernCategory,
    NeedCode,
    NoteKind,
    TargetDomain,
    TargetStatus,
)
from seip.records.services import MAX_ATTACHMENT_BYTES, Source, Upload
from seip.students.forms_sources import SourceFieldsForm


class SourcedForm(SourceFieldsForm):
    """The source of a fact (P11): every profile form ends with these four fields."""

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("obtained_on", timezone.localdate())
        super().__init__(*args, partnership=partnership, **kwargs)

    def source(self) -> Source:
        data = self.cleaned_data
        return Source(
            kind=data["source_kind"],
            organisation=data["source_organisation"],
            note=data["source_note"],
            obtained_on=data["obtained_on"],
        )


class NeedForm(SourcedForm):
    code = forms.ChoiceField(
        label="Value", error_messages={"required": "Choose a value from the list"}
    )
    detail = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = NeedCode.objects.filter(scheme=SCHEME_FOR_KIND[kind])
        code_field = cast(forms.ChoiceField, self.fields["code"])
        code_field.choices = [("", "Choose a value"), *((c.code, str(c)) for c in codes)]
        if kind in DETAIL_LABEL:
            self.fields["detail"].label = DETAIL_LABEL[kind]
        else:
            del self.fields["detail"]


class CorrectNeedForm(NeedForm):
    reason = forms.CharField(
        label="Why is the value being corrected?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter why the value is being corrected"},
    )


class ContactForm(SourcedForm):
    name = forms.CharField(error_messages={"required": "Enter the contact's name"})
    relationship = forms.CharField(
        label="Relationship to the student",
        error_messages={"required": "Enter the relationship to the student"},
    )
    parental_responsibility = forms.BooleanField(
        label="Has parental responsibility", required=False
    )
    phone = forms.CharField(required=False, max_length=40)
    email = forms.EmailField(required=False)
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.IntegerField(
        label="Contact order", min_value=1, max_value=9, initial=1, help_text="1 is contacted first"
    )


class AgencyForm(SourcedForm):
    organisation = forms.ModelChoiceField(
        label="Agency",
        queryset=PartnerOrganisation.objects.none(),
        required=False,
        help_text="Leave blank and enter a name below if the agency is not listed.",
    )
    organisation_name = forms.CharField(
        label="Agency name (if not listed)", required=False, max_length=200
    )
    worker_name = forms.CharField(label="Worker's name", required=False, max_length=200)
    role = forms.CharField(label="Worker's role", required=False, max_length=100)
    since = forms.DateField(label="Involved since", required=False, widget=GovUKDateInput())
    until = forms.DateField(label="Involved until", required=False, widget=GovUKDateInput())

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, partnership=partnership, **kwargs)
        field = cast("forms.ModelChoiceField[PartnerOrganisation]", self.fields["organisation"])
        field.queryset = PartnerOrganisation.objects.filter(partnerships=partnership).exclude(
            type="school"
        )


class TargetForm(GovUKForm):
    domain = forms.ChoiceField(
        label="Area", choices=TargetDomain.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the area the target is about"},
    )  # fmt: skip
    description = forms.CharField(
        label="Target", widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Describe the target"},
    )  # fmt: skip
    measure = forms.CharField(
        label="How we will know it is met", max_length=300,
        error_messages={"required": "Enter how the target will be measured"},
    )  # fmt: skip
    due_on = forms.DateField(
        label="Due date", widget=GovUKDateInput(),
        error_messages={"required": "Enter the date the target is due"},
    )  # fmt: skip


class TargetStatusForm(GovUKForm):
    status = forms.ChoiceField(
        choices=TargetStatus.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the target's status"},
    )  # fmt: skip


class VerifyForm(GovUKForm):
    fact_ids = forms.MultipleChoiceField(
        label="Facts confirmed as still correct today",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the facts you have confirmed"},
    )

    def __init__(self, *args: Any, facts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["fact_ids"])
        field.choices = facts


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


#: All of a note's attachments together: what one request may carry (issue 15).
MAX_NOTE_UPLOAD_BYTES = 5 * MAX_ATTACHMENT_BYTES


class NoteForm(GovUKForm):
    kind = forms.ChoiceField(
        label="Type of note", choices=NoteKind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of note"},
    )  # fmt: skip
    happened_on = forms.DateField(
        label="Date", widget=GovUKDateInput(),
        error_messages={"required": "Enter the date"},
    )  # fmt: skip
    text = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the note"},
    )  # fmt: skip
    attachments = MultipleFileField(
        label="Attach files", required=False, help_text="Each file must be smaller than 10 MB."
    )

    def clean_attachments(self) -> list[Any]:
        files: list[Any] = self.cleaned_data.get("attachments") or []
        if any(f.size > MAX_ATTACHMENT_BYTES for f in files):
            raise forms.ValidationError("Each file must be smaller than 10 MB")
        if sum(f.size for f in files) > MAX_NOTE_UPLOAD_BYTES:
            raise forms.ValidationError("The files together must be smaller than 50 MB")
        return files

    def uploads(self) -> list[Upload]:
        return [
            Upload(name=f.name, content_type=f.content_type or "", content=f.read())
            for f in self.cleaned_data["attachments"]
        ]


class ConcernForm(GovUKForm):
    raised_on = forms.DateField(
        label="Date of concern", widget=GovUKDateInput(),
        error_messages={"required": "Enter the date of the concern"},
    )  # fmt: skip
    category = forms.ModelChoiceField(
        queryset=ConcernCategory.objects.all(), empty_label="Choose a category",
        error_messages={"required": "Choose the category of concern"},
    )  # fmt: skip
    details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the details of the concern"},
    )  # fmt: skip
    actions_taken = forms.CharField(
        label="Actions taken", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class BreakGlassForm(GovUKForm):
    reason = forms.CharField(
        label="Why do you need to open these records?",
        help_text="Your name, the time and this reason are recorded and can be reviewed.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you need to open these records"},
    )
