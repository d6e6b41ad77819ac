"""Supports shared between requests (``estimate.Shared``, ADR 0053): reused only when
every input of the design, the propensity model and the common support is equal, and
then the very same result, float for float, as a fresh fit."""

import numpy as np
import pytest

from seip.impact.costs import CostRequest, costs_per_outcome
from seip.impact.estimate import Prepared, Shared, estimate_effect, prepare
from seip.impact.synthetic import Planted, county, outcome_frame

A = Planted("Mentoring", 0.15, attendance=4.0, confounding=1.0)


@pytest.fixture(scope="module")
def frame():
    return outcome_frame(county(800, [A], seed=3, schools=6), A.name, "attendance")


def _same(a: Prepared | None, b: Prepared | None) -> None:
    assert a is not None
    assert b is not None
    assert a.design.matrix.tobytes() == b.design.matrix.tobytes()
    assert a.design.terms == b.design.terms
    assert a.design.references == b.design.references
    assert a.design.level_counts == b.design.level_counts
    assert a.propensity.tobytes() == b.propensity.tobytes()
    assert a.treated.tobytes() == b.treated.tobytes()
    assert a.change.tobytes() == b.change.tobytes()
    assert a.overlap == b.overlap
    assert list(a.frame.index) == list(b.frame.index)


def test_another_follow_up_on_the_same_rows_reuses_the_support(frame):
    shared = Shared()
    first = prepare(frame, shared=shared)
    other = frame.copy()
    other["followup"] = other["followup"] + 1.0  # another outcome, same covariates
    again = prepare(other, extra=("cost",), shared=shared)
    assert shared.reused == 1
    _same(first, prepare(frame))
    _same(again, prepare(other, extra=("cost",)))
    # The change is the caller's own, not the first request's.
    assert again is not None
    assert first is not None
    assert np.array_equal(again.change, first.change + 1.0)
    assert "cost" in again.frame
    assert "cost" not in first.frame


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.assign(baseline=f["baseline"].where(f.index != f.index[0], -1.0)),
        lambda f: f.assign(baseline_attainment=f["baseline_attainment"] + 1e-12),
        lambda f: f.assign(treated=f["treated"].where(f.index != f.index[-1], 1.0)),
        lambda f: f.assign(school=f["school"].where(f.index != f.index[0], "Another school")),
        lambda f: f.iloc[::-1],  # the same rows in another order
        lambda f: f.iloc[1:],  # one row fewer
    ],
    ids=["baseline", "a covariate by 1e-12", "treatment", "a category", "order", "rows"],
)
def test_any_other_input_is_fitted_afresh(frame, change):
    shared = Shared()
    prepare(frame, shared=shared)
    other = change(frame)
    reused = prepare(other, shared=shared)
    assert shared.reused == 0
    _same(reused, prepare(other))


def test_categories_that_are_not_all_strings_are_never_shared(frame):
    """2 and 2.0 are equal values with different labels: a key of values would say
    they match and hand one frame the other's levels. Such a frame is not shared."""
    ints = frame.assign(year_group=[2 + (i % 3) for i in range(len(frame))])
    floats = ints.assign(year_group=ints["year_group"].astype(float))
    assert Shared.key(ints) is None
    assert Shared.key(floats) is None
    shared = Shared()
    a, b = prepare(ints, shared=shared), prepare(floats, shared=shared)
    assert shared.reused == 0
    assert a is not None
    assert b is not None
    assert {level for name, level in a.design.terms if name == "year_group"} != {
        level for name, level in b.design.terms if name == "year_group"
    }
    _same(a, prepare(ints))
    _same(b, prepare(floats))


def test_a_shared_support_cannot_be_changed_by_one_of_its_users(frame):
    shared = Shared()
    prepared = prepare(frame, shared=shared)
    assert prepared is not None
    with pytest.raises(ValueError, match="read-only"):
        prepared.design.matrix[0, 0] = 2.0


def test_effects_and_costs_are_the_same_with_a_shared_support(frame):
    shared = Shared()
    with_shared = estimate_effect(frame, "attendance", name=A.name, shared=shared)
    costs_shared = costs_per_outcome(
        [
            CostRequest(frame, "attendance_point", A.name),
            CostRequest(frame, "persistent_absence", A.name),
        ],
        shared=shared,
    )
    assert shared.reused == 1  # the cost per attendance point; persistent absence differs
    assert with_shared == estimate_effect(frame, "attendance", name=A.name)
    assert costs_shared == costs_per_outcome(
        [
            CostRequest(frame, "attendance_point", A.name),
            CostRequest(frame, "persistent_absence", A.name),
        ]
    )
