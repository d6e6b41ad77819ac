"""Plain-language sentences for governors."""

import pytest

from seip.impact.costs import cost_per_outcome
from seip.impact.estimate import apply_benjamini_hochberg, estimate_effect
from seip.impact.summaries import summarise_cost, summarise_effect
from seip.impact.synthetic import Planted, county, outcome_frame

A = Planted("Mentoring", 0.1, attendance=5.0, confounding=1.5, unit_cost=800.0)
B = Planted("Study skills", 0.1, confounding=0.0, unit_cost=300.0)


@pytest.fixture(scope="module")
def wide():
    return county(3000, [A, B], seed=1)


def test_effect_sentences(wide):
    effects = apply_benjamini_hochberg(
        [
            estimate_effect(outcome_frame(wide, p.name, "attendance"), "attendance", name=p.name)
            for p in (A, B)
        ]
    )
    helped = summarise_effect(effects[0])
    assert helped.startswith(f"Mentoring ({effects[0].n_treated} students) was associated with")
    assert "higher attendance" in helped
    assert "percentage points" in helped
    assert "an improvement" in helped
    unclear = summarise_effect(effects[1])
    assert unclear.startswith("We cannot tell whether Study skills")
    for sentence in (helped, unclear):
        assert "caus" not in sentence.lower()


def test_too_few_sentence(wide):
    frame = outcome_frame(wide, A.name, "attendance")
    few = frame[(frame.treated == 0) | frame.index.isin(frame[frame.treated == 1].index[:5])]
    sentence = summarise_effect(estimate_effect(few, "attendance", name="Forest school"))
    assert sentence.startswith("Too few students took part in Forest school")


def test_cost_sentences(wide):
    good = cost_per_outcome(
        outcome_frame(wide, A.name, "attendance"), "attendance_point", name=A.name
    )
    sentence = summarise_cost(good)
    assert sentence.startswith("Mentoring cost about £")
    assert "per percentage point of attendance gained" in sentence
    assert "EEF" in sentence
    none = cost_per_outcome(
        outcome_frame(wide, B.name, "attendance"), "attendance_point", name=B.name
    )
    assert "we cannot give a cost per percentage point" in summarise_cost(none)
