"""Checks the apps' tests share: a sealed column holds ciphertext in the database, and the
model reads the text back (P14, ADR 0034)."""

from django.db import connection, models

from seip.keys import crypto


def raw(model: type[models.Model], pk: int, column: str) -> bytes:
    """The column as the database holds it, read past the model."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        (value,) = cursor.fetchone()
    return bytes(value or b"")


def assert_sealed(
    model: type[models.Model], pk: int, columns: list[str], sentence: str, *, needle: str = "Quelch"
) -> None:
    """Each of ``columns`` of row ``pk`` is row-bound ciphertext holding neither
    ``sentence`` nor ``needle``, and reads back as ``sentence`` through the model."""
    for column in columns:
        stored = raw(model, pk, column)
        assert stored.startswith(crypto.FORMAT_ROW), column
        assert sentence.encode() not in stored, column
        assert needle.encode() not in stored, column
        assert getattr(model.objects.get(pk=pk), column) == sentence, column
