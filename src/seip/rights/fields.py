"""Sealed fields for rows that may not (yet) name a child on record (P14, P22).

A rights request, and a data-protection concern, can be about a child the partnership does
not hold: the child was never referred, is not yet identified, or was erased. Their text
is then sealed with the service key (``seip.core.crypto``, ``SEIP_DATA_KEY``) in its own
format, ``b"s1"`` + a Fernet token, whose plaintext starts with the same field and row
binding a per-student blob carries (``<label>.<field>`` and ``<label>:<pk>``), so a token
copied to another row or column fails to open.

Once the row is linked to a student (``subject`` resolves), a value written from then on
is sealed under that student's own key (``keys.fields``), like any other sealed field;
:func:`reseal` moves the values already written. Erasing the student shreds that key; the
kept rows are emptied in the erasure's transaction (``retention.erasure.TOMBSTONES``).

What the service key protects stays readable to whoever holds a dump and ``SEIP_DATA_KEY``:
so link a request to the student as soon as the child is identified (ADR 0035).
"""

from collections.abc import Sequence
from typing import Any

from cryptography.fernet import InvalidToken
from django.db import migrations, models

from seip.keys.fields import (
    Sealed,
    SealedCharField,
    SealedMixin,
    SealedTextField,
    Unreadable,
    sealed_fields,
)

#: Sealed with the service key: no child on record to own a key.
SERVICE_FORMAT = b"s1"

UNREADABLE = "This record's encrypted content cannot be read."
ERASED = "This record's encrypted content was erased."


def _binding(aad: bytes, row: bytes) -> bytes:
    return aad + b"\x00" + row + b"\x00"


def service_seal(text: str, *, aad: bytes, row: bytes) -> bytes:
    from seip.core import crypto

    return SERVICE_FORMAT + crypto.encrypt(_binding(aad, row) + text.encode())


def service_open(blob: bytes, *, aad: bytes, row: bytes) -> str | None:
    """The text of a ``service_seal`` blob of this field and row, or None if it is not one
    (tampered, copied from elsewhere, or another key)."""
    from seip.core import crypto

    try:
        plain = crypto.decrypt(blob[len(SERVICE_FORMAT) :])
    except InvalidToken:
        return None
    bound = _binding(aad, row)
    if not plain.startswith(bound):
        return None
    return plain[len(bound) :].decode()


def subject_or_none(instance: models.Model, path: str) -> int | None:
    """The referral id at ``path``, or None where the chain stops (no student yet)."""
    value: Any = instance
    for part in path.split("."):
        value = getattr(value, part)
        if value is None:
            return None
    return int(value)


def _row(instance: models.Model) -> bytes:
    from seip.keys import crypto

    return crypto.row_id(instance)


class LinkedSealedMixin(SealedMixin):
    """Sealed under the student's key when ``subject`` resolves, else the service key."""

    def seal(self, instance: models.Model, value: Any) -> Sealed | Any:
        if isinstance(value, Sealed) or self.is_empty(value) or isinstance(value, Unreadable):
            return super().seal(instance, value)
        if subject_or_none(instance, self.subject) is None:
            blob = service_seal(self.to_text(value), aad=self.aad, row=_row(instance))
            return Sealed(blob)
        return super().seal(instance, value)

    def open(self, instance: models.Model, blob: Sealed) -> Any:
        if bytes(blob[: len(SERVICE_FORMAT)]) == SERVICE_FORMAT:
            text = service_open(bytes(blob), aad=self.aad, row=_row(instance))
            return Unreadable(UNREADABLE) if text is None else self.from_text(text)
        if subject_or_none(instance, self.subject) is None:
            # Sealed under a student's key, and the row no longer names the student: the
            # student was erased (their key shredded) before the row was emptied.
            return Unreadable(ERASED)
        return super().open(instance, blob)


class LinkedSealedCharField(LinkedSealedMixin, SealedCharField):
    """Short text (a requester's name, how to reply) sealed as the row's link allows."""


class LinkedSealedTextField(LinkedSealedMixin, SealedTextField):
    """Free text (what was asked, the child's view) sealed as the row's link allows."""


def reseal(instance: models.Model) -> None:
    """Seal every value of ``instance`` again under its current subject: call it when the
    row's student was just set. Values are opened first (a service blob opens without the
    subject), then saved; an unreadable value is left as it was."""
    names = []
    for field in sealed_fields(type(instance)):
        value = getattr(instance, field.attname)
        if field.is_empty(value) or isinstance(value, Unreadable):
            continue
        names.append(field.attname)
    if names:
        instance.save(update_fields=names)


# Migration step 2 for rows that may have no subject ----------------------------------------


def seal_linked_rows(
    app_label: str,
    model_name: str,
    *,
    subject: str,
    fields: Sequence[str],
    batch: int = 500,
) -> migrations.RunPython:
    """``keys.sealing.seal_rows`` for fields of :class:`LinkedSealedMixin`: a row whose
    ``subject`` lookup is NULL is sealed with the service key instead."""
    from seip.keys.sealing import seal_rows

    def seal(subject_id: int | None, text: str, aad: bytes, row: bytes) -> bytes:
        from seip.keys import crypto

        if subject_id is None:
            return service_seal(text, aad=aad, row=row)
        return crypto.encrypt_for(subject_id, text.encode(), aad=aad, row=row)

    return seal_rows(app_label, model_name, subject=subject, fields=fields, batch=batch, seal=seal)


__all__ = [
    "ERASED",
    "SERVICE_FORMAT",
    "LinkedSealedCharField",
    "LinkedSealedMixin",
    "LinkedSealedTextField",
    "reseal",
    "seal_linked_rows",
    "service_open",
    "service_seal",
    "subject_or_none",
]
