"""The default demo is big enough to show figures (issue 17).

At the old default (60 pupils over 40 schools) the co-ordinator's partnership report was
almost all ``c`` and the impact section all ``x``, so a new user could not see what the
outcome and impact reports (P04-P06) look like. These tests build the default demo, ask
for the reports as the web page does (a report run, made by the worker's own function,
through the same recipient check), and read the published document back.
"""

from seip.accounts.models import User
from seip.demo.casework import MAIN_YEAR
from seip.demo.generator import Scale, generate, shares
from seip.disclosure.tables import TOTAL, Symbol
from seip.reports.document import ReportDocument, from_json
from seip.reports.models import RunStatus
from seip.reports.permissions import available_scopes
from seip.reports.runs import report_run_execute_now, report_run_start

#: At most this share of a report's outcome count cells may be ``c``.
MOST_SUPPRESSED = 0.5


def _report(email: str, kind: str, year: int) -> ReportDocument:
    """The whole-year outcome report the user's first ``kind`` scope offers, as the page
    makes it: a queued run, made by the worker's function, stored as JSON."""
    user = User.objects.get(email=email)
    key = next(key for key, _, _ in available_scopes(user) if key.startswith(f"{kind}:"))
    run = report_run_start(
        scope=key,
        title="Outcomes report",
        params={"report": "outcomes", "year": str(year), "terms": "year"},
        actor=user,
    )
    report_run_execute_now(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    return from_json(run.document)


def _suppressed_share(document: ReportDocument) -> float:
    """The share of the outcome tables' cells (not the impact section's) that are ``c``."""
    cells = [
        shown
        for section in document.sections
        if section.id != "impact"
        for figure in section.figures
        for shown in figure.cells.values()
    ]
    assert cells
    return sum(shown.symbol == Symbol.SUPPRESSED for shown in cells) / len(cells)


def _shows_headline_tables(document: ReportDocument) -> None:
    figures = {figure.id: figure for figure in document.figures()}
    by_tier = figures["referrals-2"]  # students by tier
    assert by_tier.cell(TOTAL) is not None
    assert by_tier.cell(TOTAL).value  # a number, not c
    assert sum(by_tier.cell(row).value is not None for row in by_tier.rows) >= 3
    for measure in ("attendance-1", "attendance-2"):  # attendance before and since
        total = figures[measure].cell(TOTAL)
        assert total is not None, measure
        assert total.value is not None, measure
        assert 50 < total.value <= 100, measure


def _estimates(document: ReportDocument) -> list[tuple[float, float, float]]:
    """Every effect the impact section estimated: (estimate, lower, upper)."""
    found = []
    for figure in document.figures():
        if not figure.id.startswith("impact-effect"):
            continue
        for row in figure.rows:
            cells = [figure.cell(row, column) for column in ("Estimate", "Lower", "Upper")]
            if all(c is not None and c.value is not None for c in cells):
                found.append(tuple(c.value for c in cells))  # type: ignore[union-attr]
    return found


def test_partnership_and_county_reports_show_figures_and_an_estimate(db):
    """The acceptance test of issue 17: on the default demo, the co-ordinator's
    partnership report and the LA officer's county report for the demo's last complete
    school year show figures, and the impact section shows an estimate with its interval.
    The report form offers the current school year first: the co-ordinator's report of it
    has figures too (its impact section cannot estimate yet: no follow-up has ended)."""
    generate(Scale())  # one build for every check: it is the slow part
    for email, kind in (("coordinator@seip.example", "partnership"), ("la@seip.example", "county")):
        document = _report(email, kind, MAIN_YEAR)
        assert document.sections[0].id != "mostly-hidden", kind
        assert _suppressed_share(document) <= MOST_SUPPRESSED, kind
        _shows_headline_tables(document)
        estimates = _estimates(document)
        assert estimates, f"the {kind} report's impact section estimated nothing"
        assert all(low <= estimate <= high for estimate, low, high in estimates)
    for email, kind in (("coordinator@seip.example", "partnership"), ("la@seip.example", "county")):
        this_year = _report(email, kind, MAIN_YEAR + 1)
        # Its impact section is all x (no follow-up has ended), which is not "mostly hidden".
        assert this_year.sections[0].id != "mostly-hidden", kind
        assert _suppressed_share(this_year) <= MOST_SUPPRESSED, kind
        _shows_headline_tables(this_year)


def test_the_coordinators_partnership_refers_three_shares():
    assert shares(1500, 5) == [643, 215, 214, 214, 214]
    assert shares(20, 2) == [15, 5]
    assert shares(7, 1) == [7]
