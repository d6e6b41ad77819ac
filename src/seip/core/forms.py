"""GOV.UK Design System forms, rendered by Django's own form machinery.

Each field renders as a GOV.UK form group with its label, hint and error message, and
forms that fail validation show an error summary whose links move focus to the field.
See docs/decisions/0002-govuk-forms-without-crispy.md for why this is not crispy-forms.
"""

from collections.abc import Callable
from typing import Any

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


class GovUKForm(forms.Form):
    bound_field_class = GovUKBoundField


class GovUKDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"class": "govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d"
        )


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
