"""A review's text is sealed under the child's own key (P14): the database holds
ciphertext, and the model reads the text back."""

import pytest
from django.db import connection
from django.utils import timezone

from seip.keys import crypto
from seip.progress.models import Review
from seip.progress.services import review_record

SENTENCE = "Marnie Quelch-Obadiah says her stepdad keeps her up at night"
COLUMNS = ["attendance_progress", "behaviour_progress", "attainment_progress",
           "student_view", "parent_view", "next_steps"]  # fmt: skip


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
def test_a_review_is_sealed(active_case, personas):
    review = review_record(
        case=active_case, held_on=timezone.localdate(), facts_confirmed=False,
        actor=personas["key_worker"], **dict.fromkeys(COLUMNS, SENTENCE),
    )  # fmt: skip
    assert_sealed(Review, review.pk, COLUMNS)
