"""What helps: the effect of an intervention type, provider or placement type (P05).

The estimand is the average effect on the students who took part (ATT): "what did
taking part change for them, compared with similar students of the partnership who did
not take part". Two estimators, as ``shared/domain/disclosure-and-impact.md`` recommends:

1. **Regression adjustment** (the reported estimate): OLS of the *change* (follow-up
   minus baseline) on treatment plus the baseline covariates, the outcome's own
   baseline among them. With the baseline on the right-hand side, regressing the change
   or the follow-up gives the *same* treatment coefficient (ANCOVA); we model the change
   because that is what a reader calls progress. What matters is that the baseline is
   adjusted for: a plain before/after change or a change-score difference is biased
   when the students referred were the weakest at baseline (regression to the mean),
   which is exactly the case here. Heteroscedasticity-robust (HC3) standard errors
   with t intervals, because groups are small and outcomes like attendance are bounded.
2. **Doubly robust cross-check** (AIPW for the ATT): a logistic propensity model and an
   outcome model for the comparison group; consistent if either model is right. Its
   estimate and interval are reported beside the regression's, not instead of it.

Before either, students outside common support of the propensity score (no comparable
student in the other group) are dropped ("drop anyone who cannot be matched"), and the
overlap and the covariate balance before and after weighting are reported.

Honesty rules (issue 9): fewer than ``min_participants`` participants is "too few to
say" and no figure is given; an interval that includes zero is "inconclusive";
Benjamini-Hochberg across everything shown (``apply_benjamini_hochberg``); the wording
is "associated with", never "caused".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from .blas import single_threaded
from .design import (
    CATEGORICAL_COVARIATES,
    NUMERIC_COVARIATES,
    REQUIRED,
    Array,
    Design,
    Outcome,
    column,
    design_of,
    encode,
    logistic_propensity,
    ols_hc3,
    outcome_of,
    too_few_events,
)

Z_95 = 1.959963984540054
MIN_PARTICIPANTS = 30
# Propensity scores are clipped here before weighting: a comparison student's ATT
# weight e/(1-e) is then at most 99, so one student cannot carry the estimate.
PROPENSITY_CLIP = 0.99
BALANCE_THRESHOLD = 0.1  # |standardised mean difference| under 0.1 is "balanced" (Austin)


class Verdict(StrEnum):
    TOO_FEW = "too few to say"
    INCONCLUSIVE = "inconclusive"
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    @property
    def spans_zero(self) -> bool:
        return self.low <= 0 <= self.high

    def scaled(self, factor: float) -> Interval:
        a, b = self.low * factor, self.high * factor
        return Interval(min(a, b), max(a, b))


@dataclass(frozen=True)
class Overlap:
    """Propensity ranges and the common support kept (min-max rule)."""

    treated_range: tuple[float, float]
    comparison_range: tuple[float, float]
    support: tuple[float, float]
    treated_in_support: float  # share of participants kept
    comparison_in_support: float
    dropped_treated: int
    dropped_comparison: int


@dataclass(frozen=True)
class Balance:
    """Standardised mean difference of one covariate, before and after ATT weighting."""

    covariate: str
    before: float
    after: float

    @property
    def balanced(self) -> bool:
        return abs(self.after) < BALANCE_THRESHOLD


@dataclass(frozen=True)
class HedgesG:
    g: float
    ci: Interval
    correction: float  # J
    pooled_sd: float


@dataclass(frozen=True)
class Effect:
    """One intervention x outcome result, with everything a reader needs to judge it."""

    name: str
    outcome: Outcome
    n_treated: int
    n_comparison: int
    min_participants: int
    verdict: Verdict
    label: str
    reason: str
    estimate: float | None = None
    ci: Interval | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    comparisons: int = 1  # size of the Benjamini-Hochberg family
    g: float | None = None
    g_ci: Interval | None = None
    eef_months: int | None = None
    doubly_robust: float | None = None
    doubly_robust_ci: Interval | None = None
    naive_before_after: float | None = None
    naive_difference: float | None = None
    pooled_sd: float | None = None
    overlap: Overlap | None = None
    balance: tuple[Balance, ...] = ()

    @property
    def estimated(self) -> bool:
        return self.estimate is not None

    @property
    def estimates_agree(self) -> bool | None:
        """Does each estimate fall inside the other's interval? ``None`` if not estimated."""
        if self.estimate is None or self.doubly_robust is None:
            return None
        if self.ci is None or self.doubly_robust_ci is None:
            return None
        return (
            self.doubly_robust_ci.low <= self.estimate <= self.doubly_robust_ci.high
            and self.ci.low <= self.doubly_robust <= self.ci.high
        )

    @property
    def balanced(self) -> bool:
        return all(b.balanced for b in self.balance)

    @property
    def better(self) -> bool | None:
        """Whether the association is in the student's favour (``None`` unless conclusive)."""
        if self.verdict not in (Verdict.HIGHER, Verdict.LOWER):
            return None
        return (self.verdict is Verdict.HIGHER) == self.outcome.higher_is_better


# --- effect sizes -----------------------------------------------------------------


def hedges_correction(n1: int, n2: int) -> float:
    """J = 1 - 3 / (4(n1 + n2 - 2) - 1), the small-sample correction of Cohen's d."""
    return 1.0 - 3.0 / (4.0 * (n1 + n2 - 2) - 1.0)


def pooled_sd(sd1: float, sd2: float, n1: int, n2: int) -> float:
    return math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))


def hedges_g(mean_difference: float, sd1: float, sd2: float, n1: int, n2: int) -> HedgesG:
    """Hedges' g for two independent groups, with a 95% interval.

    g = J · d with d = difference / pooled SD; Var(d) = (n1+n2)/(n1·n2) + d²/(2(n1+n2))
    and Var(g) = J² · Var(d) (Borenstein et al., *Introduction to Meta-Analysis*, 4.2).
    """
    if n1 < 2 or n2 < 2:
        raise ValueError("Hedges' g needs at least two students in each group")
    sp = pooled_sd(sd1, sd2, n1, n2)
    if sp <= 0:
        raise ValueError("Hedges' g is undefined when the outcome does not vary")
    j = hedges_correction(n1, n2)
    d = mean_difference / sp
    se = j * math.sqrt((n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2)))
    g = j * d
    return HedgesG(g, Interval(g - Z_95 * se, g + Z_95 * se), j, sp)


# Upper ends of the EEF bands (effect size rounded to two decimals), months 0 to 11;
# anything above 0.95 is 12 months.
_EEF_UPPER = (0.01, 0.09, 0.18, 0.26, 0.35, 0.44, 0.52, 0.61, 0.69, 0.78, 0.87, 0.95)


def eef_months(g: float) -> int:
    """Months' progress for an attainment effect size (EEF conversion table).

    The table's bands are written to two decimals (0.02-0.09 is 1 month), so g is first
    rounded half-up to two decimals, through its decimal text so that 0.095 rounds to
    0.10 and not, by binary representation, to 0.09. Negative sizes map symmetrically.
    """
    if not math.isfinite(g):
        raise ValueError("effect size must be finite")
    rounded = float(Decimal(repr(abs(g))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    months = next((m for m, upper in enumerate(_EEF_UPPER) if rounded <= upper), 12)
    return -months if g < 0 else months


# --- multiple comparisons ---------------------------------------------------------


def benjamini_hochberg(
    p_values: Sequence[float], q: float = 0.05
) -> tuple[list[float], list[bool]]:
    """Benjamini-Hochberg adjusted p-values and which are discoveries at FDR ``q``.

    The adjusted p of the i-th smallest of m is min over j ≥ i of p(j)·m/j (capped at
    1); a result is a discovery when its adjusted p ≤ q, the step-up rule.
    """
    if not p_values:
        return [], []
    adjusted = [float(a) for a in stats.false_discovery_control(np.asarray(p_values), method="bh")]
    return adjusted, [a <= q for a in adjusted]


def apply_benjamini_hochberg(effects: Sequence[Effect], q: float = 0.05) -> list[Effect]:
    """Relabel every result shown together, correcting for the number of them.

    The family is every estimated effect (all intervention types, providers,
    placement types and outcomes on the page or in the report); "too few to say"
    results have no p-value and are not in it. A result that was conclusive on its own
    but is not a discovery after correction becomes "inconclusive".
    """
    estimated = [e for e in effects if e.p_value is not None]
    adjusted, discoveries = benjamini_hochberg([e.p_value for e in estimated if e.p_value], q)
    by_id = {id(e): (a, d) for e, a, d in zip(estimated, adjusted, discoveries, strict=True)}
    result: list[Effect] = []
    m = len(estimated)
    for effect in effects:
        if id(effect) not in by_id:
            result.append(effect)
            continue
        p_adjusted, discovery = by_id[id(effect)]
        effect = replace(effect, p_adjusted=p_adjusted, comparisons=m)
        if effect.verdict in (Verdict.HIGHER, Verdict.LOWER) and not discovery:
            effect = replace(
                effect,
                verdict=Verdict.INCONCLUSIVE,
                label=Verdict.INCONCLUSIVE.value,
                reason=(
                    f"not significant once corrected for {m} comparisons "
                    f"(Benjamini-Hochberg, adjusted p = {p_adjusted:.3f})"
                ),
            )
        result.append(effect)
    return result


# --- the estimate -----------------------------------------------------------------


def _balance(design: Design, treated: Array, weights: Array) -> tuple[Balance, ...]:
    """Standardised mean difference of every covariate, unweighted and with ATT weights
    on the comparison, all columns at once.

    Both use the unweighted pooled SD as denominator, so they are comparable (Austin
    2011). Not published (ADR 0055): the column-wise sums may differ from a loop's in the
    last bits."""
    x = design.matrix[:, 1:]
    t = treated == 1
    spread = np.sqrt((x[t].var(axis=0, ddof=1) + x[~t].var(axis=0, ddof=1)) / 2)
    treated_mean = x[t].mean(axis=0)
    before = (treated_mean - x[~t].mean(axis=0)) / np.where(spread == 0, 1.0, spread)
    after = (treated_mean - np.average(x[~t], axis=0, weights=weights[~t])) / np.where(
        spread == 0, 1.0, spread
    )
    # A covariate with no spread (or none to measure) is balanced by definition.
    level = (spread == 0) | ~np.isfinite(spread)
    before, after = np.where(level, 0.0, before), np.where(level, 0.0, after)
    rows = []
    for (variable, level_name), b, a in zip(
        design.terms, before.tolist(), after.tolist(), strict=True
    ):
        name = variable if level_name is None else f"{variable}: {level_name}"
        rows.append(Balance(name, b, a))
    return tuple(rows)


def _overlap(score: Array, treated: Array) -> tuple[Overlap, npt.NDArray[np.bool_]]:
    t = treated == 1
    tr = (float(score[t].min()), float(score[t].max()))
    cr = (float(score[~t].min()), float(score[~t].max()))
    low, high = max(tr[0], cr[0]), min(tr[1], cr[1])
    keep = (score >= low) & (score <= high)
    overlap = Overlap(
        treated_range=tr,
        comparison_range=cr,
        support=(low, high),
        treated_in_support=float(keep[t].mean()),
        comparison_in_support=float(keep[~t].mean()),
        dropped_treated=int((~keep & t).sum()),
        dropped_comparison=int((~keep & ~t).sum()),
    )
    return overlap, keep


@dataclass(frozen=True)
class Prepared:
    """The analysis sample after dropping missing values and unmatched students."""

    frame: Any
    change: Array
    treated: Array
    design: Design  # covariates incl. the outcome's baseline, intercept first
    propensity: Array
    overlap: Overlap


@dataclass(frozen=True)
class _Support:
    """What ``prepare`` works out from the covariates and the treatment alone: the
    propensity scores, the common support and the design of the rows kept."""

    design: Design
    score: Array
    overlap: Overlap
    keep: npt.NDArray[np.bool_] | None  # None: every row kept


class Shared:
    """Supports worked out once and handed to every request with the same inputs.

    The design, the propensity model and the common support depend on the rows'
    treatment, baseline and covariates, not on the follow-up or the cost: the effect on
    attendance and the cost per attendance point of one group, say, fit the same model
    to the same rows. A support is reused only when every one of those inputs is equal,
    value for value and in the same order (compared whole, not by a hash), so a reused
    support is the very result a fresh fit would give (ADR 0053). One per report
    section: it holds every support it was asked for.
    """

    def __init__(self) -> None:
        self._supports: dict[tuple[Any, ...], _Support | None] = {}
        self.reused = 0

    @staticmethod
    def key(frame: Any) -> tuple[Any, ...] | None:
        """The inputs of a support, exactly; ``None`` when they cannot be compared
        exactly cheaply (a categorical column of anything but strings: 2 and 2.0 are
        equal and label differently)."""
        parts: list[Any] = [len(frame)]
        for name in ("treated", "baseline", *NUMERIC_COVARIATES):
            parts.append(column(frame, name).tobytes())
        for name in CATEGORICAL_COVARIATES:
            values = frame[name]
            if pd.api.types.infer_dtype(values, skipna=False) != "string":
                return None
            parts.append(tuple(values.tolist()))
        return tuple(parts)

    def support(self, frame: Any, treated: Array) -> _Support | None:
        key = self.key(frame)
        if key is None:
            return _support(frame, treated)
        if key in self._supports:
            self.reused += 1
            return self._supports[key]
        found = self._supports[key] = _support(frame, treated)
        return found


def _support(frame: Any, treated: Array) -> _Support | None:
    if treated.sum() < 2 or (1 - treated).sum() < 2:
        return None
    encoded = encode(frame, ("baseline", *NUMERIC_COVARIATES), CATEGORICAL_COVARIATES)
    design = design_of(encoded)
    score = logistic_propensity(design.matrix, treated)
    overlap, keep = _overlap(score, treated)
    if keep.all():
        support = _Support(design, score, overlap, None)
    else:
        # The design of the rows kept, from the covariates already read.
        support = _Support(design_of(encoded.subset(keep)), score[keep], overlap, keep)
    # Shared between requests: read only, so no caller can change another's.
    for array in (support.design.matrix, support.score, support.keep):
        if array is not None:
            array.flags.writeable = False
    return support


def prepare(
    frame: Any, *, extra: Sequence[str] = (), shared: Shared | None = None
) -> Prepared | None:
    """Clean the frame, fit the propensity model and keep the common support.

    Returns ``None`` when either group is empty (nothing to compare). With ``shared``,
    a support already fitted to exactly the same inputs is reused.
    """
    return _prepare(frame.loc[:, [*REQUIRED, *extra]].dropna(), shared)


def _prepare(frame: Any, shared: Shared | None) -> Prepared | None:
    """``prepare`` of a frame already cut to its columns, with no missing value."""
    treated = column(frame, "treated")
    if not np.isin(treated, (0.0, 1.0)).all():
        raise ValueError("treated must be 0 or 1")
    support = shared.support(frame, treated) if shared else _support(frame, treated)
    if support is None:
        return None
    if support.keep is not None:
        frame = frame.loc[support.keep]
        treated = treated[support.keep]
    change = column(frame, "followup") - column(frame, "baseline")
    return Prepared(frame, change, treated, support.design, support.score, support.overlap)


def _doubly_robust(prepared: Prepared) -> tuple[float, Interval]:
    """AIPW estimate of the ATT, normalised weights, influence-function interval.

    τ = mean over participants of (Y - m0(X)) - weighted mean over the comparison of
    (Y - m0(X)) with weights e/(1-e); m0 is OLS on the comparison group.
    """
    y, t, x = prepared.change, prepared.treated, prepared.design.matrix
    c = t == 0
    coefficients, *_ = np.linalg.lstsq(x[c], y[c], rcond=None)
    residual = y - x @ coefficients
    e = np.clip(prepared.propensity, 1 - PROPENSITY_CLIP, PROPENSITY_CLIP)
    w = np.where(c, e / (1 - e), 0.0)
    n = len(y)
    p1 = t.mean()
    treated_part = residual[~c].mean()
    comparison_part = np.average(residual[c], weights=w[c])
    tau = float(treated_part - comparison_part)
    w_mean = w.sum() / n
    influence = t * (residual - treated_part) / p1 - w * (residual - comparison_part) / w_mean
    se = float(np.sqrt(np.sum(influence**2)) / n)
    return tau, Interval(tau - Z_95 * se, tau + Z_95 * se)


def _too_few(name: str, outcome: Outcome, n1: int, n0: int, minimum: int, why: str) -> Effect:
    return Effect(
        name=name,
        outcome=outcome,
        n_treated=n1,
        n_comparison=n0,
        min_participants=minimum,
        verdict=Verdict.TOO_FEW,
        label=Verdict.TOO_FEW.value,
        reason=why,
    )


def verdict_for(estimate: float, ci: Interval, outcome: Outcome) -> tuple[Verdict, str, str]:
    if ci.spans_zero:
        return Verdict.INCONCLUSIVE, "inconclusive", "the 95% interval includes no difference"
    if estimate > 0:
        return Verdict.HIGHER, f"associated with higher {outcome.name}", "interval excludes zero"
    return Verdict.LOWER, f"associated with lower {outcome.name}", "interval excludes zero"


@single_threaded
def estimate_effect(
    frame: Any,
    outcome: str,
    *,
    name: str = "",
    min_participants: int = MIN_PARTICIPANTS,
    shared: Shared | None = None,
) -> Effect:
    """Estimate the association of one intervention with one outcome (P05).

    ``frame`` has one row per student with the columns in ``design.REQUIRED``:
    ``treated`` (1 for the intervention type, provider or placement type assessed,
    0 for students of the partnership who did not receive it), ``baseline`` and
    ``followup`` of ``outcome``, and the covariates. Deterministic: no random numbers.
    The label is for this result alone; pass every result shown together through
    ``apply_benjamini_hochberg``. ``shared``: supports to reuse (see ``Shared``).
    """
    spec = outcome_of(outcome)
    raw = frame.loc[:, list(REQUIRED)].dropna()
    n1 = int((raw["treated"] == 1).sum())
    n0 = len(raw) - n1
    if n1 < min_participants or n0 < min_participants:
        who = "took part" if n1 < min_participants else "are in the comparison group"
        count = n1 if n1 < min_participants else n0
        return _too_few(
            name,
            spec,
            n1,
            n0,
            min_participants,
            f"{count} students {who}; at least {min_participants} are needed",
        )
    prepared = _prepare(raw, shared)
    if prepared is None:  # pragma: no cover - guarded by the counts above
        return _too_few(name, spec, n1, n0, min_participants, "nothing to compare")
    t = prepared.treated
    n1, n0 = int(t.sum()), int(len(t) - t.sum())
    if n1 < min_participants or n0 < min_participants:
        return _too_few(
            name,
            spec,
            n1,
            n0,
            min_participants,
            f"{n1} participants have comparable non-participants; "
            f"at least {min_participants} are needed",
        )

    if spec.binary:
        why = too_few_events(column(prepared.frame, "followup"), t)
        if why is not None:
            return _too_few(name, spec, n1, n0, min_participants, why)

    y = prepared.change
    x = np.column_stack([t, prepared.design.matrix])
    fit = ols_hc3(x, y)
    estimate = float(fit.params[0])
    low, high = (float(v) for v in fit.conf_int(alpha=0.05)[0])
    ci = Interval(low, high)
    p_value = float(fit.pvalues[0])

    followup = column(prepared.frame, "followup")
    sp = pooled_sd(float(followup[t == 1].std(ddof=1)), float(followup[t == 0].std(ddof=1)), n1, n0)
    g: float | None = None
    g_ci: Interval | None = None
    months: int | None = None
    if sp > 0:
        # The covariate-adjusted difference over the follow-up's pooled SD; its interval
        # is the regression's, scaled the same way, so g's interval and the label agree.
        j = hedges_correction(n1, n0)
        g = j * estimate / sp
        g_ci = ci.scaled(j / sp)
        if spec.attainment:
            months = eef_months(g)

    e = np.clip(prepared.propensity, 1 - PROPENSITY_CLIP, PROPENSITY_CLIP)
    weights = np.where(t == 1, 1.0, e / (1 - e))
    dr, dr_ci = _doubly_robust(prepared)
    verdict, label, reason = verdict_for(estimate, ci, spec)
    return Effect(
        name=name,
        outcome=spec,
        n_treated=n1,
        n_comparison=n0,
        min_participants=min_participants,
        verdict=verdict,
        label=label,
        reason=reason,
        estimate=estimate,
        ci=ci,
        p_value=p_value,
        g=g,
        g_ci=g_ci,
        eef_months=months,
        doubly_robust=dr,
        doubly_robust_ci=dr_ci,
        naive_before_after=float(y[t == 1].mean()),
        naive_difference=float(y[t == 1].mean() - y[t == 0].mean()),
        pooled_sd=sp,
        overlap=prepared.overlap,
        balance=_balance(prepared.design, t, weights),
    )
