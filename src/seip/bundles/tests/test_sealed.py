"""A reviewer's reason for a decision is sealed under the child's own key (P14): the
database holds ciphertext, and the model reads the text back."""

import pytest
from django.db import connection

from seip.bundles import services
from seip.bundles.models import Decision, FlaggedItem
from seip.keys import crypto

SENTENCE = "Marnie Quelch-Obadiah's uncle is named in this note"


def raw(model, pk, column) -> bytes:
    """The column as the database holds it, read past the model."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        (value,) = cursor.fetchone()
    return bytes(value or b"")


def assert_sealed(model, pk, columns):
    for column in columns:
        stored = raw(model, pk, column)
        assert stored.startswith(crypto.FORMAT_ROW), column
        assert SENTENCE.encode() not in stored, column
        assert b"Quelch" not in stored, column
        assert getattr(model.objects.get(pk=pk), column) == SENTENCE, column


@pytest.mark.promise("P14")
def test_a_decision_reason_is_sealed(access_request, personas):
    bundle = services.bundle_prepare(request=access_request, actor=personas["coordinator"])
    item = bundle.items.first()
    services.flagged_item_decide(
        item=item, decision=Decision.RELEASE, reason=SENTENCE, actor=personas["coordinator"]
    )
    assert_sealed(FlaggedItem, item.pk, ["reason"])
