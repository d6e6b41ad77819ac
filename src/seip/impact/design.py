"""Design matrices, outcomes and the two small model fits the impact engine shares.

Pure numpy on arrays taken from a pandas frame: no database, so the tests and the
benchmark run the same code the reports will. The frame the lead builds from the
database has one row per student per outcome window (see ``REQUIRED``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

Array = npt.NDArray[np.float64]

# Covariates the comparison is matched on (issue 9): baseline attendance and
# attainment, year group, SEN, disadvantage and school.
NUMERIC_COVARIATES = ("baseline_attendance", "baseline_attainment", "disadvantaged")
CATEGORICAL_COVARIATES = ("year_group", "sen", "school")
REQUIRED = ("treated", "baseline", "followup", *NUMERIC_COVARIATES, *CATEGORICAL_COVARIATES)

# The reference level a categorical covariate is compared with when it is present;
# otherwise its most common level (stable, and the largest group gives the tightest
# comparison).
REFERENCE_LEVELS: Mapping[str, str] = {"sen": "none", "tier": "universal"}
MIN_LEVEL = 5  # smaller categories are folded into the reference (see build_design)


@dataclass(frozen=True)
class Outcome:
    """One outcome measure: its unit, and which direction is better for the student."""

    key: str
    name: str
    unit: str
    higher_is_better: bool
    attainment: bool = False  # only attainment gets EEF months' progress
    binary: bool = False  # a 0/1 event: needs enough events in each group (MIN_EVENTS)


OUTCOMES: Mapping[str, Outcome] = {
    o.key: o
    for o in (
        Outcome("attendance", "attendance", "percentage points", higher_is_better=True),
        Outcome(
            "behaviour", "behaviour incidents", "incidents per 100 sessions", higher_is_better=False
        ),
        Outcome("suspensions", "suspensions", "suspensions", higher_is_better=False),
        Outcome(
            "permanent_exclusion",
            "permanent exclusion",
            "proportion of students",
            higher_is_better=False,
            binary=True,
        ),
        Outcome("attitude", "attitude rating", "rating points", higher_is_better=True),
        Outcome(
            "attainment",
            "attainment against target",
            "grades against target",
            higher_is_better=True,
            attainment=True,
        ),
    )
}


# A 0/1 outcome with fewer events than this in either group has an interval that is
# too narrow to trust (no participant excluded gives a robust SE of zero for them).
MIN_EVENTS = 5


def too_few_events(followup: Array, treated: Array) -> str | None:
    """Why a 0/1 outcome cannot be assessed, or ``None`` when it can."""
    for group, label in ((1.0, "participants"), (0.0, "comparison students")):
        events = int(followup[treated == group].sum())
        if events < MIN_EVENTS:
            return f"{events} events among {label}; at least {MIN_EVENTS} are needed"
    return None


def outcome_of(key: str) -> Outcome:
    try:
        return OUTCOMES[key]
    except KeyError:
        raise ValueError(f"unknown outcome {key!r}; one of {sorted(OUTCOMES)}") from None


@dataclass(frozen=True)
class Design:
    """Columns of a model matrix (intercept first) and what each column means.

    ``terms`` maps each non-intercept column to ``(variable, level)``: level is ``None``
    for a numeric variable, else the category the indicator marks (compared with
    ``references[variable]``).
    """

    matrix: Array
    terms: tuple[tuple[str, str | None], ...]
    references: Mapping[str, str]
    level_counts: Mapping[tuple[str, str], int]
    merged: tuple[tuple[str, str], ...] = ()  # small levels folded into the reference


def column(frame: Any, name: str) -> Array:
    return np.asarray(frame[name], dtype=np.float64)


def labels(frame: Any, name: str) -> npt.NDArray[np.str_]:
    return np.asarray(frame[name].astype(str), dtype=np.str_)


def reference_level(values: npt.NDArray[np.str_], variable: str) -> str:
    levels, counts = np.unique(values, return_counts=True)
    return _reference(levels.tolist(), counts.tolist(), variable)


def _reference(levels: Sequence[str], counts: Sequence[int], variable: str) -> str:
    preferred = REFERENCE_LEVELS.get(variable)
    if preferred is not None and preferred in levels:
        return preferred
    # Most common; ties broken by the level's name, so the choice is deterministic.
    order = sorted(zip(levels, counts, strict=True), key=lambda lc: (-lc[1], lc[0]))
    return str(order[0][0])


def _levels(frame: Any, name: str) -> tuple[list[str], npt.NDArray[np.intp], list[int]]:
    """``np.unique(labels(frame, name), return_inverse=True, return_counts=True)``: the
    distinct labels in order, each row's position among them, and each label's count.

    Hashed rather than sorted: sorting every row's string was most of the cost of a
    design (ADR 0047). Rows are grouped by their value, and values with the same label
    (``str``) merged, so the levels, their order and the counts are np.unique's."""
    codes, uniques = pd.factorize(frame[name], use_na_sentinel=False)
    if not all(type(u) is str for u in uniques):
        # Values of other types can be equal and print differently (2 and 2.0): group
        # by the label itself, as before.
        values = labels(frame, name)
        found, inverse, counted = np.unique(values, return_inverse=True, return_counts=True)
        return [str(v) for v in found.tolist()], inverse.reshape(-1), counted.tolist()
    names = list(uniques)
    levels = sorted(set(names))
    position = {level: i for i, level in enumerate(levels)}
    inverse = np.array([position[n] for n in names], dtype=np.intp)[codes]
    counts = np.bincount(inverse, minlength=len(levels)).tolist()
    return levels, inverse, counts


@dataclass(frozen=True)
class Encoded:
    """A frame's covariates read once, for designs of it and of subsets of its rows:
    each numeric column's values, and each categorical column's levels (in order) with
    each row's position among them (``_levels``)."""

    rows: int
    numeric: tuple[tuple[str, Array], ...]
    categorical: tuple[tuple[str, list[str], npt.NDArray[np.intp]], ...]

    def subset(self, keep: npt.NDArray[np.bool_]) -> Encoded:
        """The rows where ``keep`` is true, as ``encode`` of those rows would read them:
        the same values, and only the levels still present, in the same order (so a
        design of the subset is the design of the smaller frame, without reading the
        frame again: the common support's design, ADR 0055)."""
        categorical = []
        for name, levels, inverse in self.categorical:
            chosen = inverse[keep]
            present = np.bincount(chosen, minlength=len(levels)) > 0
            position = np.cumsum(present) - 1
            kept = [level for level, here in zip(levels, present.tolist(), strict=True) if here]
            categorical.append((name, kept, position[chosen]))
        numeric = tuple((name, values[keep]) for name, values in self.numeric)
        return Encoded(int(keep.sum()), numeric, tuple(categorical))


def encode(frame: Any, numeric: Sequence[str], categorical: Sequence[str]) -> Encoded:
    return Encoded(
        len(frame),
        tuple((name, column(frame, name)) for name in numeric),
        tuple((name, *_levels(frame, name)[:2]) for name in categorical),
    )


def build_design(frame: Any, numeric: Sequence[str], categorical: Sequence[str]) -> Design:
    """Intercept, numeric columns, then one indicator per non-reference category.

    Columns with no variation in this sample (a school with no students here, a
    covariate that is constant) are left out rather than left to make the matrix
    singular; so is a numeric column identical to an earlier one (the attendance
    outcome's baseline *is* baseline attendance). A category with fewer than
    ``MIN_LEVEL`` students is folded into the reference level: an indicator for one
    student fits that student exactly (leverage 1), which makes the HC3 variance
    infinite, and says nothing anyway.
    """
    return design_of(encode(frame, numeric, categorical))


def design_of(encoded: Encoded) -> Design:
    """``build_design`` of covariates already read (``encode``)."""
    columns: list[Array] = [np.ones(encoded.rows)]
    terms: list[tuple[str, str | None]] = []
    references: dict[str, str] = {}
    level_counts: dict[tuple[str, str], int] = {}
    merged: list[tuple[str, str]] = []
    for name, numbers in encoded.numeric:
        if np.ptp(numbers) == 0 or any(np.array_equal(numbers, c) for c in columns[1:]):
            continue
        columns.append(numbers)
        terms.append((name, None))
    for name, levels, inverse in encoded.categorical:
        counts = np.bincount(inverse, minlength=len(levels)).tolist()
        reference = _reference(levels, counts, name)
        references[name] = reference
        for i, (level, count) in enumerate(zip(levels, counts, strict=True)):
            level_counts[(name, level)] = int(count)
            if level == reference:
                continue
            if count < MIN_LEVEL:
                merged.append((name, level))
                continue
            columns.append((inverse == i).astype(np.float64))
            terms.append((name, level))
    return Design(np.column_stack(columns), tuple(terms), references, level_counts, tuple(merged))


def residualise(matrix: Array, *targets: Array) -> list[Array]:
    """Residuals of each target after least squares on ``matrix`` (Frisch-Waugh-Lovell).

    ``lstsq`` gives the minimum-norm solution, so a rank-deficient matrix still gives
    the right residuals.
    """
    stacked = np.column_stack(targets)
    coefficients, *_ = np.linalg.lstsq(matrix, stacked, rcond=None)
    residuals = stacked - matrix @ coefficients
    return [residuals[:, i] for i in range(len(targets))]


def standardise(matrix: Array) -> Array:
    """Scale the non-intercept columns to unit variance (for a well-conditioned logit)."""
    scale = matrix.std(axis=0)
    scale[0] = 1.0
    scale[scale == 0] = 1.0
    centre = matrix.mean(axis=0)
    centre[0] = 0.0
    return (matrix - centre) / scale


def logistic_propensity(matrix: Array, treated: Array, *, ridge: float = 1.0) -> Array:
    """Fitted probabilities of treatment from a logistic model (Newton-Raphson).

    A small ridge penalty (not on the intercept) keeps the fit finite when a category
    perfectly predicts treatment (a school where everyone got the intervention), which
    an unpenalised logit turns into infinite coefficients; the extreme scores are then
    caught by the overlap check instead of crashing the report.
    """
    x = standardise(matrix)
    k = x.shape[1]
    penalty = np.full(k, ridge)
    penalty[0] = 0.0
    beta = np.zeros(k)
    mean = float(treated.mean())
    beta[0] = np.log(mean / (1 - mean))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        weight = p * (1 - p)
        hessian = (x * weight[:, None]).T @ x + np.diag(penalty)
        gradient = x.T @ (treated - p) - penalty * beta
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    result: Array = 1.0 / (1.0 + np.exp(-(x @ beta)))
    return result


@dataclass(frozen=True)
class Fit:
    """An OLS fit with HC3 (heteroscedasticity-robust) standard errors and t intervals."""

    params: Array
    bse: Array  # HC3 standard errors
    df_resid: float  # observations minus the rank of the design

    def conf_int(self, alpha: float = 0.05) -> Array:
        """Lower and upper bound of each coefficient, one row each (t quantiles)."""
        q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        result: Array = np.column_stack([self.params - q * self.bse, self.params + q * self.bse])
        return result

    @property
    def pvalues(self) -> Array:
        result: Array = 2 * stats.t.sf(np.abs(self.params / self.bse), self.df_resid)
        return result


def ols_hc3(matrix: Array, y: Array) -> Fit:
    """OLS of ``y`` on ``matrix`` with HC3 standard errors: statsmodels'
    ``OLS(y, matrix).fit(cov_type="HC3", use_t=True)``, by the same method and rules, in a
    third of the time.

    The same estimator: the minimum-norm least-squares solution through the SVD (singular
    values under 1e-15 of the largest count as zero, as statsmodels' pseudo-inverse
    does, so a rank-deficient design gives the same coefficients), HC3's
    ``(X⁺)ᵀ diag(e²/(1-h)²) X⁺`` and t intervals on ``n - rank`` degrees of freedom (the
    rank with numpy's ``matrix_rank`` tolerance). What is cheaper is how it is worked
    out: one SVD instead of two, and each leverage ``h`` as the squared norm of a row
    of U rather than statsmodels' three-operand ``einsum`` over ``X (XᵀX)⁻¹ Xᵀ``. The
    sums run in another order, so the last bits differ (about 1e-15 relative); every
    published figure is the same (ADR 0055; ``tests/test_ols.py`` checks both).
    """
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    largest = float(s.max()) if s.size else 0.0
    used = s > 1e-15 * largest
    u, kept, vt = u[:, used], s[used], vt[used]
    pinv = (vt.T / kept) @ u.T  # X⁺ = V S⁻¹ Uᵀ
    params = pinv @ y
    residuals = y - matrix @ params
    leverage = np.einsum("ij,ij->i", u, u)  # diag(U Uᵀ) = diag(X X⁺)
    scale = (residuals / (1 - leverage)) ** 2
    covariance = (pinv * scale) @ pinv.T
    rank = int((s > largest * max(matrix.shape) * np.finfo(np.float64).eps).sum())
    return Fit(params, np.sqrt(np.diag(covariance)), float(len(y) - rank))
