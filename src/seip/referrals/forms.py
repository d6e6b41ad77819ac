from typing import Any, cast

from django import forms

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.notices.models import NoticeVersion
from seip.organisations.models import OrganisationType, Partnership
from seip.referrals.models import Referral, Sex, Tier
from seip.referrals.services import CarerDetails, PupilDetails, SignedForm

NC_YEARS = [(year, f"Year {year}") for year in range(7, 14)]


class ReferralForm(GovUKForm):
    upn = forms.CharField(
        label="UPN",
        help_text="The pupil's 13-character Unique Pupil Number, from your MIS",
        error_messages={"required": "Enter the pupil's UPN"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    first_name = forms.CharField(error_messages={"required": "Enter the pupil's first name"})
    last_name = forms.CharField(error_messages={"required": "Enter the pupil's last name"})
    date_of_birth = forms.DateField(
        widget=GovUKDateInput(), error_messages={"required": "Enter the pupil's date of birth"}
    )
    sex = forms.ChoiceField(choices=Sex.choices, widget=forms.RadioSelect)
    nc_year = forms.TypedChoiceField(
        label="Year group",
        choices=[("", "Select the year group"), *NC_YEARS],
        coerce=int,
        error_messages={"required": "Select the pupil's year group"},
    )
    reasons = forms.CharField(
        label="Reasons for referral and concerns",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reasons for the referral"},
    )
    support_tried = forms.CharField(
        label="Support already tried",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the support the school has already tried"},
    )
    attendance_summary = forms.CharField(
        label="Attendance summary", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    behaviour_summary = forms.CharField(
        label="Behaviour summary", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    requested_tier = forms.TypedChoiceField(
        label="Tier of support requested",
        choices=Tier.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    carer_1_name = forms.CharField(
        label="Parent or carer's name", error_messages={"required": "Enter a parent or carer"}
    )
    carer_1_relationship = forms.CharField(label="Relationship to the pupil")
    carer_1_parental_responsibility = forms.BooleanField(
        label="Has parental responsibility", required=False
    )
    carer_1_phone = forms.CharField(label="Phone", required=False)
    carer_1_email = forms.EmailField(label="Email", required=False)
    carer_2_name = forms.CharField(label="Second parent or carer's name (optional)", required=False)
    carer_2_relationship = forms.CharField(
        label="Second parent or carer's relationship to the pupil", required=False
    )
    carer_2_parental_responsibility = forms.BooleanField(
        label="Second parent or carer has parental responsibility", required=False
    )

    @classmethod
    def initial_from(cls, referral: Referral) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(referral, name)
            for name in (
                "upn", "first_name", "last_name", "date_of_birth", "sex", "nc_year", "reasons",
                "support_tried", "attendance_summary", "behaviour_summary", "requested_tier",
            )
        }  # fmt: skip
        for i, carer in enumerate(referral.carers.all()[:2], start=1):
            initial[f"carer_{i}_name"] = carer.name
            initial[f"carer_{i}_relationship"] = carer.relationship
            initial[f"carer_{i}_parental_responsibility"] = carer.parental_responsibility
            if i == 1:
                initial["carer_1_phone"] = carer.phone
                initial["carer_1_email"] = carer.email
        return initial

    def pupil(self) -> PupilDetails:
        data = self.cleaned_data
        return PupilDetails(
            upn=data["upn"],
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            nc_year=data["nc_year"],
            reasons=data["reasons"],
            support_tried=data["support_tried"],
            attendance_summary=data["attendance_summary"],
            behaviour_summary=data["behaviour_summary"],
            requested_tier=Tier(data["requested_tier"]),
        )

    def carers(self) -> list[CarerDetails]:
        data = self.cleaned_data
        carers = [
            CarerDetails(
                name=data["carer_1_name"],
                relationship=data["carer_1_relationship"],
                parental_responsibility=data["carer_1_parental_responsibility"],
                phone=data["carer_1_phone"],
                email=data["carer_1_email"],
            )
        ]
        if data["carer_2_name"].strip():
            carers.append(
                CarerDetails(
                    name=data["carer_2_name"],
                    relationship=data["carer_2_relationship"] or "Carer",
                    parental_responsibility=data["carer_2_parental_responsibility"],
                )
            )
        return carers


class NoticeVersionField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: NoticeVersion) -> str:
        return f"Version {obj.number}, {obj.published_at:%-d %B %Y}"


class SignatureForm(GovUKForm):
    """The information-sharing section of the paper referral form, as signed."""

    signed_by_name = forms.CharField(
        label="Name of the person who signed",
        required=False,
    )
    relationship = forms.CharField(label="Their relationship to the young person", required=False)
    has_parental_responsibility = forms.BooleanField(
        label="They have parental responsibility", required=False
    )
    signed_on = forms.DateField(
        label="Date signed",
        widget=GovUKDateInput(),
        error_messages={"required": "Enter the date the form was signed"},
    )
    notice_version = NoticeVersionField(
        label="Privacy notice version the family was given",
        queryset=NoticeVersion.objects.none(),
        empty_label=None,
        error_messages={"required": "Choose the privacy notice version"},
    )
    categories = forms.MultipleChoiceField(
        label="The family agreed to share information with",
        help_text="Tick each category the parent or carer agreed to on the form. Leave a "
        "category unticked if they did not agree.",
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    form_file = forms.FileField(
        label="Scan of the signed form (PDF, JPEG or PNG, up to 10 MB)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(NoticeVersionField, self.fields["notice_version"])
        field.queryset = NoticeVersion.objects.filter(partnership=partnership).order_by("-number")

    def signature(self) -> dict[str, Any]:
        data = self.cleaned_data
        upload = data.get("form_file")
        form = (
            SignedForm(content=upload.read(), content_type=upload.content_type or "")
            if upload
            else None
        )
        return {
            "signed_by_name": data["signed_by_name"],
            "relationship": data["relationship"],
            "has_parental_responsibility": data["has_parental_responsibility"],
            "signed_on": data["signed_on"],
            "notice_version": data["notice_version"],
            "categories": set(data["categories"]),
            "form": form,
        }


class AcceptForm(GovUKForm):
    tier = forms.TypedChoiceField(
        label="Tier of support", choices=Tier.choices, coerce=int, widget=forms.RadioSelect
    )
    risk_assessment_on = forms.DateField(
        label="Risk assessment completed on",
        help_text="Needed for tier 4 (programme management)",
        required=False,
        widget=GovUKDateInput(),
    )
    risk_assessment_summary = forms.CharField(
        label="Risk assessment summary", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeclineForm(GovUKForm):
    decline_reason = forms.CharField(
        label="Reason for declining",
        help_text="The school will see this reason.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for declining"},
    )
