"""What slows progress (P05)."""

import numpy as np
import pytest

from seip.impact.estimate import Verdict
from seip.impact.factors import progress_factors, slower_progress
from seip.impact.summaries import summarise_factor
from seip.impact.synthetic import county, outcome_frame


@pytest.fixture(scope="module")
def frame():
    wide = county(4000, [], seed=21, schools=8)
    frame = outcome_frame(wide, "", "attendance", others=True)
    # Plant: looked-after students progress 3 points less; specialist tier 2 less;
    # a summer referral makes no difference.
    rng = np.random.default_rng(0)
    frame["followup"] = (
        frame["followup"]
        - 3.0 * frame["looked_after"]
        - 2.0 * (frame["tier"] == "specialist")
        + rng.normal(0, 0.1, len(frame))
    )
    return frame


@pytest.mark.promise("P05")
def test_planted_slower_progress_is_found(frame):
    factors = progress_factors(frame, "attendance")
    by_name = {f.description: f for f in factors}
    looked_after = by_name["being looked after"]
    assert looked_after.label == "associated with slower progress"
    assert looked_after.ci.low <= -3.0 <= looked_after.ci.high
    specialist = by_name["tier: specialist (compared with universal)"]
    assert specialist.slower
    assert specialist.ci.low <= -2.0 <= specialist.ci.high
    summer = next(f for f in factors if f.variable == "referral_term" and f.level == "summer")
    assert summer.verdict is Verdict.INCONCLUSIVE
    slow = slower_progress(factors)
    assert looked_after in slow
    assert all(f.label == "associated with slower progress" for f in slow)
    assert all(f.p_adjusted is not None for f in factors if f.verdict is not Verdict.TOO_FEW)
    assert "associated with slower progress" in summarise_factor(looked_after)


def test_small_groups_are_too_few_to_say(frame):
    factors = progress_factors(frame, "attendance", min_participants=200)
    looked_after = next(f for f in factors if f.variable == "looked_after")
    assert looked_after.n < 200
    assert looked_after.verdict is Verdict.TOO_FEW
    assert looked_after.coefficient is None


def test_for_behaviour_more_incidents_is_slower(frame):
    behaviour = frame.copy()
    # Higher follow-up = more incidents = worse.
    behaviour["followup"] = behaviour["baseline"] + 4.0 * behaviour["looked_after"]
    behaviour["followup"] += np.random.default_rng(1).normal(0, 1, len(behaviour))
    factors = progress_factors(behaviour, "behaviour")
    looked_after = next(f for f in factors if f.variable == "looked_after")
    assert looked_after.coefficient > 0
    assert looked_after.label == "associated with slower progress"


def test_a_tiny_school_is_listed_as_too_few(frame):
    tiny = frame.copy()
    tiny.loc[tiny.index[:3], "school"] = "Tiny"
    factors = progress_factors(tiny, "attendance")
    school = next(f for f in factors if f.variable == "school" and f.level == "Tiny")
    assert school.verdict is Verdict.TOO_FEW
    assert school.n == 3
