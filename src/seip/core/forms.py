"""GOV.UK Design System forms, rendered by Django's own form machinery.

Each field renders as a GOV.UK form group with its label, hint and error message, and
forms that fail validation show an error summary whose links move focus to the field.
See docs/decisions/0002-govuk-forms-without-crispy.md for why this is not crispy-forms.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest

_WIDGET_CLASSES: dict[type[forms.Widget], tuple[str, str]] = {
    forms.CheckboxSelectMultiple: ("govuk-checkboxes__input", ""),
    forms.RadioSelect: ("govuk-radios__input", ""),
    forms.Textarea: ("govuk-textarea", "govuk-textarea--error"),
    forms.Select: ("govuk-select", "govuk-select--error"),
    forms.CheckboxInput: ("govuk-checkboxes__input", ""),
    forms.FileInput: ("govuk-file-upload", "govuk-file-upload--error"),
}
_INPUT = ("govuk-input", "govuk-input--error")


class GovUKFormRenderer(TemplatesSetting):
    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"


class GovUKBoundField(forms.BoundField):
    @property
    def widget_type(self) -> str:
        # The templates know radios by Django's name for them. (Not every RadioSelect:
        # Django's CheckboxSelectMultiple is one too.)
        if isinstance(self.field.widget, GovUKRadios):
            return "radioselect"
        return str(super().widget_type)

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        # Django links the hint and the error message (``<id>_helptext``, ``<id>_error``)
        # through aria-describedby; this adds only the GOV.UK classes, keeping the
        # widget's own (such as a width class).
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        base, error = next(
            (classes for kind, classes in _WIDGET_CLASSES.items() if isinstance(widget, kind)),
            _INPUT,
        )
        own = str(attrs.get("class") or widget.attrs.get("class", ""))
        classes = [base, own, error if self.errors else ""]
        attrs["class"] = " ".join(c for c in classes if c)
        return attrs


def _lower_first(label: str) -> str:
    """Lower the first letter: "Date of birth" -> "date of birth". An acronym ("UPN") or
    a title in capitals ("Data Protection Officer's name") stays as it is."""
    words = label.split()
    if label[:2].isupper() or any(word[:1].isupper() for word in words[1:]):
        return label
    return label[:1].lower() + label[1:]


def _required_message(field: forms.Field, label: str) -> str:
    """The GOV.UK pattern's words for a missing answer, naming the field."""
    if isinstance(field, forms.BooleanField):
        return f"Tick the box: {_lower_first(label)}"
    if isinstance(field, forms.FileField):
        return f"Choose a file: {_lower_first(label)}"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return f"Choose {_lower_first(label)}"
    return f"Enter {_lower_first(label)}"


_DJANGO_REQUIRED = str(forms.Field.default_error_messages["required"])
_DJANGO_INVALID_DATE = str(forms.DateField.default_error_messages["invalid"])


class GovUKRadios(forms.RadioSelect):
    """Radios whose options may reveal more questions (the Design System's conditional
    reveal): an option with questions controls the panel that holds them."""

    def __init__(
        self, *args: Any, reveal: dict[str, list[str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reveal = reveal or {}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if str(option["value"]) in self.reveal and option["attrs"].get("id"):
            option["attrs"]["data-seip-reveals"] = f"conditional-{option['attrs']['id']}"
        return option


class GovUKForm(forms.Form):
    """Every field's missing-answer and invalid-date messages name the field, as the
    Design System asks, instead of Django's "This field is required."."""

    bound_field_class = GovUKBoundField
    #: Radio field -> option value -> the fields shown only when that option is chosen.
    reveal: ClassVar[dict[str, dict[str, list[str]]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, options in self.reveal.items():
            field = self.fields[name]
            field.widget = GovUKRadios(choices=field.widget.choices, reveal=options)
        self.revealed_names = {
            name for options in self.reveal.values() for names in options.values() for name in names
        }
        for name, field in self.fields.items():
            label = str(field.label or name.replace("_", " ").capitalize())
            messages = field.error_messages
            if str(messages.get("required", "")) == _DJANGO_REQUIRED:
                messages["required"] = _required_message(field, label)
            if isinstance(field, forms.DateField):
                if str(messages.get("invalid", "")) == _DJANGO_INVALID_DATE:
                    messages["invalid"] = f"{label} must be a real date, for example 27 3 2026"
                if type(field.widget) is forms.DateInput:
                    field.widget = GovUKDateInput()
            if isinstance(field, forms.ModelChoiceField):
                # Django's "---------" blank choice reads as nothing; say what to do.
                if field.empty_label == "---------":
                    field.empty_label = "Choose one"
            elif isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.MultipleChoiceField
            ):
                choices: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
                field.choices = [
                    ("", "Choose one") if value == "" and text == "---------" else (value, text)
                    for value, text in choices
                ]


class GovUKDateInput(forms.MultiWidget):
    """The Design System's date input: day, month and year in three boxes, not the
    browser's date picker (which is hard to use for a date of birth and differs from
    browser to browser). A form posted with the date in one ISO field (a test or a
    script) is still read."""

    template_name = "core/forms/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        numeric = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__(
            widgets={
                "day": forms.TextInput(attrs=numeric),
                "month": forms.TextInput(attrs=numeric),
                "year": forms.TextInput(attrs=numeric),
            },
            attrs=attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") == 2:
            # What was typed, shown again after an error ("x" marks an empty box).
            year, month, day = ("" if part == "x" else part for part in value.split("-"))
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(  # type: ignore[override]
        self, data: Any, files: Any, name: str
    ) -> str | None:
        if name in data:
            value: str | None = data.get(name)
            return value
        day, month, year = (
            (data.get(f"{name}_{part}") or "").strip() for part in ("day", "month", "year")
        )
        if not (day or month or year):
            return None
        # DateField parses this; a missing or impossible part is its "invalid" message.
        return f"{year or 'x'}-{month or 'x'}-{day or 'x'}"

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(
            f"{name}_{part}" in data for part in ("day", "month", "year")
        )

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, if the form
    has that field, otherwise at the top of the error summary."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def form_submitted(
    request: HttpRequest, form: forms.Form, apply: Callable[[dict[str, Any]], object]
) -> bool:
    """The shape of every form that calls a service: on a valid POST, call ``apply`` with
    the cleaned data; show a ValidationError it raises on the form. True when it applied,
    so the view can redirect; False when the page should be shown (again)."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        apply(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True
