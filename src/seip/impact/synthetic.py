"""A synthetic county with planted effects, for the tests and the benchmark.

Every student has a latent "true" attendance; the baseline and the follow-up are noisy
measurements of it. Interventions are given preferentially to weaker students (lower
*measured* baseline attendance, disadvantaged, with SEN) — the confounding a real
partnership has, because schools refer the students who are struggling. Selection
depends only on things the estimator sees, so an adjusted estimate can recover the
planted effect while the naive before/after change cannot (regression to the mean and
the county-wide trend both leak into it).

Attendance is not clipped at 100: the linear model is then exactly right, so a test
failure means the estimator is wrong, not the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from seip.core.calendar import TERMS

from .design import CATEGORICAL_COVARIATES, NUMERIC_COVARIATES

SEN = ("none", "SEN support", "EHCP")
TIERS = ("universal", "targeted", "specialist")
ATTENDANCE_TREND = -4.0  # the whole county's attendance falls over the year (winter illness)


@dataclass(frozen=True)
class Planted:
    """An intervention and its true effects (in each outcome's own units)."""

    name: str
    share: float  # roughly the share of students who receive it
    attendance: float = 0.0  # percentage points
    attainment: float = 0.0  # grades against target
    behaviour: float = 0.0  # incidents per 100 sessions
    attitude: float = 0.0  # rating points
    suspensions: float = 0.0  # change in the expected number of suspensions
    permanent_exclusion: float = 0.0  # change in the probability of exclusion
    confounding: float = 1.0  # how strongly weaker students are picked (0: at random)
    unit_cost: float = 600.0  # £ per student, on average


def county(
    students: int,
    interventions: Sequence[Planted],
    *,
    seed: int = 0,
    schools: int = 40,
) -> Any:
    """One row per student: covariates, the intervention received ("" for none), cost,
    and ``baseline_<outcome>`` / ``followup_<outcome>`` for every outcome."""
    rng = np.random.default_rng(seed)
    n = students
    school = rng.integers(0, schools, n)
    school_effect = rng.normal(0, 1.5, schools)[school]
    sen = rng.choice(len(SEN), n, p=(0.75, 0.18, 0.07))
    has_sen = (sen > 0).astype(float)
    disadvantaged = (rng.random(n) < 0.3).astype(float)
    looked_after = (rng.random(n) < 0.04).astype(float)
    latent = (
        91
        + school_effect
        - 3 * disadvantaged
        - 2 * has_sen
        - 4 * looked_after
        + rng.normal(0, 4, n)
    )
    baseline_attendance = latent + rng.normal(0, 3, n)

    weakness = -(baseline_attendance - 88) / 4 + 0.5 * disadvantaged + 0.5 * has_sen
    assigned = np.full(n, -1)
    for j, planted in enumerate(interventions):
        free = assigned < 0
        logit = np.log(planted.share / (1 - planted.share)) + planted.confounding * weakness
        chosen = free & (rng.random(n) < 1 / (1 + np.exp(-logit)))
        assigned[chosen] = j

    def effect(field: str) -> Any:
        values = np.array([getattr(p, field) for p in interventions] + [0.0])
        return values[assigned]  # index -1 is the trailing 0.0: no intervention

    costs = np.array([p.unit_cost for p in interventions] + [0.0])[assigned]
    cost = np.where(assigned >= 0, costs * rng.uniform(0.7, 1.3, n), 0.0)

    attainment = -0.5 + 0.1 * (latent - 88) - 0.3 * has_sen + rng.normal(0, 0.8, n)
    behaviour = 3 - 0.2 * (latent - 88) + 0.8 * has_sen + rng.normal(0, 1.5, n)
    attitude = 3 + 0.1 * (latent - 88) + rng.normal(0, 0.6, n)
    suspension_rate = np.exp(-1.5 - 0.1 * (latent - 88) + 0.3 * has_sen)
    exclusion_risk = np.clip(0.02 + 0.004 * (88 - latent), 0.0, 1.0)

    frame = pd.DataFrame(
        {
            "student": np.arange(n),
            "school": [f"S{s:02d}" for s in school],
            "year_group": rng.integers(7, 12, n).astype(str),
            "sen": np.array(SEN)[sen],
            "disadvantaged": disadvantaged,
            "looked_after": looked_after,
            "tier": np.array(TIERS)[rng.choice(3, n, p=(0.5, 0.35, 0.15))],
            "referral_term": np.array(TERMS)[rng.integers(0, 3, n)],
            "intervention": np.array([p.name for p in interventions] + [""])[assigned],
            "cost": cost,
            "baseline_attendance": baseline_attendance,
            "followup_attendance": latent
            + ATTENDANCE_TREND
            + effect("attendance")
            + rng.normal(0, 3, n),
            "baseline_attainment": attainment + rng.normal(0, 0.4, n),
            "followup_attainment": attainment - 0.1 + effect("attainment") + rng.normal(0, 0.4, n),
            "baseline_behaviour": behaviour + rng.normal(0, 1, n),
            "followup_behaviour": behaviour + effect("behaviour") + rng.normal(0, 1, n),
            "baseline_attitude": attitude + rng.normal(0, 0.4, n),
            "followup_attitude": attitude + effect("attitude") + rng.normal(0, 0.4, n),
            "baseline_suspensions": rng.poisson(suspension_rate).astype(float),
            "followup_suspensions": rng.poisson(
                np.maximum(suspension_rate + effect("suspensions"), 0.01)
            ).astype(float),
            "baseline_permanent_exclusion": np.zeros(n),
            "followup_permanent_exclusion": (
                rng.random(n) < np.clip(exclusion_risk + effect("permanent_exclusion"), 0, 1)
            ).astype(float),
        }
    )
    return frame


def outcome_frame(wide: Any, intervention: str, outcome: str, *, others: bool = False) -> Any:
    """The frame ``estimate_effect`` takes, as the lead will build it from the database:
    participants of ``intervention`` against students who received no intervention.

    With ``others`` the comparison also holds students who received a *different*
    intervention; their effects then leak into the comparison (see ADR 0023).
    """
    if not others:
        wide = wide.loc[wide["intervention"].isin(["", intervention])]
    frame = wide.loc[
        :,
        [
            *NUMERIC_COVARIATES,
            *CATEGORICAL_COVARIATES,
            "looked_after",
            "tier",
            "referral_term",
            "cost",
        ],
    ].copy()
    frame["treated"] = (wide["intervention"] == intervention).astype(float)
    frame["baseline"] = wide[f"baseline_{outcome}"]
    frame["followup"] = wide[f"followup_{outcome}"]
    return frame
