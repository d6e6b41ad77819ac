"""The upload form and the match decision form."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from seip.core.forms import GovUKForm
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.imports.mis import FIELDS, OPTIONAL, parse_mapping
from seip.imports.models import ImportKind, MatchResolution
from seip.imports.validation import ImportValidationError
from seip.organisations.models import School

_MAPPING_HINT = "; ".join(
    f"{kind}: {', '.join(FIELDS[kind])}"
    + (f" (optional: {', '.join(OPTIONAL[kind])})" if kind in OPTIONAL else "")
    for kind in FIELDS
)


class UploadForm(GovUKForm):
    school = forms.ModelChoiceField(queryset=School.objects.none(), empty_label=None)
    kind = forms.ChoiceField(
        label="What is in the file?", choices=ImportKind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        help_text="A CTF (XML) from your MIS, or a CSV export. Pupils who have not been "
        "referred with a signed form are counted and left out: nothing about them is kept."
    )
    columns = forms.CharField(
        label="Column mapping (CSV files only)",
        required=False,
        help_text="Which column holds each field, as field=column separated by commas, for "
        "example upn=UPN,date=Date,am=AM,pm=PM. Leave blank to use the mapping remembered for "
        f"the school. Fields: {_MAPPING_HINT}.",
    )
    valid_only = forms.BooleanField(
        label="Import valid pupils only",
        required=False,
        help_text="Without this, a file with any problem changes nothing. With it, pupils with "
        "problems are left out and listed, and each other pupil is imported whole.",
    )

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > DEFAULT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {DEFAULT_MAX_BYTES // 2**20} MB; export fewer years"
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, text = data.get("kind"), (data.get("columns") or "").strip()
        data["mapping"] = None
        if kind == ImportKind.CTF and text:
            self.add_error("columns", "A CTF needs no column mapping: leave this blank")
        elif kind and kind != ImportKind.CTF and text:
            try:
                data["mapping"] = parse_mapping(text, kind)
            except ImportValidationError as exc:
                self.add_error("columns", str(exc))
        return data


class MatchForm(GovUKForm):
    resolution = forms.ChoiceField(
        label="Is this the same child?", choices=MatchResolution.choices, widget=forms.RadioSelect
    )
