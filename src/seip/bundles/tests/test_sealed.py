"""A reviewer's reason for a decision is sealed under the child's own key (P14): the
database holds ciphertext, and the model reads the text back."""

import pytest

from seip.bundles import services
from seip.bundles.models import Decision, FlaggedItem
from seip.keys.tests.sealed import assert_sealed

SENTENCE = "Marnie Quelch-Obadiah's uncle is named in this note"


@pytest.mark.promise("P14")
def test_a_decision_reason_is_sealed(access_request, personas):
    bundle = services.bundle_prepare(request=access_request, actor=personas["coordinator"])
    item = bundle.items.first()
    services.flagged_item_decide(
        item=item, decision=Decision.RELEASE, reason=SENTENCE, actor=personas["coordinator"]
    )
    assert_sealed(FlaggedItem, item.pk, ["reason"], SENTENCE)
