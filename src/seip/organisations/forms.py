"""Forms of the administration pages. They check shape only; the services validate the
data (the model's own validators), and ``apply_errors`` puts each error on its field."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from seip.core.forms import GovUKDateInput, GovUKForm
from seip.organisations.models import (
    LocalAuthority,
    OrganisationType,
    PartnerOrganisation,
    Partnership,
)

#: Types a page may give an organisation: a school is added as a school (with its URN),
#: and the local authority's own record is made with the local authority.
PARTNER_TYPES = [
    (value, label)
    for value, label in OrganisationType.choices
    if value not in {OrganisationType.SCHOOL, OrganisationType.LOCAL_AUTHORITY}
]


def _text(label: str, *, required: bool = True, width: int = 20, hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        widget=forms.TextInput(attrs={"class": f"govuk-input--width-{width}"}),
    )


class PartnershipForm(GovUKForm):
    name = _text("Name", width=30)
    address = forms.CharField(label="Postal address", widget=forms.Textarea(attrs={"rows": 4}))
    phone = _text("Phone", width=20)
    email = forms.EmailField(label="Email")
    coordinator_name = _text("Co-ordinator's name", width=30)
    coordinator_email = forms.EmailField(label="Co-ordinator's email")
    coordinator_phone = _text("Co-ordinator's phone", width=20)
    dpo_name = _text("Data Protection Officer's name", width=30)
    dpo_email = forms.EmailField(label="Data Protection Officer's email")
    dpo_route = forms.CharField(
        label="How families reach the DPO",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown on the privacy notice.",
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="A PNG or SVG file smaller than 512 KB. Leave empty to keep the current logo.",
    )


class PartnershipCreateForm(PartnershipForm):
    local_authority = forms.ModelChoiceField(
        label="Local authority", queryset=LocalAuthority.objects.all(), empty_label=None
    )
    slug = forms.SlugField(
        label="Short name for addresses",
        help_text="Lower-case letters, numbers and hyphens, like north-vale. It cannot be "
        "changed later.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    dpo_route = forms.CharField(
        label="How families reach the DPO",
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="Contact the Data Protection Officer through the Partnership Co-ordinator.",
    )
    field_order = ["local_authority", "name", "slug"]


class OrganisationForm(GovUKForm):
    name = _text("Name", width=30)
    type = forms.ChoiceField(label="Type", choices=PARTNER_TYPES)
    email = forms.EmailField(label="Email", required=False)
    phone = _text("Phone", required=False)
    ukprn = _text(
        "UKPRN",
        required=False,
        width=10,
        hint="The eight-digit UK Provider Reference Number, if it has one.",
    )


class SchoolForm(GovUKForm):
    name = _text("Name", width=30)
    urn = _text("URN", width=10, hint="The six-digit unique reference number, like 120345.")
    establishment_number = _text(
        "Establishment number", width=5, hint="Four digits: the LAESTAB without the LA code."
    )
    ukprn = _text(
        "UKPRN", required=False, width=10, hint="Eight digits starting with 1, if it has one."
    )
    partnership = forms.ModelChoiceField(
        label="Partnership", queryset=Partnership.objects.all(), empty_label=None
    )


class RegisterForm(GovUKForm):
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=PartnerOrganisation.objects.none()
    )

    def __init__(self, *args: Any, choices: QuerySet[PartnerOrganisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[PartnerOrganisation]", self.fields["organisation"])
        field.queryset = choices


class AgreementForm(GovUKForm):
    reference = _text("Reference", width=20)
    signed_on = forms.DateField(label="Signed on", widget=GovUKDateInput())
    expires_on = forms.DateField(label="Expires on", widget=GovUKDateInput())
    document = forms.FileField(
        label="Signed agreement",
        required=False,
        help_text="A PDF smaller than 10 MB. It is stored encrypted.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        signed, expires = data.get("signed_on"), data.get("expires_on")
        if signed and expires and expires <= signed:
            self.add_error("expires_on", "The expiry date must be after the date it was signed")
        return data


class AgreementCreateForm(AgreementForm):
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=PartnerOrganisation.objects.none()
    )
    field_order = ["organisation"]

    def __init__(self, *args: Any, choices: QuerySet[PartnerOrganisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[PartnerOrganisation]", self.fields["organisation"])
        field.queryset = choices
        self.fields["document"].required = True
        self.fields["document"].help_text = "A PDF smaller than 10 MB. It is stored encrypted."
