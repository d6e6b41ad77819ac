"""The impact section of the partnership and county reports, and the impact report (P05,
P06, P10).

What it publishes, and how each part meets disclosure control (ADR 0023):

1. **Who took part** (``impact_participants`` and its provider and placement-type
   companions): counts of students per group, and of the comparison group. These are
   cell counts, so they are cut, protected and recorded in the release ledger like any
   other count. An estimate is shown only for a group whose count was *published* and is
   at least the minimum (30 by default); otherwise its row is "too few to say".
2. **Effects** (one forest plot per outcome): rows are intervention types, then
   providers ("Provider: ..."), then placement types ("Placement: ..."), each with its
   estimate and 95% interval, in the outcome's units, and the group's published size in
   "Students". An estimate of a group of 30 or more with its interval is not a cell count
   (no reader can recover one student's value from it) and it is not additive, so it is
   not a ledger table; the group sizes it rests on are. A row with no estimate carries
   ``x`` (not available) in Estimate, Lower and Upper; ``c`` appears only where the
   disclosure engine suppressed the group's count.
3. **Cost per outcome** (one forest plot per measure, in £): the same rule; ``x`` in Upper
   is "no upper limit" (some resamples bought no gain). The AP-place and EEF benchmarks are
   in the note.
4. **What slows progress** (forest plots of the progress model's factors); a factor with
   fewer than the minimum students is ``x``, without its count.
5. **Finance summary**: spend by school (or partnership) and by funding stream through the
   reports' own ``spend`` measure, and the average cost per pupil (a mean of money,
   ``impact_cost_per_pupil``), all released through the ledger.

Wording is always "associated with"; Benjamini-Hochberg runs across every effect shown,
and separately across every cost per outcome shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from seip.accounts.models import User
from seip.disclosure.control import Policy
from seip.disclosure.tables import TOTAL, Cell, CellKind, Symbol, Table
from seip.impact import costs, estimate, factors, summaries
from seip.impact.design import outcome_of
from seip.impact.frames import Dimension, Group, Records, Windows, load, outcome_frame
from seip.impact.frames import progress_frame as progress_frame_of
from seip.reports.document import (
    FOREST_COLUMNS,
    Chart,
    Figure,
    ReportDocument,
    Section,
    Shown,
    Unit,
)
from seip.reports.facts import INTERVENTIONS, StudentFacts, gather
from seip.reports.ledger import LedgerAudit, Population
from seip.reports.measures import Breakdown, Measure, Obs, Observed, cut
from seip.reports.models import Release
from seip.reports.outcomes import (
    Recipient,
    Spec,
    document,
    figure_of,
    period_label,
    place_breakdown,
    policy_for,
    release_figure,
    school_groups,
)
from seip.reports.population import Period, Scope, population_of
from seip.reports.services import release_record

PARTICIPANTS = "impact_participants"
COMPARISON = "No intervention (comparison group)"
EFFECT_OUTCOMES = ("attendance", "behaviour", "attitude", "attainment")
COST_MEASURES = {
    "attendance_point": "attendance",
    "persistent_absence": "attendance",
    "suspension": "suspensions",
    "permanent_exclusion": "permanent_exclusion",
}
FACTOR_OUTCOMES = ("attendance", "behaviour")
STUDENTS = "Students"
#: A row with no estimate ("too few to say", or not estimable): "x", not available.
NO_ESTIMATE = Symbol.NOT_AVAILABLE
PREFIX = {Dimension.TYPE: "", Dimension.PROVIDER: "Provider: ", Dimension.PLACEMENT: "Placement: "}


def _no_observations(_fact: StudentFacts) -> Iterator[Obs]:
    return iter(())


def _cost_per_pupil(fact: StudentFacts) -> Iterator[Obs]:
    if fact.interventions:
        yield Obs(fact, value=sum(cost for *_, cost in fact.interventions))


PARTICIPANT_MEASURES = {
    Dimension.TYPE: Measure(
        PARTICIPANTS, "Students in each intervention type's analysis", CellKind.COUNT,
        Unit.COUNT,
        "Students whose first intervention of the type started in the period and whose "
        "follow-up window has ended; the comparison group had no intervention.",
        _no_observations,
    ),
    Dimension.PROVIDER: Measure(
        f"{PARTICIPANTS}_provider", "Students in each provider's analysis", CellKind.COUNT,
        Unit.COUNT,
        "Students whose first intervention with the provider started in the period and "
        "whose follow-up window has ended.",
        _no_observations,
    ),
    Dimension.PLACEMENT: Measure(
        f"{PARTICIPANTS}_placement", "Students in each placement type's analysis",
        CellKind.COUNT, Unit.COUNT,
        "Students whose first Alternative Provision placement of the type started in the "
        "period and whose follow-up window has ended.",
        _no_observations,
    ),
}  # fmt: skip

COST_PER_PUPIL = Measure(
    "impact_cost_per_pupil",
    "Average cost per pupil",
    CellKind.MEAN,
    Unit.MONEY,
    "Mean full cost (unit costs and staff time) of the interventions started in the period, "
    "per referred student who had at least one.",
    _cost_per_pupil,
)


@dataclass(frozen=True)
class Context:
    """Everything a release needs, and the section's settings."""

    scope: Scope
    period: Period
    recipient: Recipient
    actor: User
    policy: Policy
    windows: Windows
    benchmarks: costs.Benchmarks
    seed: int = 0

    def population(self) -> Population:
        # The windows are part of what the counts mean: releases with other windows are a
        # different population for the ledger.
        return population_of(
            scope=self.scope,
            period=self.period,
            filters={
                "impact_windows": f"{self.windows.baseline_weeks}+{self.windows.followup_weeks}"
            },
        )

    def release(
        self, table: Table, *, population: Population | None = None, groups: bool = False
    ) -> tuple[Release, LedgerAudit]:
        scope = self.scope
        return release_record(
            table=table,
            population=population or self.population(),
            recipient_role=self.recipient.role,
            recipient_organisation=self.recipient.organisation,
            partnership=scope.partnership or (scope.school.partnership if scope.school else None),
            local_authority=scope.local_authority,
            policy=self.policy,
            actor=self.actor,
            school_groups=school_groups(scope) if groups else None,
        )


# --- who took part --------------------------------------------------------------------


def _participants(
    context: Context, records: Records
) -> tuple[list[Figure], dict[tuple[Dimension, str], Shown | None]]:
    """Release the group sizes; return the figures and each group's published size."""
    figures: list[Figure] = []
    published: dict[tuple[Dimension, str], Shown | None] = {}
    for n, dimension in enumerate(Dimension, 1):
        groups = [g for g in records.groups if g.dimension is dimension]
        if dimension is Dimension.TYPE:
            counts = dict.fromkeys(INTERVENTIONS, 0)
            keys = {g.label: g for g in groups}
            counts.update({g.label: len(g.starts) for g in groups})
            counts[COMPARISON] = len(records.comparison)
            labels = {c: c for c in counts}
        else:
            if not groups:
                continue
            counts = {g.key: len(g.starts) for g in groups}
            keys = {g.key: g for g in groups}
            labels = {g.key: g.label for g in groups}
        measure = PARTICIPANT_MEASURES[dimension]
        breakdown = Breakdown(
            {Dimension.TYPE: "intervention", Dimension.PROVIDER: "provider"}.get(
                dimension, "placement"
            ),
            dimension.value.capitalize(),
            tuple(counts),
            labels,
        )
        table = Table(
            measure.name,
            CellKind.COUNT,
            (breakdown.name,),
            breakdown.categories,
            (),
            {(c, TOTAL): Cell(float(v)) for c, v in counts.items()},
        )
        release, audit = context.release(table)
        figure = figure_of(
            measure, breakdown, None, audit.protected, release, id=f"impact-participants-{n}"
        )
        figures.append(dataclasses.replace(figure, note=f"{measure.note} {_windows_note(context)}"))
        for key, group in keys.items():
            published[(dimension, group.key)] = figure.cell(labels[key])
        if dimension is Dimension.TYPE:
            published[(dimension, COMPARISON)] = figure.cell(COMPARISON)
    return figures, published


def _windows_note(context: Context) -> str:
    return f"Outcomes are compared over {context.windows.label}."


def _eligible(shown: Shown | None, minimum: int) -> bool:
    return shown is not None and shown.value is not None and shown.value >= minimum


# --- forest figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None  # inf: no upper limit
    students: Shown | None = None


def _number(value: float | None) -> Shown:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return Shown(symbol=NO_ESTIMATE)
    return Shown(value=value)


def forest_figure(
    *,
    id: str,
    title: str,
    measure: str,
    unit: Unit,
    row_label: str,
    axis: str,
    rows: Sequence[Row],
    note: str,
    students: bool = True,
) -> Figure:
    """A forest figure: Estimate, Lower, Upper (and the published Students) per row; a
    row with no estimate has ``x`` in all three."""
    columns = (*FOREST_COLUMNS, STUDENTS) if students else FOREST_COLUMNS
    cells: dict[tuple[str, str], Shown] = {}
    for row in rows:
        if row.estimate is None:
            for column in FOREST_COLUMNS:
                cells[(row.label, column)] = Shown(symbol=NO_ESTIMATE)
        else:
            cells[(row.label, "Estimate")] = _number(row.estimate)
            cells[(row.label, "Lower")] = _number(row.lower)
            cells[(row.label, "Upper")] = _number(row.upper)
        if students:
            cells[(row.label, STUDENTS)] = row.students or Shown(symbol=NO_ESTIMATE)
    return Figure(
        id=id,
        title=title,
        measure=measure,
        unit=unit,
        row_label=row_label,
        rows=tuple(row.label for row in rows),
        column_label=axis,
        columns=columns,
        cells=cells,
        chart=Chart.FOREST,
        note=note,
    )


# --- the section ----------------------------------------------------------------------


@dataclass
class Results:
    effects: list[estimate.Effect]
    costs: list[costs.CostPerOutcome]
    factors: dict[str, list[factors.Factor]]
    too_few: list[str]


def _label(group: Group) -> str:
    return f"{PREFIX[group.dimension]}{group.label}"


def _too_few_effect(name: str, outcome: str, minimum: int) -> estimate.Effect:
    return estimate.Effect(
        name=name,
        outcome=outcome_of(outcome),
        n_treated=0,
        n_comparison=0,
        min_participants=minimum,
        verdict=estimate.Verdict.TOO_FEW,
        label=estimate.Verdict.TOO_FEW.value,
        reason=f"fewer than {minimum} students, or too few to publish",
    )


def _varies(frame: Any) -> bool:
    """Does anyone's outcome change? With no variation at all (no incidents anywhere,
    say) a regression's standard errors are zero and its p-values undefined."""
    if not len(frame):
        return False
    change = (frame["followup"] - frame["baseline"]).dropna()
    return len(change) > 2 and float(change.std()) > 0 and float(frame["followup"].std()) > 0


def _effect(
    frame: Any, outcome: str, name: str, minimum: int, shared: estimate.Shared
) -> estimate.Effect:
    if not _varies(frame):
        return dataclasses.replace(
            _too_few_effect(name, outcome, minimum),
            reason=f"{outcome_of(outcome).name} did not change for anyone, so there is "
            "nothing to compare",
        )
    effect = estimate.estimate_effect(
        frame, outcome, name=name, min_participants=minimum, shared=shared
    )
    if effect.p_value is not None and not math.isfinite(effect.p_value):
        return dataclasses.replace(
            _too_few_effect(name, outcome, minimum),
            n_treated=effect.n_treated,
            n_comparison=effect.n_comparison,
            reason="the outcome barely varies, so there is nothing to compare",
        )
    return effect


def _estimate(
    context: Context, records: Records, published: dict[tuple[Dimension, str], Shown | None]
) -> Results:
    minimum = context.windows.min_participants
    comparison_ok = _eligible(published.get((Dimension.TYPE, COMPARISON)), minimum)
    eligible = [
        g
        for g in records.groups
        if comparison_ok and _eligible(published.get((g.dimension, g.key)), minimum)
    ]
    too_few = [_label(g) for g in records.groups if g not in eligible]
    effects: list[estimate.Effect] = []
    # The effect on attendance and the cost per attendance point of a group fit the
    # same propensity model to the same rows: fitted once (ADR 0053).
    shared = estimate.Shared()
    for outcome in EFFECT_OUTCOMES:
        for group in records.groups:
            if group in eligible:
                frame = outcome_frame(records, group, outcome)
                effects.append(_effect(frame, outcome, _label(group), minimum, shared))
            else:
                effects.append(_too_few_effect(_label(group), outcome, minimum))
    effects = estimate.apply_benjamini_hochberg(effects)
    requests = [
        costs.CostRequest(outcome_frame(records, group, outcome), measure, _label(group))
        for measure, outcome in COST_MEASURES.items()
        for group in eligible
    ]
    value = costs.apply_benjamini_hochberg(
        costs.costs_per_outcome(
            requests, benchmarks=context.benchmarks, seed=context.seed, shared=shared
        )
    )
    found: dict[str, list[factors.Factor]] = {}
    for outcome in FACTOR_OUTCOMES:
        frame = progress_frame_of(records, outcome)
        found[outcome] = (
            factors.progress_factors(frame, outcome, min_participants=minimum)
            if _varies(frame)
            else []
        )
    return Results(effects, value, found, too_few)


def _effect_figures(
    context: Context,
    records: Records,
    results: Results,
    published: dict[tuple[Dimension, str], Shown | None],
) -> list[Figure]:
    students = {_label(g): published.get((g.dimension, g.key)) for g in records.groups}
    figures = []
    for n, outcome in enumerate(EFFECT_OUTCOMES, 1):
        spec = outcome_of(outcome)
        effects = [e for e in results.effects if e.outcome.key == outcome]
        rows = [
            Row(
                e.name,
                e.estimate,
                e.ci.low if e.ci else None,
                e.ci.high if e.ci else None,
                students.get(e.name),
            )
            for e in effects
        ]
        verdicts = " ".join(_verdict(e) for e in effects)
        figures.append(
            forest_figure(
                id=f"impact-effect-{n}",
                title=f"Associated difference in {spec.name}",
                measure=f"impact_effect_{outcome}",
                unit=Unit.MEAN,
                row_label="Intervention, provider or placement",
                axis=f"Difference in {spec.unit} (95% interval)",
                rows=rows,
                note=(
                    f"Difference in {spec.name} ({spec.unit}; "
                    f"{'higher' if spec.higher_is_better else 'lower'} is better) between "
                    "the students who took part and similar students of the partnership "
                    "who had no intervention, adjusted for baseline attendance and "
                    "attainment, year group, SEN, disadvantage and school. "
                    f"{_windows_note(context)} x: no estimate (too few students to say). "
                    "Verdicts are corrected for every result shown (Benjamini-Hochberg) "
                    f"and say 'associated with', never 'caused'. {verdicts}"
                ),
            )
        )
    return figures


def _verdict(effect: estimate.Effect) -> str:
    if effect.verdict is estimate.Verdict.TOO_FEW:
        return f"{effect.name}: too few to say ({effect.reason})."
    extra = ""
    if effect.g is not None:
        extra = f"; Hedges' g {effect.g:.2f}"
        if effect.eef_months is not None:
            extra += f", about {effect.eef_months} months' progress"
    if effect.estimates_agree is False:
        extra += "; the doubly robust cross-check disagrees, so read with care"
    return f"{effect.name}: {effect.label}{extra}."


def _cost_figures(context: Context, records: Records, results: Results) -> list[Figure]:
    bench = context.benchmarks
    benchmarks = (
        f"Benchmarks: an Alternative Provision place costs £{bench.ap_place:,.0f} a year plus a "
        f"top-up (£{bench.ap_top_up_ks3:,.0f} at KS3, £{bench.ap_top_up_ks4:,.0f} at KS4), "
        f"£{bench.ap_place_cost(3):,.0f} to £{bench.ap_place_cost(4):,.0f} in all; EEF cost "
        "bands per pupil per year: "
        + ", ".join(f"{name} up to £{upper:,.0f}" for name, upper in bench.eef_bands)
        + f", {bench.eef_top_band} above."
    )
    figures = []
    for n, measure in enumerate(COST_MEASURES, 1):
        spec = costs.MEASURES[measure]
        found = {c.name: c for c in results.costs if c.measure.key == measure}
        rows = []
        sentences = []
        for group in records.groups:
            item = found.get(_label(group))
            if item is None:
                rows.append(Row(_label(group)))
                continue
            sentences.append(summaries.summarise_cost(item))
            if item.cost_per_outcome is None or item.ci is None:
                rows.append(Row(item.name))
            else:
                rows.append(Row(item.name, item.cost_per_outcome, item.ci.low, item.ci.high))
        figures.append(
            forest_figure(
                id=f"impact-cost-{n}",
                title=f"Cost per {spec.per}",
                measure=f"impact_cost_{measure}",
                unit=Unit.MONEY,
                row_label="Intervention, provider or placement",
                axis=f"£ per {spec.per} (95% bootstrap interval)",
                rows=rows,
                students=False,
                note=(
                    f"Mean full cost per participant divided by the gain per participant, "
                    f"with a {bench.resamples:,}-resample bootstrap interval. x: no figure "
                    "(too few students, or the gain may be zero); x in Upper: no upper "
                    f"limit. {benchmarks} " + " ".join(sentences)
                ),
            )
        )
    return figures


def _factor_figures(context: Context, results: Results) -> list[Figure]:
    figures = []
    for n, outcome in enumerate(FACTOR_OUTCOMES, 1):
        spec = outcome_of(outcome)
        found = results.factors.get(outcome, [])
        if not found:
            continue
        rows = [
            Row(
                f.description[0].upper() + f.description[1:],
                f.coefficient if f.verdict is not estimate.Verdict.TOO_FEW else None,
                f.ci.low if f.ci else None,
                f.ci.high if f.ci else None,
            )
            for f in found
        ]
        slower = factors.slower_progress(found)
        figures.append(
            forest_figure(
                id=f"impact-factors-{n}",
                title=f"What goes with slower or faster progress in {spec.name}",
                measure=f"impact_factors_{outcome}",
                unit=Unit.MEAN,
                row_label="Circumstance or characteristic",
                axis=f"Difference in progress, {spec.unit} (95% interval)",
                rows=rows,
                students=False,
                note=(
                    f"Progress in {spec.name} from the baseline to the follow-up window, for "
                    "every student referred in the period, each factor holding the others "
                    "fixed. x: too few students to say. "
                    + (
                        "Associated with slower progress: "
                        + "; ".join(f.description for f in slower)
                        + "."
                        if slower
                        else "No factor is clearly associated with slower progress."
                    )
                ),
            )
        )
    return figures


def _finance(context: Context, facts: Sequence[StudentFacts] | Observed) -> list[Figure]:
    """Spend by place and funding stream (the reports' ``spend`` measure) and the average
    cost per pupil, each released through the ledger (P06, P10)."""
    population = population_of(scope=context.scope, period=context.period)
    figures = [
        release_figure(
            spec=Spec("spend", rows),
            facts=facts,
            scope=context.scope,
            population=population,
            policy=context.policy,
            recipient=context.recipient,
            actor=context.actor,
            id=f"impact-finance-{n}",
        )
        for n, rows in enumerate(("place", "funding"), 1)
    ]
    place = place_breakdown(context.scope)
    table = cut(COST_PER_PUPIL, facts, place)
    release, audit = context.release(
        table, population=population, groups=place.name == "partnership"
    )
    figures.append(
        figure_of(COST_PER_PUPIL, place, None, audit.protected, release, id="impact-finance-3")
    )
    return figures


def _summary(context: Context, results: Results) -> str:
    effects = [e for e in results.effects if e.verdict in ("higher", "lower")]
    sentences = [summaries.summarise_effect(e) for e in effects[:6]]
    value = [c for c in results.costs if c.estimable]
    sentences += [summaries.summarise_cost(c) for c in value[:3]]
    slower = factors.slower_progress(results.factors.get("attendance", []))
    if slower:
        sentences.append(
            "Slower progress in attendance was associated with "
            + "; ".join(f.description for f in slower[:3])
            + "."
        )
    if not effects:
        sentences.insert(
            0,
            "No intervention type, provider or placement was clearly associated with better "
            "or worse outcomes than similar students without an intervention: each result "
            "is inconclusive or rests on too few students.",
        )
    if results.too_few:
        sentences.append(
            f"Too few students to say anything yet about: {', '.join(results.too_few)}."
        )
    sentences.append(
        "These are associations, not proof of cause: the students who took part were "
        "compared with similar students of the partnership who did not."
    )
    return " ".join(sentences)


def impact_section(
    *,
    scope: Scope,
    period: Period,
    recipient: Recipient,
    actor: User,
    policy: Policy,
    facts: Sequence[StudentFacts] | Observed | None = None,
    windows: Windows | None = None,
    benchmarks: costs.Benchmarks | None = None,
    today: dt.date | None = None,
) -> Section:
    """What helps, what slows progress and value for money, for ``scope`` (P05, P06).

    Every count and money table is protected and recorded in the release ledger; effect
    estimates are shown only for groups whose published size is at least the minimum.
    ``facts`` are the outcome report's, when it has them already.
    """
    windows = windows or Windows()
    bench = dataclasses.replace(
        benchmarks or costs.Benchmarks(), min_participants=windows.min_participants
    )
    context = Context(scope, period, recipient, actor, policy, windows, bench)
    records = load(scope=scope, period=period, windows=windows, today=today)
    participants, published = _participants(context, records)
    results = _estimate(context, records, published)
    if facts is None:
        facts = Observed(gather(scope=scope, period=period, today=today))
    figures = (
        *participants,
        *_effect_figures(context, records, results, published),
        *_cost_figures(context, records, results),
        *_factor_figures(context, results),
        *_finance(context, facts),
    )
    return Section("impact", "Impact and value for money", _summary(context, results), figures)


def impact_report(
    *,
    scope: Scope,
    period: Period,
    recipient: Recipient,
    actor: User,
    windows: Windows | None = None,
    today: dt.date | None = None,
) -> ReportDocument:
    """The impact section on its own, as a report (the impact page and command)."""
    policy = policy_for(scope)
    windows = windows or Windows()
    section = impact_section(
        scope=scope,
        period=period,
        recipient=recipient,
        actor=actor,
        policy=policy,
        windows=windows,
        today=today,
    )
    built = document(
        title=f"Impact and value for money, {period_label(period)}",
        scope=scope,
        period=period,
        recipient=recipient,
        policy=policy,
        sections=(section,),
    )
    return dataclasses.replace(built, metadata=(*built.metadata, *impact_metadata(windows)))


def impact_metadata(windows: Windows) -> tuple[tuple[str, str], ...]:
    return (
        (
            "Impact method",
            "Each group is compared with similar students of the partnership who had no "
            "intervention, by regression on baseline attendance and attainment, year group, "
            "SEN, disadvantage and school, with a doubly robust cross-check; students with "
            "no comparable student in the other group are left out. Effects are in each "
            "outcome's units with 95% intervals; Hedges' g and, for attainment, EEF months' "
            f"progress are in the notes. Outcome windows: {windows.label}. Groups of fewer "
            f"than {windows.min_participants} students are too few to say (x).",
        ),
        (
            "Value for money",
            "Cost per outcome is the mean full cost per participant divided by the gain, "
            "with bootstrap intervals; no figure is given when the gain may be zero.",
        ),
    )
