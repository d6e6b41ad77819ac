"""One plain sentence per result, for governors.

Every sentence says "associated with", never "caused", names the comparison, gives
the range of likely values rather than a bare figure, and says plainly when we cannot
tell. Numbers are rounded for reading; the tables beside them carry the detail.
"""

from __future__ import annotations

from .costs import CostPerOutcome
from .estimate import Effect, Verdict
from .factors import Factor


def _number(value: float, places: int = 1) -> str:
    text = f"{value:,.{places}f}"
    return text.replace("-", "\u2212")  # a real minus sign reads better in print


def _pounds(value: float) -> str:
    return "no upper limit" if value == float("inf") else f"£{value:,.0f}"


def _who(name: str, n: int) -> str:
    return f"{name or 'this intervention'} ({n} students)"


def summarise_effect(effect: Effect) -> str:
    outcome = effect.outcome
    who = _who(effect.name, effect.n_treated)
    if effect.verdict is Verdict.TOO_FEW or effect.estimate is None or effect.ci is None:
        return (
            f"Too few students took part in {effect.name or 'this intervention'} to say "
            f"anything about {outcome.name} ({effect.reason})."
        )
    span = f"{_number(effect.ci.low)} and {_number(effect.ci.high)} {outcome.unit}"
    if effect.verdict is Verdict.INCONCLUSIVE:
        why = (
            "which includes no change"
            if effect.ci.spans_zero
            else f"and the result is {effect.reason.split(' (')[0]}"
        )
        return (
            f"We cannot tell whether {who} made a difference to {outcome.name}: compared "
            f"with similar students who did not take part, the likely change is between "
            f"{span}, {why}."
        )
    direction = "higher" if effect.verdict is Verdict.HIGHER else "lower"
    months = (
        f", about {abs(effect.eef_months)} months' progress"
        if effect.eef_months is not None
        else ""
    )
    judgement = "an improvement" if effect.better else "a worsening"
    return (
        f"{who} was associated with {direction} {outcome.name} than similar students who "
        f"did not take part: about {_number(abs(effect.estimate))} {outcome.unit}"
        f"{months} (likely between {span}), {judgement}."
    )


def summarise_cost(cost: CostPerOutcome) -> str:
    per = cost.measure.per
    name = cost.name or "this intervention"
    if cost.verdict is Verdict.TOO_FEW:
        return f"We cannot work out a cost per {per} for {name}: {cost.reason}."
    if cost.cost_per_outcome is None or cost.ci is None or cost.mean_cost is None:
        return (
            f"{name[0].upper() + name[1:]} cost about "
            f"{_pounds(cost.mean_cost or 0.0)} per student, but we cannot give a cost per "
            f"{per}: {cost.reason.removeprefix('not estimable: ').split(', so there is')[0]}."
        )
    return (
        f"{name} cost about {_pounds(cost.mean_cost)} per student "
        f"({cost.eef_band} on the EEF scale) and was associated with about "
        f"{_pounds(cost.cost_per_outcome)} per {per} (likely between "
        f"{_pounds(cost.ci.low)} and {_pounds(cost.ci.high)})."
    )


def summarise_factor(factor: Factor) -> str:
    subject = factor.description[0].upper() + factor.description[1:]
    if factor.verdict is Verdict.TOO_FEW:
        return f"{subject}: too few students ({factor.n}) to say."
    if factor.ci is None or factor.coefficient is None:
        return f"{subject}: inconclusive."
    span = f"{_number(factor.ci.low)} to {_number(factor.ci.high)}"
    if factor.verdict is Verdict.INCONCLUSIVE:
        return f"{subject}: we cannot tell whether this makes a difference to progress ({span})."
    return f"{subject} is {factor.label} (difference {span})."
