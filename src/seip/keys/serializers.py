"""``dumpdata`` and ``loaddata`` that copy sealed fields as ciphertext (ADR 0034).

Django's serializers pass dates through as they read them from the attribute, which for a
sealed date of birth would be the decrypted date: a fixture made with ``dumpdata`` would
then carry what shredding erases. These formats take every sealed field's
``value_to_string`` (its ciphertext) instead. Installed for ``json`` and ``jsonl`` by
``SERIALIZATION_MODULES``.
"""

from typing import Any

from django.core.serializers import json, jsonl
from django.db import models

from seip.keys.fields import SealedMixin


class _SealedValues:
    def _value_from_field(self, obj: models.Model, field: Any) -> Any:
        if isinstance(field, SealedMixin):
            return field.value_to_string(obj)
        return super()._value_from_field(obj, field)  # type: ignore[misc]


class JsonSerializer(_SealedValues, json.Serializer):
    """``json``, with sealed fields as ciphertext."""


class JsonlSerializer(_SealedValues, jsonl.Serializer):
    """``jsonl``, with sealed fields as ciphertext."""
