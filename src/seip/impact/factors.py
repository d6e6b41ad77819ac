"""What slows progress: circumstances and characteristics associated with progress (P05).

One OLS of progress (follow-up minus baseline) on the baseline, SEN, disadvantage,
looked-after status, school, year group, tier and the term of referral, with HC3
standard errors. Each coefficient is the difference in progress associated with that
characteristic *holding the others fixed*, against the reference level named in the
label (SEN "none", tier "universal", otherwise the most common level). The same
honesty rules as for effects: a group of fewer than ``min_participants`` students is
"too few to say"; an interval spanning zero is "inconclusive"; Benjamini-Hochberg
across all factors shown; "associated with", never "causes".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .blas import single_threaded
from .design import build_design, column, ols_hc3, outcome_of
from .estimate import MIN_PARTICIPANTS, Interval, Verdict, benjamini_hochberg

FACTOR_NUMERIC = ("baseline", "disadvantaged", "looked_after")
FACTOR_CATEGORICAL = ("sen", "school", "year_group", "tier", "referral_term")
BINARY = {"disadvantaged": "being disadvantaged", "looked_after": "being looked after"}
NAMES = {
    "sen": "SEN",
    "school": "school",
    "year_group": "year group",
    "tier": "tier",
    "referral_term": "referred in",
}


@dataclass(frozen=True)
class Factor:
    variable: str
    level: str | None  # the category, or None for a numeric/binary variable
    reference: str | None  # what the category is compared with
    description: str
    n: int  # students with this characteristic (all students for the baseline)
    verdict: Verdict
    label: str
    coefficient: float | None = None
    ci: Interval | None = None
    p_value: float | None = None
    p_adjusted: float | None = None

    @property
    def slower(self) -> bool:
        return self.label.startswith("associated with slower")


def _describe(variable: str, level: str | None, reference: str | None, unit: str) -> str:
    if variable == "baseline":
        return f"a higher starting level (each 1 more, in {unit})"
    if level is None:
        return BINARY.get(variable, variable)
    return f"{NAMES.get(variable, variable)}: {level} (compared with {reference})"


@single_threaded
def progress_factors(
    frame: Any,
    outcome: str = "attendance",
    *,
    min_participants: int = MIN_PARTICIPANTS,
    q: float = 0.05,
) -> list[Factor]:
    """Factors associated with faster or slower progress on ``outcome``.

    ``frame``: one row per student with ``baseline``, ``followup`` and the columns in
    ``FACTOR_NUMERIC`` and ``FACTOR_CATEGORICAL``. "Slower" means worse progress for
    the student: a smaller gain where higher is better, a larger one where lower is
    better (behaviour incidents, suspensions).
    """
    spec = outcome_of(outcome)
    frame = frame.loc[:, ["followup", *FACTOR_NUMERIC, *FACTOR_CATEGORICAL]].dropna()
    n = len(frame)
    design = build_design(frame, FACTOR_NUMERIC, FACTOR_CATEGORICAL)
    progress = column(frame, "followup") - column(frame, "baseline")
    if n <= design.matrix.shape[1] + 1:
        return []
    fit = ols_hc3(design.matrix, progress)
    intervals = fit.conf_int(alpha=0.05)

    factors: list[Factor] = []
    tested: list[int] = []
    for i, (variable, level) in enumerate(design.terms, start=1):
        reference = design.references.get(variable)
        if level is not None:
            count = design.level_counts[(variable, level)]
        elif variable in BINARY:
            count = int(design.matrix[:, i].sum())
        else:
            count = n
        description = _describe(variable, level, reference, spec.unit)
        if level is not None:  # the level and the group it is compared with
            smallest = min(count, design.level_counts[(variable, reference or "")])
        else:
            smallest = min(count, n - count) if variable in BINARY else n
        if smallest < min_participants:
            factors.append(
                Factor(
                    variable,
                    level,
                    reference,
                    description,
                    count,
                    Verdict.TOO_FEW,
                    Verdict.TOO_FEW.value,
                )
            )
            continue
        tested.append(len(factors))
        factors.append(
            Factor(
                variable,
                level,
                reference,
                description,
                count,
                Verdict.INCONCLUSIVE,
                Verdict.INCONCLUSIVE.value,
                coefficient=float(fit.params[i]),
                ci=Interval(float(intervals[i][0]), float(intervals[i][1])),
                p_value=float(fit.pvalues[i]),
            )
        )

    for variable, level in design.merged:
        reference = design.references.get(variable)
        factors.append(
            Factor(
                variable,
                level,
                reference,
                _describe(variable, level, reference, spec.unit),
                design.level_counts[(variable, level)],
                Verdict.TOO_FEW,
                Verdict.TOO_FEW.value,
            )
        )
    adjusted, discoveries = benjamini_hochberg([factors[i].p_value or 0.0 for i in tested], q)
    for index, p_adj, discovery in zip(tested, adjusted, discoveries, strict=True):
        factor = factors[index]
        label = Verdict.INCONCLUSIVE.value
        verdict = Verdict.INCONCLUSIVE
        if discovery and factor.ci is not None and not factor.ci.spans_zero:
            higher = (factor.coefficient or 0.0) > 0
            verdict = Verdict.HIGHER if higher else Verdict.LOWER
            faster = higher == spec.higher_is_better
            label = f"associated with {'faster' if faster else 'slower'} progress"
        factors[index] = Factor(
            factor.variable,
            factor.level,
            factor.reference,
            factor.description,
            factor.n,
            verdict,
            label,
            factor.coefficient,
            factor.ci,
            factor.p_value,
            p_adj,
        )
    return factors


def slower_progress(factors: list[Factor]) -> list[Factor]:
    """The factors associated with slower progress, strongest association first."""
    return sorted((f for f in factors if f.slower), key=lambda f: -abs(f.coefficient or 0.0))
