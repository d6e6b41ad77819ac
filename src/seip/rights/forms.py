from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.keys.fields import by_name
from seip.organisations.models import Partnership
from seip.rights.models import (
    NoticeMethod,
    PauseReason,
    ReceivedVia,
    RequesterKind,
    RequestType,
    Status,
)
from seip.rights.services import IdentityCheck, Requester
from seip.students.models import Student

ROWS = {"rows": 3}


def _date(label: str, required: str, hint: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=hint,
        widget=GovUKDateInput(),
        error_messages={"required": required, "invalid": "Enter a real date"},
    )


class _ByName(ModelChoiceIterator[Student]):
    """Students in name order: names are sealed, so the database cannot order them."""

    def __iter__(self) -> Iterator[tuple[ModelChoiceIteratorValue | str, str]]:
        if self.field.empty_label is not None:
            yield ("", str(self.field.empty_label))
        for student in by_name(self.queryset):
            yield self.choice(student)


class StudentChoice(forms.ModelChoiceField[Student]):
    iterator = _ByName

    def label_from_instance(self, obj: Student) -> str:
        archived = ", left" if obj.is_archived else ""
        return f"{obj.last_name}, {obj.first_name} ({obj.school.name}{archived})"


class RequestForm(GovUKForm):
    """A request received by email, letter, phone or in person, entered by staff."""

    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(), empty_label=None, label="Partnership"
    )
    type = forms.ChoiceField(
        choices=RequestType.choices, widget=forms.RadioSelect, label="What is being asked for?"
    )
    details = forms.CharField(
        label="What they asked for, in their words",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
    )
    student = StudentChoice(
        queryset=Student.objects.none(),
        required=False,
        label="The student, if on record",
        empty_label="Not on record, or not yet identified",
    )
    subject_details = forms.CharField(
        label="The child's name and date of birth, as given",
        required=False,
        max_length=300,
        help_text="Only when the child is not on record. Needed to search and to answer.",
    )
    requester_kind = forms.ChoiceField(
        choices=RequesterKind.choices, widget=forms.RadioSelect, label="Who is asking?"
    )
    requester_name = forms.CharField(label="Their name", max_length=200)
    requester_contact = forms.CharField(
        label="How to reply to them",
        max_length=300,
        help_text="An email address, postal address or phone number.",
    )
    received_via = forms.ChoiceField(
        choices=[c for c in ReceivedVia.choices if c[0] != ReceivedVia.PORTAL],
        widget=forms.RadioSelect,
        label="How did it arrive?",
    )
    received_on = _date("Date received", "Enter the date the request arrived")
    identity_checked_on = forms.DateField(
        label="Identity checked on",
        required=False,
        widget=GovUKDateInput(),
        help_text="Leave empty if identity still has to be checked.",
    )
    identity_check_method = forms.CharField(
        label="How identity was checked", required=False, max_length=300
    )
    parental_responsibility_how = forms.CharField(
        label="How parental responsibility was checked",
        required=False,
        max_length=300,
        help_text="For a parent or carer. Leave empty if not yet checked.",
    )

    def __init__(
        self,
        *args: Any,
        partnerships: QuerySet[Partnership],
        students: QuerySet[Student],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        partnership_field: forms.ModelChoiceField = self.fields["partnership"]  # type: ignore[type-arg,assignment]
        partnership_field.queryset = partnerships
        if partnerships.count() == 1:
            partnership_field.widget = forms.HiddenInput()
            self.initial.setdefault("partnership", partnerships.get().pk)
        student_field: StudentChoice = self.fields["student"]  # type: ignore[assignment]
        student_field.queryset = students.select_related("school")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("identity_check_method") and not data.get("identity_checked_on"):
            self.add_error("identity_checked_on", "Enter the date identity was checked")
        if data.get("identity_checked_on") and not data.get("identity_check_method"):
            self.add_error("identity_check_method", "Say how identity was checked")
        return data

    def request_fields(self) -> dict[str, Any]:
        """The cleaned data in the shape ``rights_request_create`` takes."""
        data = self.cleaned_data
        identity = None
        if data["identity_checked_on"]:
            identity = IdentityCheck(data["identity_checked_on"], data["identity_check_method"])
        return {
            "partnership": data["partnership"],
            "student": data["student"],
            "subject_details": data["subject_details"],
            "type": RequestType(data["type"]),
            "details": data["details"],
            "requester": Requester(
                RequesterKind(data["requester_kind"]),
                data["requester_name"],
                data["requester_contact"],
            ),
            "received_via": ReceivedVia(data["received_via"]),
            "received_on": data["received_on"],
            "identity": identity,
            "parental_responsibility_how": data["parental_responsibility_how"],
        }


class IdentityForm(GovUKForm):
    checked_on = _date("Date identity was checked", "Enter the date of the check")
    method = forms.CharField(
        label="How it was checked",
        max_length=300,
        help_text="For example: passport seen in person, or known to the co-ordinator.",
        error_messages={"required": "Say how identity was checked"},
    )


class ChecksForm(GovUKForm):
    parental_responsibility_how = forms.CharField(
        label="How parental responsibility was checked",
        required=False,
        max_length=300,
        help_text="Leave empty if it has not been checked, or the requester is not a parent.",
    )
    child_view_sought = forms.BooleanField(
        label="We asked the child for their view", required=False
    )
    child_view = forms.CharField(
        label="The child's view", required=False, widget=forms.Textarea(attrs=ROWS)
    )


class PauseForm(GovUKForm):
    reason = forms.ChoiceField(
        choices=PauseReason.choices, widget=forms.RadioSelect, label="What are you waiting for?"
    )
    asked_on = _date("Date you asked the requester", "Enter the date you asked")
    note = forms.CharField(
        label="What you asked for",
        required=False,
        max_length=300,
        help_text="No personal details: for example 'which years of records'.",
    )


class ResumeForm(GovUKForm):
    received_on = _date("Date the answer arrived", "Enter the date it arrived")


class ExtendForm(GovUKForm):
    months = forms.TypedChoiceField(
        choices=[(1, "One further month"), (2, "Two further months")],
        coerce=int,
        widget=forms.RadioSelect,
        label="Extend by",
    )
    reason = forms.CharField(
        label="Why the request needs longer",
        widget=forms.Textarea(attrs=ROWS),
        help_text="The reasons you gave the requester: complexity, or several requests.",
        error_messages={"required": "Give the reasons the requester was told"},
    )
    notified_on = _date(
        "Date the requester was told",
        "Enter the date the requester was told",
        "This must be within the first month.",
    )


CLOSINGS = [
    (Status.COMPLETED, "Completed: the request was answered"),
    (Status.REFUSED, "Refused"),
    (Status.WITHDRAWN, "Withdrawn by the requester"),
]


class CloseForm(GovUKForm):
    outcome = forms.ChoiceField(choices=CLOSINGS, widget=forms.RadioSelect, label="Outcome")
    closed_on = _date("Date", "Enter the date")
    notes = forms.CharField(
        label="What was done, or the reason for refusing",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
    )


PORTAL_TYPES = [
    (RequestType.ACCESS, "A copy of the information the partnership holds"),
    (RequestType.RECTIFICATION, "Correct information that is wrong"),
    (RequestType.OBJECTION, "Object to how the information is used"),
    (RequestType.ERASURE, "Delete the information"),
    (RequestType.PORTABILITY, "A copy to move to another organisation"),
]


class PortalRequestForm(GovUKForm):
    student = forms.ModelChoiceField(
        queryset=Student.objects.none(), empty_label=None, label="Which child is it about?"
    )
    type = forms.ChoiceField(
        choices=PORTAL_TYPES, widget=forms.RadioSelect, label="What would you like?"
    )
    details = forms.CharField(
        label="Tell us more (optional)",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
        help_text="For a correction, say what is wrong and what it should say.",
    )

    def __init__(self, *args: Any, students: QuerySet[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["student"]  # type: ignore[type-arg,assignment]
        field.queryset = students
        if students.count() == 1:
            field.widget = forms.HiddenInput()
            self.initial.setdefault("student", students.get().pk)


# --- rectification, objection and erasure (P19, P20, P22) --------------------------------

FIELD_CHOICES = [
    ("", "Not a listed fact"),
    ("code", "Need: the type or value"),
    ("detail", "Need: the detail"),
    ("occurred_on", "Incident: date"),
    ("category", "Incident: category"),
    ("severity", "Incident: severity"),
    ("description", "Incident: description"),
    ("kind", "Exclusion: type"),
    ("start_date", "Exclusion: start date"),
    ("sessions", "Exclusion: sessions"),
    ("rated_on", "Rating: date"),
    ("engagement", "Rating: engagement"),
    ("relationships", "Rating: relationships"),
    ("self_regulation", "Rating: self-regulation"),
    ("attitude_to_learning", "Rating: attitude to learning"),
    ("subject", "Result: subject"),
    ("grade", "Result: grade"),
    ("assessed_on", "Result: date"),
]


class ProposeCorrectionForm(GovUKForm):
    fact = forms.ChoiceField(label="Which fact is wrong?", required=False)
    field = forms.ChoiceField(label="Which part of it?", choices=FIELD_CHOICES, required=False)
    description = forms.CharField(
        label="What is wrong, if it is not a listed fact",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
    )
    proposed_value = forms.CharField(
        label="What it should say",
        help_text="For a need's type, the code (for example SEMH); for a date, YYYY-MM-DD.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label="Why the requester says it is wrong",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
    )

    def __init__(self, *args: Any, facts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ChoiceField = self.fields["fact"]  # type: ignore[assignment]
        field.choices = [("", "Not a listed fact: describe it"), *facts]

    def fact_reference(self) -> tuple[str, str, int, str] | None:
        fact, field = self.cleaned_data["fact"], self.cleaned_data["field"]
        if not fact:
            return None
        label, _, pk = fact.partition(":")
        app, _, model = label.partition(".")
        return (app, model, int(pk), field)


class DecideCorrectionForm(GovUKForm):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve and apply"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs=ROWS))


class NoticeForm(GovUKForm):
    organisation = forms.IntegerField(widget=forms.HiddenInput())
    method = forms.ChoiceField(choices=NoticeMethod.choices, label="How were they told?")
    note = forms.CharField(label="Note", required=False, max_length=300)


class ObjectionForm(GovUKForm):
    outcome = forms.ChoiceField(
        choices=[
            ("compelling", "Compelling legitimate grounds: lift the restriction"),
            ("upheld", "Upheld: processing stops, and erasure becomes available"),
        ],
        widget=forms.RadioSelect,
        label="The balancing decision",
    )
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs=ROWS))


class EraseForm(GovUKForm):
    decision = forms.ChoiceField(
        choices=[("erase", "Erase the record"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    ground = forms.ChoiceField(label="Ground for erasure", required=False)
    reason = forms.CharField(
        label="Reason for refusing",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
        help_text="For example: the record is held under public task and no ground applies.",
    )

    def __init__(self, *args: Any, grounds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ChoiceField = self.fields["ground"]  # type: ignore[assignment]
        field.choices = grounds


class LinkStudentForm(GovUKForm):
    """The student a request or a concern turned out to be about (ADR 0035)."""

    student = StudentChoice(
        queryset=Student.objects.none(),
        label="The student on record",
        error_messages={"required": "Choose the student"},
    )

    def __init__(self, *args: Any, students: QuerySet[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students.select_related("school")  # type: ignore[attr-defined]
