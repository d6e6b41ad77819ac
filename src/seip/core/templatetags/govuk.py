"""``{{ field|revealed:value }}``: the questions an option of a radio field reveals."""

from django import forms, template

register = template.Library()


@register.filter
def revealed(field: forms.BoundField, value: object) -> list[forms.BoundField]:
    options: dict[str, list[str]] = getattr(field.form, "reveal", {}).get(field.name, {})
    return [field.form[name] for name in options.get(str(value), [])]
