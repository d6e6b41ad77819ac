"""A review's text is sealed under the child's own key (P14): the database holds
ciphertext, and the model reads the text back."""

import pytest
from django.utils import timezone

from seip.keys.tests.sealed import assert_sealed
from seip.progress.models import Review
from seip.progress.services import review_record

SENTENCE = "Marnie Quelch-Obadiah says her stepdad keeps her up at night"
COLUMNS = ["attendance_progress", "behaviour_progress", "attainment_progress",
           "student_view", "parent_view", "next_steps"]  # fmt: skip


@pytest.mark.promise("P14")
def test_a_review_is_sealed(active_case, personas):
    review = review_record(
        case=active_case, held_on=timezone.localdate(), facts_confirmed=False,
        actor=personas["key_worker"], **dict.fromkeys(COLUMNS, SENTENCE),
    )  # fmt: skip
    assert_sealed(Review, review.pk, COLUMNS, SENTENCE)
