"""Effects of interventions: the planted-effect test, effect sizes, labels (P05)."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seip.impact.estimate import (
    Verdict,
    apply_benjamini_hochberg,
    benjamini_hochberg,
    eef_months,
    estimate_effect,
    hedges_correction,
    hedges_g,
)
from seip.impact.synthetic import ATTENDANCE_TREND, Planted, county, outcome_frame

A = Planted("Mentoring", 0.1, attendance=5.0, confounding=1.5)
B = Planted("Study skills", 0.1, attendance=0.0, confounding=0.0)


@pytest.fixture(scope="module")
def planted():
    return county(3000, [A, B], seed=1)


@pytest.mark.promise("P05")
def test_planted_effect_is_recovered_and_the_naive_change_is_biased(planted):
    """A truly raises attendance by 5 points and is given to weaker students; B does
    nothing. Adjusting for the baseline finds 5; the naive before/after does not."""
    a = estimate_effect(outcome_frame(planted, A.name, "attendance"), "attendance", name=A.name)
    b = estimate_effect(outcome_frame(planted, B.name, "attendance"), "attendance", name=B.name)
    a, b = apply_benjamini_hochberg([a, b])

    assert a.estimate == pytest.approx(5.0, abs=0.75)
    assert a.ci.low <= 5.0 <= a.ci.high
    assert a.verdict is Verdict.HIGHER
    assert a.label == "associated with higher attendance"
    assert a.better is True
    # The doubly robust cross-check agrees and also covers the truth.
    assert a.doubly_robust_ci.low <= 5.0 <= a.doubly_robust_ci.high
    assert a.estimates_agree
    # The naive before/after change mixes in the county-wide fall in attendance (-4)
    # and regression to the mean (A's students were picked for low measured
    # baselines): it is far from 5 and outside the adjusted interval.
    assert ATTENDANCE_TREND < 0
    assert abs(a.naive_before_after - 5.0) > 1.5
    assert not a.ci.low <= a.naive_before_after <= a.ci.high
    # So is the unadjusted difference in change against the comparison group.
    assert not a.ci.low <= a.naive_difference <= a.ci.high

    assert b.verdict is Verdict.INCONCLUSIVE
    assert b.label == "inconclusive"
    assert b.ci.spans_zero or b.p_adjusted > 0.05


@pytest.mark.promise("P05")
def test_overlap_and_balance_are_reported(planted):
    a = estimate_effect(outcome_frame(planted, A.name, "attendance"), "attendance")
    overlap = a.overlap
    assert overlap.support[0] <= overlap.support[1]
    assert 0.5 < overlap.treated_in_support <= 1.0
    assert overlap.dropped_treated + a.n_treated == (planted["intervention"] == A.name).sum()
    baseline = next(b for b in a.balance if b.covariate == "baseline")
    # Participants were picked for low baselines: badly unbalanced before weighting,
    # much better after.
    assert baseline.before < -1.0
    assert abs(baseline.after) < abs(baseline.before) / 4
    assert {b.covariate for b in a.balance} >= {"disadvantaged", "sen: EHCP"}


def test_attainment_gets_eef_months_and_others_do_not():
    wide = county(3000, [Planted("Tutoring", 0.15, attainment=0.4, confounding=1.0)], seed=3)
    att = estimate_effect(outcome_frame(wide, "Tutoring", "attainment"), "attainment")
    assert att.verdict is Verdict.HIGHER
    assert att.eef_months == eef_months(att.g)
    assert att.eef_months > 0
    attendance = estimate_effect(outcome_frame(wide, "Tutoring", "attendance"), "attendance")
    assert attendance.eef_months is None
    assert attendance.g is not None


def test_too_few_participants_gives_no_figure(planted):
    frame = outcome_frame(planted, A.name, "attendance")
    few = pd.concat([frame[frame.treated == 0], frame[frame.treated == 1].head(29)])
    effect = estimate_effect(few, "attendance", name="Small group")
    assert effect.verdict is Verdict.TOO_FEW
    assert effect.label == "too few to say"
    assert effect.n_treated == 29
    assert effect.estimate is None
    assert effect.ci is None
    assert effect.g is None
    # A partnership may accept fewer, and label them.
    accepted = estimate_effect(few, "attendance", min_participants=20)
    assert accepted.verdict is not Verdict.TOO_FEW


def test_rare_events_are_too_few_to_say(planted):
    frame = outcome_frame(planted, B.name, "permanent_exclusion")
    frame.loc[frame.treated == 1, "followup"] = 0.0  # no participant was excluded
    effect = estimate_effect(frame, "permanent_exclusion")
    assert effect.verdict is Verdict.TOO_FEW
    assert "0 events among participants" in effect.reason


def test_interval_spanning_zero_is_inconclusive():
    wide = county(2000, [Planted("Nothing", 0.15, confounding=0.0)], seed=11)
    effect = estimate_effect(outcome_frame(wide, "Nothing", "attitude"), "attitude")
    assert effect.ci.spans_zero
    assert effect.verdict is Verdict.INCONCLUSIVE
    assert effect.reason == "the 95% interval includes no difference"
    assert effect.better is None


def test_behaviour_lower_is_better():
    wide = county(3000, [Planted("Nurture", 0.15, behaviour=-1.5, confounding=1.0)], seed=5)
    effect = estimate_effect(outcome_frame(wide, "Nurture", "behaviour"), "behaviour")
    assert effect.verdict is Verdict.LOWER
    assert effect.label == "associated with lower behaviour incidents"
    assert effect.better is True


def test_wording_never_claims_causation(planted):
    effects = [
        estimate_effect(outcome_frame(planted, p.name, o), o, name=p.name)
        for p in (A, B)
        for o in ("attendance", "attainment", "behaviour", "attitude")
    ]
    for effect in apply_benjamini_hochberg(effects):
        text = f"{effect.label} {effect.reason}".lower()
        assert "caus" not in text
        assert effect.label.startswith(("associated with", "inconclusive", "too few"))


# --- hand-worked effect sizes -----------------------------------------------------


def test_hedges_g_equal_groups_hand_worked():
    # difference 5, both SDs 10, 10 students each:
    #   pooled SD = sqrt((9*100 + 9*100) / 18) = 10, so d = 5 / 10 = 0.5
    #   J = 1 - 3 / (4*(10+10-2) - 1) = 1 - 3/71 = 0.957746
    #   g = J*d = 0.478873
    #   Var(d) = 20/100 + 0.5^2 / (2*20) = 0.2 + 0.00625 = 0.20625, SE(d) = 0.454148
    #   SE(g) = J * SE(d) = 0.434958; 95% CI = 0.478873 +/- 1.959964*0.434958
    #         = (-0.373629, 1.331376)
    result = hedges_g(5.0, 10.0, 10.0, 10, 10)
    assert result.pooled_sd == pytest.approx(10.0)
    assert result.correction == pytest.approx(0.957746, abs=1e-6)
    assert result.g == pytest.approx(0.478873, abs=1e-6)
    assert result.ci.low == pytest.approx(-0.373629, abs=1e-5)
    assert result.ci.high == pytest.approx(1.331376, abs=1e-5)


def test_hedges_g_unequal_groups_hand_worked():
    # difference 3; group 1: n=20, SD 4; group 2: n=30, SD 6:
    #   pooled SD = sqrt((19*16 + 29*36) / 48) = sqrt(1348/48) = sqrt(28.08333) = 5.299371
    #   d = 3 / 5.299371 = 0.566105
    #   J = 1 - 3 / (4*48 - 1) = 1 - 3/191 = 0.984293
    #   g = 0.984293 * 0.566105 = 0.557213
    result = hedges_g(3.0, 4.0, 6.0, 20, 30)
    assert result.pooled_sd == pytest.approx(5.299371, abs=1e-6)
    assert hedges_correction(20, 30) == pytest.approx(0.984293, abs=1e-6)
    assert result.g == pytest.approx(0.557213, abs=1e-6)


@pytest.mark.parametrize(
    ("g", "months"),
    [
        (0.0, 0),
        (0.01, 0),  # -0.01 to 0.01: 0
        (0.014, 0),  # rounds to 0.01
        (0.015, 1),  # rounds half-up to 0.02
        (0.02, 1),
        (0.09, 1),
        (0.095, 2),  # rounds to 0.10, not (binary 0.0949999) to 0.09
        (0.10, 2),
        (0.18, 2),
        (0.19, 3),
        (0.26, 3),
        (0.27, 4),
        (0.35, 4),
        (0.36, 5),
        (0.44, 5),
        (0.45, 6),
        (0.52, 6),
        (0.53, 7),
        (0.61, 7),
        (0.62, 8),
        (0.69, 8),
        (0.70, 9),
        (0.78, 9),
        (0.79, 10),
        (0.87, 10),
        (0.88, 11),
        (0.95, 11),
        (0.96, 12),
        (1.8, 12),
        (-0.30, -4),  # negative sizes map symmetrically
        (-0.96, -12),
    ],
)
def test_eef_months_table(g, months):
    assert eef_months(g) == months


def test_benjamini_hochberg_hand_worked():
    # p = (0.01, 0.04, 0.03, 0.20), m = 4. Sorted with ranks:
    #   0.01 (1): 0.01*4/1 = 0.04
    #   0.03 (2): 0.03*4/2 = 0.06
    #   0.04 (3): 0.04*4/3 = 0.053333
    #   0.20 (4): 0.20*4/4 = 0.20
    # Step-up (minimum from the largest rank down): 0.20, 0.053333, min(0.06, 0.053333)
    # = 0.053333, min(0.04, 0.053333) = 0.04. In the original order:
    #   (0.04, 0.053333, 0.053333, 0.20): only the first is a discovery at q = 0.05,
    # though three raw p-values are under 0.05.
    adjusted, discoveries = benjamini_hochberg([0.01, 0.04, 0.03, 0.20], q=0.05)
    assert adjusted == pytest.approx([0.04, 0.053333, 0.053333, 0.20], abs=1e-6)
    assert discoveries == [True, False, False, False]
    assert benjamini_hochberg([]) == ([], [])


def test_correction_turns_a_lone_significant_result_inconclusive(planted):
    # The same effect: conclusive alone, inconclusive among many null results.
    base = estimate_effect(outcome_frame(planted, A.name, "attendance"), "attendance")
    marginal = replace(base, p_value=0.02, name="marginal")
    nulls = [replace(base, p_value=0.9, name=f"null {i}") for i in range(9)]
    relabelled = apply_benjamini_hochberg([marginal, *nulls])
    assert relabelled[0].verdict is Verdict.INCONCLUSIVE
    assert relabelled[0].p_adjusted == pytest.approx(0.2)
    assert relabelled[0].comparisons == 10
    assert "Benjamini-Hochberg" in relabelled[0].reason
    alone = apply_benjamini_hochberg([marginal])[0]
    assert alone.verdict is Verdict.HIGHER


# --- properties -------------------------------------------------------------------

sds = st.floats(min_value=0.1, max_value=50)
sizes = st.integers(min_value=2, max_value=5000)


differences = st.floats(min_value=-100, max_value=100).filter(lambda x: x == 0 or abs(x) > 1e-6)


@given(differences, sds, sds, sizes, sizes)
def test_g_sign_follows_the_mean_difference(diff, sd1, sd2, n1, n2):
    result = hedges_g(diff, sd1, sd2, n1, n2)
    assert np.sign(result.g) == np.sign(diff)
    assert result.ci.low <= result.g <= result.ci.high
    assert abs(result.g) <= abs(diff) / result.pooled_sd  # J shrinks towards zero


@given(st.lists(st.floats(min_value=0, max_value=1), max_size=60), st.sampled_from([0.01, 0.05]))
def test_bh_never_finds_more_than_the_raw_p_values(p_values, q):
    adjusted, discoveries = benjamini_hochberg(p_values, q)
    assert sum(discoveries) <= sum(p <= q for p in p_values)
    assert all(a >= p - 1e-12 for a, p in zip(adjusted, p_values, strict=True))


@given(st.floats(min_value=-3, max_value=3))
def test_eef_months_symmetric_and_monotone(g):
    assert eef_months(-g) == -eef_months(g)
    assert eef_months(abs(g) + 0.05) >= eef_months(abs(g))
    assert not math.isnan(eef_months(g))


def test_a_school_with_one_student_does_not_break_the_intervals(planted):
    frame = outcome_frame(planted, A.name, "attendance")
    frame.loc[frame.index[:2], "school"] = ["Tiny", "Small"]  # one student each
    effect = estimate_effect(frame, "attendance")
    assert math.isfinite(effect.ci.low)
    assert math.isfinite(effect.ci.high)
    assert effect.ci.low <= 5.0 <= effect.ci.high
