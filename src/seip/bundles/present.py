"""How a bundle's values read to a person (the PDF and the reviewer's page).

The JSON and CSV files keep the schema's own names, ids and ISO dates, since they are
for machines (portability). A person reads labels, dates in words, "Yes" and "No", and
no database ids, which mean nothing to them and only clutter the page.
"""

import datetime as dt
import re
from typing import Any

from django.utils import timezone

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def hidden(name: str) -> bool:
    """Internal keys: the record's own id and links to other rows by id."""
    return name == "id" or name.endswith("_id")


def label(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return (
            f"{timezone.localtime(value):%-d %B %Y at %H:%M}"
            if timezone.is_aware(value)
            else f"{value:%-d %B %Y at %H:%M}"
        )
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, str):
        if _DATE.match(value):
            return text(dt.date.fromisoformat(value))
        if _DATETIME.match(value):
            try:
                return text(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
    return str(value)
