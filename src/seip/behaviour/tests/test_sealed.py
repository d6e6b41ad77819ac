"""An incident's description is sealed under the child's own key (P14): the database
holds ciphertext, and the model reads the text back."""

import pytest
from django.db import connection
from django.utils import timezone

from seip.behaviour.models import Incident
from seip.behaviour.services import incident_record
from seip.keys import crypto

SENTENCE = "Marnie Quelch-Obadiah threw a chair after her dad's visit"


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
def test_an_incident_description_is_sealed(active_case, personas):
    incident = incident_record(
        student=active_case.student, occurred_on=timezone.localdate(), category="disruption",
        severity=2, description=SENTENCE, actor=personas["key_worker"],
    )  # fmt: skip
    assert_sealed(Incident, incident.pk, ["description"])
