"""An incident's description is sealed under the child's own key (P14): the database
holds ciphertext, and the model reads the text back."""

import pytest
from django.utils import timezone

from seip.behaviour.models import Incident
from seip.behaviour.services import incident_record
from seip.keys.tests.sealed import assert_sealed

SENTENCE = "Marnie Quelch-Obadiah threw a chair after her dad's visit"


@pytest.mark.promise("P14")
def test_an_incident_description_is_sealed(active_case, personas):
    incident = incident_record(
        student=active_case.student, occurred_on=timezone.localdate(), category="disruption",
        severity=2, description=SENTENCE, actor=personas["key_worker"],
    )  # fmt: skip
    assert_sealed(Incident, incident.pk, ["description"], SENTENCE)
