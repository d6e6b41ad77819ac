"""Outcome reports (P04, P10, P13): the partnership's termly and annual report, each
school's report on its own referred students, the county report, and single tables from
the table builder.

Every table is cut from the cohort's facts, protected and recorded in the release ledger
(``services.release_record``) before it becomes a ``Figure``; the document holds only
published numbers and symbols, so no renderer can leak a suppressed cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.core.calendar import term_of
from seip.disclosure.control import Policy, ProtectedTable, Reason
from seip.disclosure.tables import TOTAL, CellKind, Symbol
from seip.organisations.models import LocalAuthority, PartnerOrganisation, Partnership
from seip.reports.bases import (
    based_on,
    companion,
    companion_policy,
    hide_unbased,
    publishes_bases,
    withhold_all,
)
from seip.reports.document import Chart, Figure, Hidden, ReportDocument, Section, Shown, Unit
from seip.reports.facts import StudentFacts, gather
from seip.reports.heap import older_objects_frozen
from seip.reports.ledger import Population
from seip.reports.measures import (
    MEASURES,
    OWN_BREAKDOWNS,
    STUDENT_BREAKDOWNS,
    Breakdown,
    Measure,
    Observed,
    cut,
    horizon_of,
    period_atoms,
)
from seip.reports.models import DisclosurePolicy, Release
from seip.reports.population import Period, Scope, population_of
from seip.reports.registry import added_sections
from seip.reports.selectors import LedgerCache
from seip.reports.services import Withheld, release_record


class ReportKind(enum.StrEnum):
    PARTNERSHIP = "partnership"
    SCHOOL = "school"
    COUNTY = "county"


@dataclass(frozen=True)
class Spec:
    """One figure of a report: a measure by one or two breakdowns."""

    measure: str
    rows: str
    columns: str | None = None


#: The standard report: sections, each a list of figures. ``place`` is the scope's own
#: breakdown: partnerships in the county report, schools in a partnership's, year groups
#: in a school's (a school's report by school would be one row).
SECTIONS: tuple[tuple[str, str, tuple[Spec, ...]], ...] = (
    ("referrals", "Referrals", (Spec("students", "place"), Spec("students", "tier"))),
    (
        "cohort",
        "The students",
        (
            Spec("students", "year_group"),
            Spec("students", "sex"),
            Spec("students", "sen"),
            Spec("students", "disadvantage"),
            Spec("students", "ethnicity"),
        ),
    ),
    (
        "attendance",
        "Attendance",
        (
            Spec("attendance_before", "place"),
            Spec("attendance_since", "place"),
            Spec("persistent_absence_before", "place"),
            Spec("persistent_absence_since", "place"),
            Spec("severe_absence_before", "place"),
            Spec("severe_absence_since", "place"),
        ),
    ),
    (
        "behaviour",
        "Behaviour, suspensions and exclusions",
        (
            Spec("incidents", "place"),
            Spec("suspensions", "place"),
            Spec("permanent_exclusions", "place"),
        ),
    ),
    ("attainment", "Attainment against target", (Spec("results_on_target", "subject"),)),
    (
        "attitude",
        "Attitude",
        (Spec("attitude_first", "place"), Spec("attitude_latest", "place")),
    ),
    ("destinations", "Destinations", (Spec("destinations", "destination"),)),
    (
        "provision",
        "Interventions and spend",
        (
            Spec("interventions", "intervention"),
            Spec("spend", "intervention"),
            Spec("spend", "funding"),
        ),
    ),
    (
        "moves",
        "Managed moves",
        (
            Spec("managed_moves", "move_outcome"),
            Spec("managed_move_success", "place"),
            Spec("moves_per_student", "place"),
        ),
    ),
    (
        # Issue 20, ADR 0049.
        "placements",
        "Alternative provision and time out of education",
        (
            Spec("placement_attendance", "place"),
            Spec("reintegration", "place"),
            Spec("days_out_of_education", "place"),
            Spec("suspensions_without_provision", "place"),
        ),
    ),
    (
        "groups",
        "Outcomes by group",
        (
            Spec("persistent_absence_since", "sen"),
            Spec("persistent_absence_since", "disadvantage"),
            Spec("persistent_absence_since", "sex"),
            Spec("persistent_absence_since", "year_group"),
        ),
    ),
)


def kind_of(scope: Scope) -> ReportKind:
    if scope.school is not None:
        return ReportKind.SCHOOL
    return ReportKind.PARTNERSHIP if scope.partnership is not None else ReportKind.COUNTY


def _authority(scope: Scope) -> LocalAuthority:
    if scope.local_authority is None:
        raise ValueError("not a county scope")
    return scope.local_authority


def place_breakdown(scope: Scope) -> Breakdown:
    """The scope's own breakdown (see ``SECTIONS``)."""
    kind = kind_of(scope)
    if kind is ReportKind.SCHOOL:
        return STUDENT_BREAKDOWNS["year_group"]
    if kind is ReportKind.PARTNERSHIP:
        schools = list(scope.schools().values_list("pk", "name"))
        return Breakdown(
            "school", "School", tuple(str(pk) for pk, _ in schools), {str(k): n for k, n in schools}
        )
    partnerships = list(
        Partnership.objects.filter(local_authority=_authority(scope)).values_list("pk", "name")
    )
    return Breakdown(
        "partnership",
        "Partnership",
        tuple(str(pk) for pk, _ in partnerships),
        {str(k): n for k, n in partnerships},
    )


def breakdown(name: str, scope: Scope, place: Breakdown | None = None) -> Breakdown:
    """The breakdown ``name`` in ``scope``; ``place`` is the scope's own, when the caller
    has it already (``Shared``)."""
    if name in ("place", "school", "partnership"):
        place = place or place_breakdown(scope)
        if name in ("place", place.name):
            return place
        raise ValueError(f"a {kind_of(scope)} report cannot be broken down by {name}")
    if name in STUDENT_BREAKDOWNS:
        return STUDENT_BREAKDOWNS[name]
    return OWN_BREAKDOWNS[name]


def policy_for(scope: Scope) -> Policy:
    """The partnership's thresholds; for a county, the strictest of its partnerships'."""
    if scope.school is not None:
        partnerships = [scope.school.partnership_id]
    elif scope.partnership is not None:
        partnerships = [scope.partnership.pk]
    else:
        partnerships = list(
            Partnership.objects.filter(local_authority=scope.local_authority).values_list(
                "pk", flat=True
            )
        )
    policies = list(DisclosurePolicy.objects.filter(partnership__in=partnerships))
    default = Policy()
    if not policies:
        return default
    return dataclasses.replace(
        default,
        count_threshold=max(p.count_threshold for p in policies),
        min_denominator=max(p.min_denominator for p in policies),
        p_percent=max(p.p_percent for p in policies),
    )


def school_groups(scope: Scope) -> dict[str, dict[str, frozenset[str]]]:
    """The partnership breakdown as groups of schools: every reader knows which school
    is in which partnership, so the ledger must too."""
    groups: dict[str, set[str]] = {}
    for pk, partnership in scope.schools().values_list("pk", "partnership_id"):
        groups.setdefault(str(partnership), set()).add(str(pk))
    return {"partnership": {k: frozenset(v) for k, v in groups.items()}}


class Shared:
    """What the tables of one report share, worked out once rather than per table: the
    scope's own breakdown, its schools by partnership, and the ledger's earlier
    releases as parsed (``selectors.LedgerCache``)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.ledger = LedgerCache()
        self._place: Breakdown | None = None
        self._groups: dict[str, dict[str, frozenset[str]]] | None = None

    def place(self) -> Breakdown:
        if self._place is None:
            self._place = place_breakdown(self.scope)
        return self._place

    def groups(self) -> dict[str, dict[str, frozenset[str]]]:
        if self._groups is None:
            self._groups = school_groups(self.scope)
        return self._groups


@dataclass(frozen=True)
class Recipient:
    """Who receives a release (P13): a role, and the organisation it is held for."""

    role: Role
    organisation: PartnerOrganisation | None = None

    def label(self) -> str:
        return f"{self.role.label}, {self.organisation}" if self.organisation else self.role.label


def figure_of(
    measure: Measure,
    rows: Breakdown,
    columns: Breakdown | None,
    protected: ProtectedTable,
    release: Release | None,
    *,
    id: str,
) -> Figure:
    """The published figure: numbers where the audit allows, symbols elsewhere."""
    decimals = protected.policy.decimals
    cells: dict[tuple[str, str], Shown] = {}
    for key, cell in protected.cells.items():
        row, column = (
            (rows.label_of(key[0]) if key[0] != TOTAL else TOTAL),
            (columns.label_of(key[1]) if columns is not None and key[1] != TOTAL else TOTAL),
        )
        if protected.suppressed.get(key) is Reason.WITHHELD:
            cells[(row, column)] = Shown(symbol=Symbol.NOT_AVAILABLE, reason=Hidden.WITHHELD)
            continue
        if key in protected.suppressed:
            reason = hidden_reason(protected.suppressed[key], measure.kind)
            cells[(row, column)] = Shown(symbol=Symbol.SUPPRESSED, reason=reason)
            continue
        if cell.symbol is not None:
            cells[(row, column)] = Shown(symbol=cell.symbol)
            continue
        if measure.kind in (CellKind.RATE, CellKind.MEAN):
            if not cell.denominator:
                cells[(row, column)] = Shown(symbol=Symbol.NOT_APPLICABLE)
                continue
            value = cell.value / cell.denominator
            if measure.kind is CellKind.RATE:
                value *= 100
            if cell.value and round(value, decimals) == 0:
                cells[(row, column)] = Shown(symbol=Symbol.LOW)
                continue
            # A two-way table's bases are not shown: no companion release holds them in
            # the ledger, where a base could give away a hidden count (ADR 0036).
            base = cell.denominator if columns is None else None
            cells[(row, column)] = Shown(round(value, decimals), denominator=base)
        else:
            cells[(row, column)] = Shown(round(cell.value, 2))
    return Figure(
        id=id,
        title=f"{measure.label} by {rows.label.lower()}"
        + (f" and {columns.label.lower()}" if columns else ""),
        measure=measure.name,
        unit=measure.unit,
        row_label=rows.label,
        rows=tuple(rows.label_of(r) for r in rows.categories),
        column_label=columns.label if columns else None,
        columns=tuple(columns.label_of(c) for c in columns.categories) if columns else (),
        cells=cells,
        chart=Chart.GROUPED_BAR if columns else Chart.BAR,
        note=measure.note,
        release_id=release.pk if release else None,
    )


def hidden_reason(reason: Reason, kind: CellKind) -> Hidden:
    """The footnote for a ``c`` (ADR 0030). Every hidden count has the same one: telling
    a small count (1 to 5) from one hidden to protect it (above 5) would bound both."""
    if kind is CellKind.COUNT:
        return Hidden.SMALL_COUNT
    if reason is Reason.SECONDARY:
        return Hidden.PROTECTS_CELL
    if reason is Reason.LEDGER:
        return Hidden.PROTECTS_RELEASE
    if kind is CellKind.MONEY:
        return Hidden.DOMINANT
    return Hidden.SMALL_BASE


def release_figure(
    *,
    spec: Spec,
    facts: Sequence[StudentFacts] | Observed,
    scope: Scope,
    population: Population,
    policy: Policy,
    recipient: Recipient,
    actor: User,
    id: str,
    horizon: str | None = None,
    shared: Shared | None = None,
) -> Figure:
    """Cut, protect, audit against the ledger, record and publish one table (P10).

    ``horizon`` is the last term the outcomes reach (``horizon_of``), when the report is
    made before the period ends; ``shared`` is what the report's tables share."""
    measure = MEASURES[spec.measure]
    place = shared.place() if shared is not None else None
    rows = breakdown(spec.rows, scope, place)
    columns = breakdown(spec.columns, scope, place) if spec.columns else None
    if (
        {b.name for b in (rows, columns) if b}
        - {"school", "partnership", *measure.own}
        - set(STUDENT_BREAKDOWNS)
    ):
        raise ValueError(f"{measure.label} cannot be broken down that way")
    table = cut(measure, facts, rows, columns)
    # The ledger's terms say what adds up across periods for this measure (ADR 0029).
    population = dataclasses.replace(
        population, terms=period_atoms(measure.accrual, population.terms, horizon)
    )
    groups = (
        (shared.groups() if shared is not None else school_groups(scope))
        if "partnership" in (rows.name, columns.name if columns else None)
        else None
    )
    record = functools.partial(
        release_record,
        recipient_role=recipient.role,
        recipient_organisation=recipient.organisation,
        partnership=scope.partnership or (scope.school.partnership if scope.school else None),
        local_authority=scope.local_authority,
        actor=actor,
        school_groups=groups,
        ledger=shared.ledger if shared is not None else None,
    )
    try:
        release, audit = record(table=table, population=population, policy=policy)
    except Withheld as withheld:
        return withheld_figure(measure, rows, columns, withheld, id=id)
    protected = audit.protected
    if publishes_bases(measure, columns):
        # The bases shown beside the figures, audited as counts of students (ADR 0036).
        observed = facts if isinstance(facts, Observed) else Observed(facts)
        base, at_referral, hidden = companion(measure, observed, rows, protected, population)
        try:
            _, base_audit = record(
                table=base, population=at_referral, policy=companion_policy(policy), given=hidden
            )
            protected = hide_unbased(protected, base_audit.protected)
        except Withheld:
            protected = withhold_all(protected)
    return figure_of(measure, rows, columns, protected, release, id=id)


def reached(period: Period, today: dt.date | None) -> str:
    """The last term the period's outcomes reach on ``today`` (``facts.gather`` measures
    to the end of the period or today, whichever is first)."""
    today = today or timezone.localdate()
    return horizon_of(period.terms, term_of(today) if today < period.end else None)


def withheld_figure(
    measure: Measure, rows: Breakdown, columns: Breakdown | None, withheld: Withheld, *, id: str
) -> Figure:
    """A table that no suppression could make safe beside an earlier release: every cell
    ``x``, and a note naming the earlier release and what to ask for instead (P10)."""
    earlier = "; ".join(describe(r) for r in Release.objects.filter(pk__in=withheld.conflicts))
    keys = [
        (r, c)
        for r in (*rows.categories, TOTAL)
        for c in ((*columns.categories, TOTAL) if columns else (TOTAL,))
    ]
    title = f"{measure.label} by {rows.label.lower()}" + (
        f" and {columns.label.lower()}" if columns else ""
    )
    return Figure(
        id=id,
        title=title,
        measure=measure.name,
        unit=measure.unit,
        row_label=rows.label,
        rows=tuple(rows.label_of(r) for r in rows.categories),
        column_label=columns.label if columns else None,
        columns=tuple(columns.label_of(c) for c in columns.categories) if columns else (),
        cells={
            (
                rows.label_of(r) if r != TOTAL else TOTAL,
                columns.label_of(c) if columns is not None and c != TOTAL else TOTAL,
            ): Shown(symbol=Symbol.NOT_AVAILABLE)
            for r, c in keys
        },
        chart=Chart.NONE,
        note=(
            (
                f"Not shown (x): together with {earlier}, this table would let a hidden "
                "figure be worked out, and no further hiding could prevent it."
                if earlier
                else "Not shown (x): no choice of hidden cells could keep its small "
                "numbers from being worked out from its own totals."
            )
            + " Ask for a coarser table instead: the whole year rather than one term, the "
            "partnership rather than one school, or fewer categories."
        ),
        release_id=None,
    )


def describe(release: Release) -> str:
    """An earlier release in words a co-ordinator understands: which table, of what,
    for which period, to whom and when."""
    based = based_on(release.breakdowns)
    measure = MEASURES.get(based or release.measure)
    label = measure.label if measure else release.measure.replace("_", " ")
    by = " and ".join(b.replace("_", " ") for b in release.breakdowns if based_on([b]) is None)
    if based is not None:  # a companion (ADR 0036): the bases shown beside that table
        label = f"bases of {label}"
    terms = sorted({t.split("@")[0] for t in release.population.get("terms", [])})
    period = "the whole year" if len(terms) == 3 else " and ".join(terms) + " term"
    schools = release.population.get("schools", [])
    place = "one school" if len(schools) == 1 else f"{len(schools)} schools"
    return (
        f"the table '{label} by {by}' for {place}, {release.population.get('year')}, "
        f"{period}, released to the {release.get_recipient_role_display()} on "
        f"{release.released_at:%-d %B %Y}"
    )


def scope_label(scope: Scope) -> str:
    if scope.school is not None:
        return scope.school.name
    if scope.partnership is not None:
        return f"{scope.partnership.name} ({scope.schools().count()} schools)"
    return f"{_authority(scope).name}: all partnerships"


def period_label(period: Period) -> str:
    if len(period.terms) == 3:
        return period.label
    return f"{period.label}, {' and '.join(period.terms)} term" + (
        "s" if len(period.terms) > 1 else ""
    )


def organisation_of(scope: Scope) -> str:
    if scope.school is not None:
        return scope.school.partnership.name
    if scope.partnership is not None:
        return scope.partnership.name
    return f"County SEIPs Governance Board, {_authority(scope).name}"


@transaction.atomic
@older_objects_frozen()
def outcome_report(
    *,
    scope: Scope,
    period: Period,
    recipient: Recipient,
    actor: User,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReportDocument:
    """Build, protect, record and return the standard outcome report for ``scope``.

    ``progress(done, total)`` is called as each table is released (the page's bar).

    One transaction, as the report task (``runs``) and the ``report`` command already
    run it: the report's releases are recorded together or not at all, and a direct
    call pays one commit rather than one per table (ADR 0038). The collector leaves the
    process's older objects alone meanwhile (``heap``, ADR 0056)."""
    facts = Observed(gather(scope=scope, period=period, today=today))
    population = population_of(scope=scope, period=period)
    horizon = reached(period, today)
    policy = policy_for(scope)
    # What helps and value for money (issue 9), registered by the impact app: partnership
    # and county reports only; a school's groups are too small to estimate anything.
    added = added_sections() if kind_of(scope) is not ReportKind.SCHOOL else ()
    total = sum(len(specs) for _, _, specs in SECTIONS) + len(added)
    shared = Shared(scope)
    done = 0
    sections = []
    for section_id, title, specs in SECTIONS:
        figures = []
        for n, spec in enumerate(specs, 1):
            figures.append(
                release_figure(
                    spec=spec,
                    facts=facts,
                    scope=scope,
                    population=population,
                    policy=policy,
                    recipient=recipient,
                    actor=actor,
                    id=f"{section_id}-{n}",
                    horizon=horizon,
                    shared=shared,
                )
            )
            done += 1
            if progress is not None:
                progress(done, total)
        sections.append(Section(section_id, title, summary(section_id, figures), tuple(figures)))
    # Judged on the outcome tables: the impact section says itself why it has no
    # estimates (no follow-up window has ended yet), which is not about small groups.
    notice = mostly_hidden(sections, scope, period)
    for build in added:
        sections.append(
            build(
                scope=scope,
                period=period,
                recipient=recipient,
                actor=actor,
                policy=policy,
                facts=facts,
                today=today,
            )
        )
        done += 1
        if progress is not None:
            progress(done, total)
    return document(
        title=f"Outcomes report, {period_label(period)}",
        scope=scope,
        period=period,
        recipient=recipient,
        policy=policy,
        sections=(notice, *sections) if notice else tuple(sections),
    )


#: Above this share of hidden cells, a report says so first (issue 17).
MOSTLY_HIDDEN = 0.5


def mostly_hidden(sections: Sequence[Section], scope: Scope, period: Period) -> Section | None:
    """A first section for a report whose figures are mostly hidden: how much, why, and
    the coarser report to ask for instead (the whole year, the partnership's report)."""
    cells = [s for section in sections for f in section.figures for s in f.cells.values()]
    hidden = sum(s.symbol in (Symbol.SUPPRESSED, Symbol.NOT_AVAILABLE) for s in cells)
    # Zeros and "not applicable" tell a reader little: count what could have been shown.
    telling = hidden + sum(bool(s.value) for s in cells)
    if not telling or hidden / telling <= MOSTLY_HIDDEN:
        return None
    coarser = []
    if len(period.terms) < 3:
        coarser.append(f"the whole year ({period.label}) instead of a term")
    if scope.school is not None:
        coarser.append("the partnership's report instead of one school's")
    coarser.append("fewer categories, from the table builder")
    return Section(
        "mostly-hidden",
        "Most of this report is hidden",
        f"{hidden} of the {telling} figures other than 0 in this report are hidden (c or "
        "x), because "
        "the groups of students are small: showing them could identify someone. For "
        "figures you can use, ask for " + "; or ".join(coarser) + ".",
        (),
    )


def table_report(
    *,
    scope: Scope,
    period: Period,
    measure: str,
    rows: str,
    columns: str | None,
    recipient: Recipient,
    actor: User,
    today: dt.date | None = None,
) -> ReportDocument:
    """One table from the table builder, released like any other (P10)."""
    facts = gather(scope=scope, period=period, today=today)
    policy = policy_for(scope)
    figure = release_figure(
        spec=Spec(measure, rows, columns),
        facts=facts,
        scope=scope,
        population=population_of(scope=scope, period=period),
        policy=policy,
        recipient=recipient,
        actor=actor,
        id="table-1",
        horizon=reached(period, today),
    )
    return document(
        title=f"{figure.title}, {period_label(period)}",
        scope=scope,
        period=period,
        recipient=recipient,
        policy=policy,
        sections=(Section("table", figure.title, "", (figure,)),),
    )


def document(
    *,
    title: str,
    scope: Scope,
    period: Period,
    recipient: Recipient,
    policy: Policy,
    sections: tuple[Section, ...],
) -> ReportDocument:
    return ReportDocument(
        title=title,
        organisation=organisation_of(scope),
        scope_label=scope_label(scope),
        period_label=period_label(period),
        released_at=timezone.now(),
        released_to=recipient.label(),
        sections=sections,
        metadata=metadata(scope, period, policy),
        geographic_level={
            ReportKind.SCHOOL: "School",
            ReportKind.PARTNERSHIP: "Partnership",
            ReportKind.COUNTY: "Local authority",
        }[kind_of(scope)],
    )


def metadata(scope: Scope, period: Period, policy: Policy) -> tuple[tuple[str, str], ...]:
    return (
        ("Scope", scope_label(scope)),
        ("Period", f"{period_label(period)} ({period.start:%-d %B %Y} to {period.end:%-d %B %Y})"),
        (
            "Who is counted",
            "The referral cohort: students whose signed referral was accepted in the period. "
            "Children discussed before a referral was signed are never counted. Students "
            "whose parents objected are left out; erased records are gone. Students who "
            "have since left are counted in the periods they were referred in.",
        ),
        (
            "Outcomes",
            "Measured from each student's referral to the end of the period (or the date of "
            "the report, for a period not yet over).",
        ),
        (
            "Disclosure control",
            f"Counts from 1 to {policy.count_threshold} are suppressed (c); rates and means "
            f"need at least {policy.min_denominator} students; money totals follow the "
            f"p% rule with p = {policy.p_percent:g}. Further cells are suppressed so that "
            "no suppressed cell can be worked out from the totals or from earlier reports.",
        ),
        (
            "Symbols",
            "c suppressed to protect confidentiality; z not applicable; x not available; "
            "low rounds to 0 but is not 0.",
        ),
        ("Sources", "School census and MIS imports (CTF), partnership case records."),
    )


def _total(figure: Figure) -> Shown | None:
    return figure.cell(TOTAL, TOTAL)


def _say(shown: Shown | None, unit: Unit) -> str:
    if shown is None or shown.value is None:
        return "too few to show"
    if unit is Unit.PERCENT:
        return f"{shown.value:.1f}%"
    if unit is Unit.MONEY:
        return f"£{shown.value:,.0f}"
    if unit is Unit.MEAN:
        return f"{shown.value:.1f}"
    return f"{shown.value:,.0f}"


def summary(section: str, figures: Sequence[Figure]) -> str:
    """A plain-language line for governors, from published totals only."""
    by_measure = {f.measure: _total(f) for f in figures}
    units = {f.measure: f.unit for f in figures}

    def say(measure: str) -> str:
        return _say(by_measure.get(measure), units.get(measure, Unit.COUNT))

    if section == "referrals":
        return f"{say('students')} students were referred with a parent's signed consent."
    if section == "attendance":
        return (
            f"Mean attendance was {say('attendance_before')} before referral and "
            f"{say('attendance_since')} since. Persistent absence went from "
            f"{say('persistent_absence_before')} to {say('persistent_absence_since')}."
        )
    if section == "behaviour":
        return (
            f"Since referral: {say('suspensions')} suspensions and "
            f"{say('permanent_exclusions')} permanent exclusions."
        )
    if section == "attainment":
        return f"{say('results_on_target')} of latest results were at or above target."
    if section == "attitude":
        return (
            f"The mean attitude rating went from {say('attitude_first')} to "
            f"{say('attitude_latest')} (1 to 5)."
        )
    if section == "provision":
        return f"{say('interventions')} interventions started, costing {say('spend')} in all."
    if section == "cohort":
        return "Who the referred students are. Small groups are suppressed (c)."
    if section == "destinations":
        return "Where students went when their case closed."
    if section == "moves":
        return (
            f"{say('managed_moves')} managed moves started since referral; "
            f"{say('managed_move_success')} of those decided ended in a transfer."
        )
    return "Persistent absence since referral, for each group of students."
