"""Value for money: cost per outcome, its bootstrap interval and benchmarks (P06)."""

import numpy as np
import pytest

from seip.impact.costs import (
    Benchmarks,
    CostRequest,
    apply_benjamini_hochberg,
    cost_per_outcome,
    costs_per_outcome,
    eef_cost_band,
    resample_sums,
    student_cost,
)
from seip.impact.design import residualise
from seip.impact.estimate import Verdict, prepare
from seip.impact.synthetic import Planted, county, outcome_frame

A = Planted("Mentoring", 0.1, attendance=5.0, suspensions=-0.3, confounding=1.5, unit_cost=800.0)
B = Planted("Study skills", 0.1, confounding=0.0, unit_cost=300.0)


@pytest.fixture(scope="module")
def wide():
    return county(3000, [A, B], seed=1)


@pytest.mark.promise("P06")
def test_cost_per_attendance_point_has_the_known_answer(wide):
    """5 points bought at a mean cost of about £800 a student: about £160 a point."""
    frame = outcome_frame(wide, A.name, "attendance")
    result = cost_per_outcome(frame, "attendance_point", name=A.name, seed=7)
    assert result.verdict is Verdict.HIGHER
    assert result.resamples == 1000
    participants = frame[frame.treated == 1]
    assert result.mean_cost == pytest.approx(participants["cost"].mean(), rel=0.02)
    truth = result.mean_cost / 5.0
    assert result.cost_per_outcome == pytest.approx(truth, rel=0.1)
    assert result.ci.low <= truth <= result.ci.high
    assert result.ci.low <= result.cost_per_outcome <= result.ci.high
    assert result.gain_ci.low <= 5.0 <= result.gain_ci.high
    assert result.eef_band == "high"  # £800 is between £720 and £1,200
    # Seeded: the same call gives the same interval.
    again = cost_per_outcome(frame, "attendance_point", name=A.name, seed=7)
    assert again.ci == result.ci


@pytest.mark.promise("P06")
def test_every_cost_per_outcome_measure(wide):
    measures = {
        "attendance_point": "attendance",
        "persistent_absence": "attendance",
        "suspension": "suspensions",
        "permanent_exclusion": "permanent_exclusion",
    }
    results = {
        key: cost_per_outcome(outcome_frame(wide, A.name, outcome), key, name=A.name)
        for key, outcome in measures.items()
    }
    lifted = results["persistent_absence"]
    assert lifted.verdict is Verdict.HIGHER
    assert 0 < lifted.gain < 1  # students lifted per participant
    assert lifted.cost_per_outcome == pytest.approx(lifted.mean_cost / lifted.gain)
    assert results["suspension"].verdict is Verdict.HIGHER
    assert results["suspension"].gain == pytest.approx(0.3, abs=0.12)
    # No planted effect on exclusion: no £ figure.
    assert results["permanent_exclusion"].cost_per_outcome is None


@pytest.mark.promise("P06")
def test_no_effect_means_no_figure(wide):
    result = cost_per_outcome(outcome_frame(wide, B.name, "attendance"), "attendance_point")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.cost_per_outcome is None
    assert result.ci is None
    assert result.gain_ci.low <= 0
    assert result.reason.startswith("not estimable")
    assert result.mean_cost == pytest.approx(300.0, rel=0.1)  # the spend is still shown


def test_too_few_participants(wide):
    frame = outcome_frame(wide, A.name, "attendance")
    few = frame[(frame.treated == 0) | (frame.index.isin(frame[frame.treated == 1].index[:10]))]
    result = cost_per_outcome(few, "attendance_point")
    assert result.verdict is Verdict.TOO_FEW
    assert result.cost_per_outcome is None


def test_correction_withdraws_marginal_figures(wide):
    from dataclasses import replace

    good = cost_per_outcome(outcome_frame(wide, A.name, "attendance"), "attendance_point")
    marginal = replace(good, p_value=0.03)
    nulls = [replace(good, p_value=0.8, cost_per_outcome=None, ci=None) for _ in range(5)]
    corrected = apply_benjamini_hochberg([marginal, *nulls])
    assert corrected[0].cost_per_outcome is None
    assert corrected[0].verdict is Verdict.INCONCLUSIVE
    assert apply_benjamini_hochberg([good])[0].cost_per_outcome == good.cost_per_outcome


def test_fast_bootstrap_matches_a_full_refit():
    """The residualised (Frisch-Waugh-Lovell) bootstrap against re-fitting the whole
    regression on each of the same resamples: the estimates track each other."""
    wide = county(900, [A], seed=4, schools=6)
    prepared = prepare(outcome_frame(wide, A.name, "attendance"), extra=("cost",))
    t, y, x = prepared.treated, prepared.change, prepared.design.matrix
    t_res, y_res = residualise(x, t, y)
    n = len(t)
    sums = resample_sums(np.column_stack([t_res * y_res, t_res**2]), resamples=300, seed=2)
    fast = sums[:, 0] / sums[:, 1]

    # The same draws, replayed: resample_sums draws (chunk, n) integers per chunk.
    rng = np.random.default_rng(2)
    full = []
    for start in range(0, 300, 200):
        size = min(200, 300 - start)
        for rows in rng.integers(0, n, (size, n)):
            design = np.column_stack([t, x])[rows]
            coefficients, *_ = np.linalg.lstsq(design, y[rows], rcond=None)
            full.append(coefficients[0])
    full = np.array(full)
    assert np.corrcoef(fast, full)[0, 1] > 0.9
    assert np.std(fast) == pytest.approx(np.std(full), rel=0.15)
    assert np.mean(fast) == pytest.approx(np.mean(full), abs=0.05)


def test_shared_resamples_give_the_same_answer_as_one_at_a_time(wide):
    requests = [
        CostRequest(outcome_frame(wide, A.name, "attendance"), "attendance_point", A.name),
        CostRequest(outcome_frame(wide, A.name, "suspensions"), "suspension", A.name),
    ]
    together = costs_per_outcome(requests, seed=3)
    alone = cost_per_outcome(requests[0].frame, "attendance_point", name=A.name, seed=3)
    assert together[0].cost_per_outcome == alone.cost_per_outcome
    # The draws index the union of both samples (the overlap trimming differs a little
    # between outcomes), so the intervals differ only by bootstrap noise.
    assert together[0].ci.low == pytest.approx(alone.ci.low, rel=0.05)
    assert together[0].ci.high == pytest.approx(alone.ci.high, rel=0.05)
    assert together[1].measure.key == "suspension"


@pytest.mark.parametrize(
    ("cost", "band"),
    [
        (0, "very low"),
        (79.99, "very low"),
        (80, "low"),  # "under £80" is very low, so £80 itself is low
        (200, "low"),
        (200.01, "moderate"),
        (720, "moderate"),
        (1200, "high"),
        (1200.01, "very high"),
    ],
)
def test_eef_cost_bands(cost, band):
    assert eef_cost_band(cost) == band


def test_benchmarks_are_configurable():
    defaults = Benchmarks()
    assert defaults.ap_place_cost(3) == 20_900  # £10,000 place + £10,900 KS3 top-up
    assert defaults.ap_place_cost(4) == 26_000  # £10,000 place + £16,000 KS4 top-up
    cheaper = Benchmarks(ap_place=9_000, eef_bands=(("very low", 50.0), ("low", 100.0)))
    assert cheaper.ap_place_cost(3) == 19_900
    assert eef_cost_band(150, cheaper) == "very high"


def test_student_cost():
    # 12 sessions at £45, 6 hours of staff time at £30, £20 transport: 540 + 180 + 20
    assert student_cost(
        unit_cost=45, sessions=12, staff_hours=6, staff_hourly_rate=30, fixed=20
    ) == pytest.approx(740)
    with pytest.raises(ValueError, match="negative"):
        student_cost(unit_cost=-1, sessions=1)
