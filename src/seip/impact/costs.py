"""Value for money: cost per outcome with bootstrap intervals, and benchmarks (P06).

Cost per outcome = mean full cost per participant ÷ the effect per participant (the
ATT, in the outcome's units, signed so that a gain is positive): £ per percentage
point of attendance gained, £ per student lifted out of persistent absence, £ per
suspension avoided, £ per permanent exclusion avoided.

**Bootstrap.** 1,000 resamples (seeded) of students, shared by every intervention and
measure of a report (``costs_per_outcome``). Each resample re-estimates the
effect by the fast regression path: outcome and treatment are residualised on the
covariates once (Frisch-Waugh-Lovell), and each resample's effect is
Σ t̃ỹ / Σ t̃² over its students, with the mean cost over its participants. Because the
residualised treatment is orthogonal to the covariates, the covariate coefficients'
own sampling error does not move the treatment coefficient to first order (Neyman
orthogonality), so this matches a full re-fit per resample to first order at O(n) per
resample instead of O(n·k²) (``tests/test_costs.py`` checks the two agree). A resample
is a row of draw counts per student, so all the sums for every request are one matrix
product per chunk of resamples.

**When there is no figure.** A cost per outcome only means something when the effect
is a gain: dividing by an effect whose interval includes zero gives figures from
"£ anything" to "infinite" to negative. So: if the effect's bootstrap 95% interval
includes zero (or is a loss) the result is "inconclusive" and no £ figure is given.
Otherwise the interval is the 2.5th and 97.5th percentiles of the resampled ratios,
where a resample with no gain counts as an infinite cost per outcome (it bought
nothing), so the interval is honest about the resamples in the tail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from .blas import single_threaded
from .design import Array, column, outcome_of, residualise, too_few_events
from .estimate import MIN_PARTICIPANTS, Interval, Shared, Verdict, benjamini_hochberg, prepare


@dataclass(frozen=True)
class Benchmarks:
    """Every value-for-money default in one place; a partnership may change any of them.

    Sources in ``shared/domain/disclosure-and-impact.md``: an AP place is funded at
    £10,000 a year plus a top-up (one trust: £10,900 at KS3, £16,000 at KS4); the EEF
    cost bands are per pupil per year. The lifetime cost of exclusion (IPPR £370k) is
    disputed and is offered only as a sensitivity check, never as a headline saving.
    """

    ap_place: float = 10_000.0
    ap_top_up_ks3: float = 10_900.0
    ap_top_up_ks4: float = 16_000.0
    # Upper ends of the EEF bands; "very low" is strictly under the first.
    eef_bands: tuple[tuple[str, float], ...] = (
        ("very low", 80.0),
        ("low", 200.0),
        ("moderate", 720.0),
        ("high", 1_200.0),
    )
    eef_top_band: str = "very high"
    exclusion_lifetime_cost: float = 370_000.0  # sensitivity check only
    persistent_absence_below: float = 90.0  # attendance under 90% is persistent absence
    resamples: int = 1_000
    min_participants: int = MIN_PARTICIPANTS

    def ap_place_cost(self, key_stage: int) -> float:
        """A year's AP place: the place funding plus the key stage's top-up."""
        top_up = self.ap_top_up_ks4 if key_stage >= 4 else self.ap_top_up_ks3
        return self.ap_place + top_up


def eef_cost_band(cost_per_pupil: float, benchmarks: Benchmarks | None = None) -> str:
    """The EEF cost band of a per-pupil, per-year cost."""
    bands = (benchmarks or Benchmarks()).eef_bands
    first_name, first_upper = bands[0]
    if cost_per_pupil < first_upper:
        return first_name
    for name, upper in bands[1:]:
        if cost_per_pupil <= upper:
            return name
    return (benchmarks or Benchmarks()).eef_top_band


def student_cost(
    *,
    unit_cost: float,
    sessions: float,
    staff_hours: float = 0.0,
    staff_hourly_rate: float = 0.0,
    fixed: float = 0.0,
) -> float:
    """Full cost of one student's intervention: unit cost x sessions, plus staff time
    (which a provider's invoice leaves out but the partnership pays for), plus any
    fixed cost such as transport."""
    if min(unit_cost, sessions, staff_hours, staff_hourly_rate, fixed) < 0:
        raise ValueError("costs, sessions and hours cannot be negative")
    return unit_cost * sessions + staff_hours * staff_hourly_rate + fixed


@dataclass(frozen=True)
class Measure:
    key: str
    per: str  # what one unit of outcome bought is called
    outcome: str  # the outcome frame it is computed from
    gain_sign: float  # +1: a rise is the gain; -1: a fall is (a suspension avoided)
    persistent_absence: bool = False  # turn attendance into "persistently absent" 0/1


MEASURES: Mapping[str, Measure] = {
    m.key: m
    for m in (
        Measure("attendance_point", "percentage point of attendance gained", "attendance", 1.0),
        Measure(
            "persistent_absence",
            "student lifted out of persistent absence",
            "attendance",
            -1.0,
            persistent_absence=True,
        ),
        Measure("suspension", "suspension avoided", "suspensions", -1.0),
        Measure("permanent_exclusion", "permanent exclusion avoided", "permanent_exclusion", -1.0),
    )
}


@dataclass(frozen=True)
class CostPerOutcome:
    name: str
    measure: Measure
    n_treated: int
    n_comparison: int
    verdict: Verdict  # TOO_FEW, INCONCLUSIVE, or HIGHER (a gain was bought)
    reason: str
    mean_cost: float | None = None  # per participant
    total_cost: float | None = None
    eef_band: str | None = None
    gain: float | None = None  # per participant, in the measure's units
    gain_ci: Interval | None = None
    cost_per_outcome: float | None = None
    ci: Interval | None = None  # high may be inf: some resamples bought nothing
    resamples: int = 0
    p_value: float | None = None  # bootstrap, two-sided: is the gain different from zero?
    p_adjusted: float | None = None
    benchmarks: Benchmarks = field(default_factory=Benchmarks)

    @property
    def estimable(self) -> bool:
        return self.cost_per_outcome is not None


def _percentiles(values: Array) -> Interval:
    # No interpolation: a percentile is one of the resampled values, so an infinite
    # ratio in the tail gives an infinite bound rather than inf·0 = nan.
    low, high = np.percentile(values, [2.5, 97.5], method="inverted_cdf")
    return Interval(float(low), float(high))


def resample_sums(values: Array, *, resamples: int, seed: int, chunk: int = 200) -> Array:
    """Column sums of ``values`` (one row per student) over bootstrap resamples.

    Each resample draws as many students as there are rows, with replacement, and is
    held as a row of counts (how often each student was drawn), so the sums of every
    column are one matrix product: no per-resample gathers. Returns resamples x columns.
    """
    rng = np.random.default_rng(seed)
    n = len(values)
    sums = np.empty((resamples, values.shape[1]))
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        draws = rng.integers(0, n, (size, n)) + (np.arange(size) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)
        sums[start : start + size] = counts.astype(np.float64) @ values
    return sums


@dataclass(frozen=True)
class CostRequest:
    """One cost per outcome to work out: an outcome frame, a measure and a name."""

    frame: Any
    measure: str
    name: str = ""


@dataclass(frozen=True)
class _Ready:
    """A request that passed the checks: its result so far and its bootstrap columns."""

    result: CostPerOutcome
    keys: npt.NDArray[Any]  # the students in the analysis sample (the frame's index)
    values: Array  # per student: t~y~, t~^2, cost if a participant, 1 if a participant


def _ready(
    request: CostRequest, bench: Benchmarks, shared: Shared | None = None
) -> CostPerOutcome | _Ready:
    spec = MEASURES[request.measure]
    outcome_of(spec.outcome)  # fail early on a misconfigured measure
    name = request.name
    frame = request.frame.copy()
    if not frame.index.is_unique:
        raise ValueError("an outcome frame needs one row per student (a unique index)")
    if spec.persistent_absence:
        for column_name in ("baseline", "followup"):
            frame[column_name] = (frame[column_name] < bench.persistent_absence_below).astype(float)
    n1 = int((frame["treated"] == 1).sum())
    n0 = len(frame) - n1
    minimum = bench.min_participants
    if min(n1, n0) < minimum:
        why = f"{min(n1, n0)} students in the smaller group; at least {minimum} are needed"
        return CostPerOutcome(name, spec, n1, n0, Verdict.TOO_FEW, why, benchmarks=bench)
    prepared = prepare(frame, extra=("cost",), shared=shared)
    if prepared is None:  # pragma: no cover - guarded by the counts above
        return CostPerOutcome(name, spec, n1, n0, Verdict.TOO_FEW, "nothing to compare")
    t = prepared.treated
    n1, n0 = int(t.sum()), int(len(t) - t.sum())
    if min(n1, n0) < minimum:
        why = (
            f"{min(n1, n0)} comparable students in the smaller group; at least {minimum} are needed"
        )
        return CostPerOutcome(name, spec, n1, n0, Verdict.TOO_FEW, why, benchmarks=bench)
    if spec.persistent_absence or outcome_of(spec.outcome).binary:
        why_not = too_few_events(column(prepared.frame, "followup"), t)
        if why_not is not None:
            return CostPerOutcome(name, spec, n1, n0, Verdict.TOO_FEW, why_not, benchmarks=bench)
    cost = column(prepared.frame, "cost")
    t_res, y_res = residualise(prepared.design.matrix, t, prepared.change)
    mean_cost = float(cost[t == 1].mean())
    result = CostPerOutcome(
        name,
        spec,
        n1,
        n0,
        Verdict.INCONCLUSIVE,
        "",
        mean_cost=mean_cost,
        total_cost=float(cost[t == 1].sum()),
        eef_band=eef_cost_band(mean_cost, bench),
        gain=spec.gain_sign * float(t_res @ y_res / (t_res @ t_res)),
        resamples=bench.resamples,
        benchmarks=bench,
    )
    values = np.column_stack([t_res * y_res, t_res * t_res, cost * t, t])
    return _Ready(result, np.asarray(prepared.frame.index), values)


def _finish(ready: _Ready, sums: Array) -> CostPerOutcome:
    result = ready.result
    spec = result.measure
    gains = spec.gain_sign * sums[:, 0] / sums[:, 1]
    costs = sums[:, 2] / np.maximum(sums[:, 3], 1.0)
    gain_ci = _percentiles(gains)
    # Two-sided bootstrap p-value, (count + 1) / (B + 1) so it is never exactly zero.
    tail = min(int((gains <= 0).sum()), int((gains >= 0).sum()))
    p_value = min(1.0, 2 * (tail + 1) / (len(gains) + 1))
    result = replace(result, gain_ci=gain_ci, p_value=p_value)
    if gain_ci.low <= 0 or result.gain is None or result.mean_cost is None:
        why = (
            "the effect's 95% interval includes no gain"
            if gain_ci.high > 0
            else "no gain: the outcome moved the wrong way"
        )
        return replace(result, reason=f"not estimable: {why}, so there is no cost per {spec.per}")
    ratios = np.where(gains > 0, costs / np.where(gains > 0, gains, 1.0), math.inf)
    return replace(
        result,
        verdict=Verdict.HIGHER,
        reason="the effect's 95% interval is a gain",
        cost_per_outcome=result.mean_cost / result.gain,
        ci=_percentiles(ratios),
    )


@single_threaded
def costs_per_outcome(
    requests: Sequence[CostRequest],
    *,
    benchmarks: Benchmarks | None = None,
    seed: int = 0,
    shared: Shared | None = None,
) -> list[CostPerOutcome]:
    """£ per unit of each request's measure, with bootstrap intervals (P06).

    Each frame is the outcome frame of ``estimate_effect`` for
    ``MEASURES[measure].outcome`` plus ``cost`` (each participant's full cost,
    ``student_cost``; 0 for the comparison), indexed by student. Every request shares
    the same resamples of students, matched by that index: one draw of counts serves
    every intervention and measure (each interval is still an ordinary bootstrap
    interval, and comparisons between interventions see the same resampled county).
    ``shared``: supports to reuse, the effects' among them (see ``estimate.Shared``).
    """
    bench = benchmarks or Benchmarks()
    prepared = [_ready(r, bench, shared) for r in requests]
    ready = [p for p in prepared if isinstance(p, _Ready)]
    if not ready:
        return [p for p in prepared if isinstance(p, CostPerOutcome)]
    students = np.unique(np.concatenate([r.keys for r in ready]))
    values = np.zeros((len(students), 4 * len(ready)))
    for i, r in enumerate(ready):
        values[np.searchsorted(students, r.keys), 4 * i : 4 * i + 4] = r.values
    sums = resample_sums(values, resamples=bench.resamples, seed=seed)
    finished = iter(_finish(r, sums[:, 4 * i : 4 * i + 4]) for i, r in enumerate(ready))
    return [next(finished) if isinstance(p, _Ready) else p for p in prepared]


def cost_per_outcome(
    frame: Any,
    measure: str,
    *,
    name: str = "",
    benchmarks: Benchmarks | None = None,
    seed: int = 0,
) -> CostPerOutcome:
    """One cost per outcome (see ``costs_per_outcome``, which does many at once)."""
    return costs_per_outcome([CostRequest(frame, measure, name)], benchmarks=benchmarks, seed=seed)[
        0
    ]


def apply_benjamini_hochberg(
    costs: Sequence[CostPerOutcome], q: float = 0.05
) -> list[CostPerOutcome]:
    """Withdraw the £ figure of any cost per outcome whose gain is not a discovery once
    every figure shown together is corrected (Benjamini-Hochberg on bootstrap p-values)."""
    tested = [c for c in costs if c.p_value is not None]
    adjusted, discoveries = benjamini_hochberg([c.p_value or 0.0 for c in tested], q)
    by_id = {id(c): (a, d) for c, a, d in zip(tested, adjusted, discoveries, strict=True)}
    result: list[CostPerOutcome] = []
    for item in costs:
        if id(item) not in by_id:
            result.append(item)
            continue
        p_adjusted, discovery = by_id[id(item)]
        item = replace(item, p_adjusted=p_adjusted)
        if item.estimable and not discovery:
            item = replace(
                item,
                verdict=Verdict.INCONCLUSIVE,
                cost_per_outcome=None,
                ci=None,
                reason=(
                    f"not estimable: the gain is not significant once corrected for "
                    f"{len(tested)} comparisons (Benjamini-Hochberg, adjusted p = "
                    f"{p_adjusted:.3f})"
                ),
            )
        result.append(item)
    return result
