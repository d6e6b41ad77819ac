"""A description, a placement's site and a placement review's text are sealed under the
child's own key (P14): the database holds ciphertext, and the model reads it back."""

from decimal import Decimal

import pytest
from django.utils import timezone

from seip.keys.tests.sealed import assert_sealed
from seip.provision.models import Intervention, InterventionType, Placement, PlacementReview
from seip.provision.services import intervention_record, placement_review_record

SENTENCE = "Marnie Quelch-Obadiah at her nan's, 17 Larkspur Row"


@pytest.mark.promise("P14")
def test_provision_free_text_is_sealed(student, placement, personas, last_month):
    key_work = intervention_record(
        student=student, type=InterventionType.KEY_WORK, provider=None, start_date=last_month,
        sessions_planned=6, unit_cost=Decimal("30.00"), quantity=Decimal("6"),
        funding_stream="devolved", description=SENTENCE, actor=personas["key_worker"],
    )  # fmt: skip
    assert_sealed(Intervention, key_work.pk, ["description"], SENTENCE)
    placement.site = SENTENCE
    placement.save()
    assert_sealed(Placement, placement.pk, ["site"], SENTENCE)
    review = placement_review_record(
        placement=Placement.objects.select_related("intervention__student").get(pk=placement.pk),
        reviewed_on=timezone.localdate(), attendance_percent=Decimal("80"), summary=SENTENCE,
        next_steps=SENTENCE, actor=personas["key_worker"],
    )  # fmt: skip
    assert_sealed(PlacementReview, review.pk, ["summary", "next_steps"], SENTENCE)
