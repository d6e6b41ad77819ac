"""The report renderers: HTML fragment with SVG charts, PDF, CSV and XLSX (P10).

The document is built by hand. Its builder knows the true values behind the suppressed
cells (distinctive numbers), and every output is searched for them: the renderers only
see the published cells, and must not invent a number for a symbol.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from openpyxl import load_workbook

from seip.core.tests.pdfcheck import assert_tagged, pdf_images, pdf_pages, pdf_text
from seip.disclosure.tables import Symbol
from seip.reports import charts
from seip.reports.document import (
    FOREST_COLUMNS,
    TOTAL,
    Chart,
    Figure,
    ReportDocument,
    Section,
    Shown,
    Unit,
)
from seip.reports.present import (
    format_value,
    grid,
    present,
    published_value,
    sheet_names,
)
from seip.reports.render_files import (
    CSV_COLUMNS,
    report_csv,
    report_csv_metadata,
    report_xlsx,
    time_period,
)
from seip.reports.render_pdf import FOOTER, report_pdf

SVG = "{http://www.w3.org/2000/svg}"
C = Shown(symbol=Symbol.SUPPRESSED)

#: The values behind the suppressed cells, as the builder knew them. Distinctive, so a
#: leak would be found by a plain text search.
TRUE_RATE = 71.43  # 5 of 7 girls in Year 9: a denominator under 10
TRUE_MONEY = 98765.0  # one provider's contract: the p% rule
LEAKS = ("71.4", "71.43", "98,765", "98765", "£98")


def build_document() -> ReportDocument:
    referrals = Figure(
        id="referrals-by-year",
        title="Referrals by year group",
        measure="referrals",
        unit=Unit.COUNT,
        row_label="Year group",
        rows=("Year 7", "Year 8", "Year 9", "Year 10"),
        cells={
            ("Year 7", TOTAL): Shown(12),
            ("Year 8", TOTAL): Shown(1234),
            ("Year 9", TOTAL): C,
            ("Year 10", TOTAL): Shown(47),
            (TOTAL, TOTAL): Shown(1296),
        },
        note="Students with a signed referral in the period.",
    )
    true_cells = {("Year 9", "Girls"): Shown(TRUE_RATE, denominator=7)}
    attendance = Figure(
        id="attendance-by-year-and-sex",
        title="Attendance rate now",
        measure="attendance_rate",
        unit=Unit.PERCENT,
        row_label="Year group",
        column_label="Sex",
        rows=("Year 7", "Year 8", "Year 9"),
        columns=("Boys", "Girls"),
        chart=Chart.GROUPED_BAR,
        cells={
            ("Year 7", "Boys"): Shown(88.25, denominator=40),
            ("Year 7", "Girls"): Shown(91.0, denominator=36),
            ("Year 8", "Boys"): Shown(symbol=Symbol.NOT_APPLICABLE),
            ("Year 8", "Girls"): Shown(symbol=Symbol.LOW, denominator=12),
            # The true cell is replaced by its symbol, as disclosure control does.
            ("Year 9", "Boys"): Shown(79.5, denominator=22),
            ("Year 9", "Girls"): Shown(symbol=Symbol.SUPPRESSED, denominator=None),
            ("Year 7", TOTAL): Shown(89.55, denominator=76),
            ("Year 9", TOTAL): C,
            (TOTAL, "Boys"): Shown(85.1, denominator=62),
            (TOTAL, TOTAL): Shown(86.7, denominator=110),
        },
    )
    assert ("Year 9", "Girls") in true_cells  # the builder knew it; the figure does not
    spend = Figure(
        id="spend-by-intervention-type-with-a-long-identifier",
        title="Spend by intervention type",
        measure="spend",
        unit=Unit.MONEY,
        row_label="Intervention type",
        rows=("Mentoring", "Alternative provision placement (part-time)", "Counselling"),
        cells={
            ("Mentoring", TOTAL): Shown(15250.4),
            ("Alternative provision placement (part-time)", TOTAL): C,
            ("Counselling", TOTAL): Shown(8100),
        },
    )
    attitude = Figure(
        id="attitude",
        title="Mean attitude rating",
        measure="attitude",
        unit=Unit.MEAN,
        row_label="School",
        rows=("Oakfield School", "Riverside Academy"),
        cells={
            ("Oakfield School", TOTAL): Shown(3.25, denominator=30),
            ("Riverside Academy", TOTAL): Shown(symbol=Symbol.NOT_AVAILABLE),
        },
        chart=Chart.NONE,
    )
    return ReportDocument(
        title="Outcomes report, 2025-26, autumn term",
        organisation="Charnwood SEIP",
        scope_label="Charnwood SEIP (8 schools)",
        period_label="2025-26, autumn term",
        released_at=dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC),
        released_to="Governance board, Charnwood SEIP",
        sections=(
            Section("referrals", "Referrals", "Who was referred, and when.", (referrals,)),
            Section("attendance", "Attendance", "Attendance now.", (attendance, attitude)),
            Section("spend", "Interventions and spend", "What was spent.", (spend,)),
        ),
        metadata=(
            ("Population", "Students with a signed referral, not erased, not restricted."),
            ("Suppression", "Counts of 1 to 5; rates and means with a base under 10."),
        ),
    )


#: Every published number, as the page shows it.
PUBLISHED_TEXT = (
    "12",
    "1,234",
    "47",
    "1,296",
    "88.3%",
    "91.0%",
    "79.5%",
    "89.6%",
    "85.1%",
    "86.7%",
    "£15,250",
    "£8,100",
    "3.3",
)


@pytest.fixture
def document() -> ReportDocument:
    return build_document()


# -- formatting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1234, Unit.COUNT, "1,234"),
        (0, Unit.COUNT, "0"),
        (45.25, Unit.PERCENT, "45.3%"),
        (100, Unit.PERCENT, "100.0%"),
        (2.35, Unit.MEAN, "2.4"),
        (-0.25, Unit.MEAN, "-0.3"),
        (1234.5, Unit.MONEY, "£1,235"),
        (1234567.49, Unit.MONEY, "£1,234,567"),
        (-40, Unit.MONEY, "-£40"),
    ],
)
def test_format_value(value: float, unit: Unit, text: str) -> None:
    assert format_value(value, unit) == text


def test_published_value_rounds_half_up() -> None:
    assert published_value(0.5, Unit.COUNT) == 1
    assert published_value(2.5, Unit.COUNT) == 3
    assert published_value(88.25, Unit.PERCENT) == pytest.approx(88.3)


def test_present_symbol_has_no_number() -> None:
    cell = present(C, Unit.COUNT)
    assert (cell.text, cell.symbol, cell.number) == ("c", "c", None)
    assert cell.meaning == "suppressed to protect confidentiality"
    assert not present(None, Unit.COUNT).published


def test_grid_labels_margins_total(document: ReportDocument) -> None:
    table = grid(document.sections[1].figures[0])
    assert table.headers == ("Boys", "Girls", "Total")
    assert [row.label for row in table.rows] == ["Year 7", "Year 8", "Year 9", "Total"]
    assert not table.rows[1].cells[2].published  # a margin the figure leaves out
    assert table.rows[3].cells[1].text == ""  # (Total, Girls) is not published either


def test_sheet_names_short_safe_and_unique() -> None:
    names = sheet_names(["a" * 40, "a" * 40, "x/y:z", "cover"], reserved=("Cover",))
    assert all(len(name) <= 31 for name in names)
    assert len({name.casefold() for name in names} | {"cover"}) == 5
    assert names[2] == "x-y-z"


def test_time_period() -> None:
    assert time_period("2025-26, autumn term") == ("202526", "Autumn term")
    assert time_period("2025-26") == ("202526", "Academic year")


# -- SVG -----------------------------------------------------------------------------


def test_svg_is_accessible_and_draws_no_bar_for_a_symbol(document: ReportDocument) -> None:
    figure = document.sections[0].figures[0]
    root = ET.fromstring(charts.to_svg(figure))  # noqa: S314 - our own output
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "Referrals by year group"
    assert desc is not None
    assert "c" in (desc.text or "")
    labelled = (root.get("aria-labelledby") or "").split()
    assert {title.get("id"), desc.get("id")} == set(labelled)
    bar_titles = [
        title for rect in root.iter(f"{SVG}rect") if (title := rect.findtext(f"{SVG}title"))
    ]
    assert len(bar_titles) == 3  # Year 7, 8 and 10; none for Year 9, none for the total
    assert not any(t.startswith("Year 9") for t in bar_titles)
    assert not any("1,296" in t for t in bar_titles)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "c" in texts
    assert "1,234" in texts  # a value label


def test_grouped_svg_has_legend_percent_axis_and_symbols(document: ReportDocument) -> None:
    figure = document.sections[1].figures[0]
    root = ET.fromstring(charts.to_svg(figure))  # noqa: S314 - our own output
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Boys", "Girls"} <= set(texts)  # the legend
    assert {"0%", "100%"} <= set(texts)
    assert {"z", "low", "c"} <= set(texts)
    bars = [rect.findtext(f"{SVG}title") for rect in root.iter(f"{SVG}rect")]
    assert "Year 9, Girls" not in " ".join(t or "" for t in bars)
    assert len([t for t in bars if t]) == 3  # 88.3, 91.0, 79.5; legend swatches untitled


def test_money_chart_and_no_chart(document: ReportDocument) -> None:
    spend = document.sections[2].figures[0]
    svg = charts.to_svg(spend)
    assert "£15,250" in svg
    assert "£" in svg
    assert charts.to_svg(document.sections[1].figures[1]) == ""
    assert charts.slices(document.sections[1].figures[1], 1.3) == []
    assert [charts.svg_of(part) for part in charts.slices(spend, 1.3)] == [svg]


# -- HTML ----------------------------------------------------------------------------


def test_html_fragment_shows_every_published_cell_and_no_suppressed_value(
    document: ReportDocument,
) -> None:
    page = render_to_string("reports/_document.html", {"document": document})
    for text in PUBLISHED_TEXT:
        assert f">{text}<" in page, text
    assert '<abbr title="suppressed to protect confidentiality">c</abbr>' in page
    assert '<abbr title="not applicable">z</abbr>' in page
    assert '<abbr title="rounds to 0, but is not 0">low</abbr>' in page
    assert '<abbr title="not available">x</abbr>' in page
    for leak in LEAKS:
        assert leak not in page
    assert page.count("<svg") == 3  # the mean figure has no chart
    assert page.count('<table class="govuk-table"') == 6  # 4 figures, key, methods
    assert 'scope="colgroup"' in page
    assert 'scope="row"' in page
    assert 'href="#symbols-and-methods"' in page
    assert "1 December 2026" in page
    assert "n = 40" in page  # a 2-D rate's base
    assert "Students with a signed referral, not erased" in page


# -- PDF -----------------------------------------------------------------------------


def test_pdf_has_title_symbols_footer_and_no_suppressed_value(document: ReportDocument) -> None:
    pdf = report_pdf(document, logo=None)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Outcomes report, 2025-26, autumn term" in text
    assert re.search(r"(?m)\bc\b", text)
    assert re.search(r"(?m)\blow\b", text)
    assert FOOTER in text
    pages = pdf_pages(pdf)
    assert pages > 2
    assert f"Page 1 of {pages}" in text
    assert text.count(FOOTER) == pages
    for number in PUBLISHED_TEXT:
        assert number in text, number
    for leak in LEAKS:
        assert leak not in text
    assert report_pdf(document, logo=None) == pdf  # deterministic


def test_pdf_with_a_logo(document: ReportDocument) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "#1d70b8").save(buffer, format="PNG")
    pdf = report_pdf(document, logo=buffer.getvalue())
    assert pdf.startswith(b"%PDF")
    assert pdf_images(pdf) == 1
    roles = assert_tagged(pdf, title=document.title)
    assert roles["/Figure"] == 4  # the logo and the three charts


def test_pdf_is_tagged(document: ReportDocument) -> None:
    """ADR 0043: the title and sections as headings, each chart a figure described in
    words, each table (figures, the key, the methods) with header cells."""
    roles = assert_tagged(report_pdf(document, logo=None), title=document.title)
    assert roles["/H1"] == 1
    assert roles["/H2"] == len(document.sections) + 2  # contents and symbols
    assert roles["/H3"] == len(document.figures()) + 1  # and methods
    assert roles["/Figure"] == 3  # the mean figure has no chart
    assert roles["/Table"] >= 7  # the facts, 4 figures, key, methods
    assert roles["/L"] == 1  # the contents


# -- CSV -----------------------------------------------------------------------------


def test_csv_round_trips_every_published_cell(document: ReportDocument) -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(document))))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_key = {(r["figure_id"], r["row_category"], r["column_category"] or TOTAL): r for r in rows}
    expected = {
        (figure.id, row, column): (figure, shown)
        for figure in document.figures()
        for (row, column), shown in figure.cells.items()
    }
    assert len(rows) == len(expected) == len(by_key)
    for key, (figure, shown) in expected.items():
        row = by_key[key]
        assert row["unit"] == figure.unit.value
        assert row["time_period"] == "202526"
        assert row["time_identifier"] == "Autumn term"
        if shown.symbol is not None:
            assert row["value"] == shown.symbol.value
        else:
            assert float(row["value"]) == pytest.approx(published_value(shown.value, figure.unit))
        assert row["denominator"] == ("" if shown.denominator is None else str(shown.denominator))
    one_way = by_key[("referrals-by-year", TOTAL, TOTAL)]
    assert (one_way["column_breakdown"], one_way["column_category"]) == ("", "")
    assert by_key[("attendance-by-year-and-sex", TOTAL, "Boys")]["column_breakdown"] == "Sex"
    text = report_csv(document)
    for leak in LEAKS:
        assert leak not in text


def test_csv_metadata_describes_the_columns(document: ReportDocument) -> None:
    meta = list(csv.DictReader(io.StringIO(report_csv_metadata(document))))
    assert {"col_name", "col_type", "label", "indicator_unit"} <= set(meta[0])
    assert {m["col_name"] for m in meta} >= {"value", "row_category", "column_category"}


# -- XLSX ----------------------------------------------------------------------------


def test_xlsx_has_cover_metadata_and_a_sheet_per_figure(document: ReportDocument) -> None:
    book = load_workbook(io.BytesIO(report_xlsx(document)))
    figures = document.figures()
    assert book.sheetnames[:2] == ["Cover", "Metadata"]
    assert len(book.sheetnames) == 2 + len(figures)
    assert all(len(name) <= 31 for name in book.sheetnames)
    meta_values = [c.value for row in book["Metadata"].iter_rows() for c in row]
    assert "Population" in meta_values
    assert "suppressed to protect confidentiality" in meta_values

    referrals = book["referrals-by-year"]
    assert referrals["A2"].value == "Year group"
    assert referrals["A2"].font.b
    assert referrals["B3"].value == 12
    assert isinstance(referrals["B3"].value, int | float)
    assert referrals["B5"].value == "c"  # Year 9: a symbol, as text
    assert referrals["B7"].value == 1296
    assert referrals["B7"].number_format == "#,##0"
    assert referrals.freeze_panes == "B3"

    attendance = book["attendance-by-year-and-sex"]
    assert attendance["B3"].value == "Boys"
    assert attendance["B4"].value == pytest.approx(0.883)
    assert attendance["B4"].number_format == "0.0%"
    assert attendance["B5"].value == "z"
    assert attendance["C5"].value == "low"
    assert attendance["C6"].value == "c"

    spend = book[book.sheetnames[-1]]
    assert spend["B3"].number_format == "£#,##0"
    assert spend["B3"].value == 15250
    every = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row]
    for leak in LEAKS:
        assert not any(leak in value for value in every)


def test_a_tall_chart_is_sliced_to_fit_pdf_pages() -> None:
    rows = tuple(f"School {i}" for i in range(40))
    columns = ("Year 7", "Year 8", "Year 9")
    cells = {(r, c): Shown(float(i + j)) for i, r in enumerate(rows) for j, c in enumerate(columns)}
    cells[("School 3", "Year 8")] = C
    figure = Figure(
        id="tall",
        title="Students by school and year",
        measure="students",
        unit=Unit.COUNT,
        row_label="School",
        column_label="Year group",
        rows=rows,
        columns=columns,
        cells=cells,
        chart=Chart.GROUPED_BAR,
    )
    parts = charts.slices(figure, 1.3)
    assert len(parts) > 1
    assert all(p.height <= p.width * 1.3 for p in parts)
    document = dataclasses.replace(
        build_document(), sections=(Section("tall", "Tall", "", (figure,)),)
    )
    pdf = report_pdf(document, logo=None)
    assert "School 39" in pdf_text(pdf)
    assert assert_tagged(pdf, title=document.title)["/Figure"] == len(parts)


def forest_figure() -> Figure:
    """Three effects: a gain, one spanning zero, and a group too small to estimate."""
    x = Shown(symbol=Symbol.NOT_AVAILABLE)
    rows = ("Mentoring", "Tutoring", "Counselling")
    values = {"Mentoring": (4.8, 2.1, 7.5), "Tutoring": (-0.6, -3.2, 2.0)}
    cells: dict[tuple[str, str], Shown] = {}
    for row in rows:
        for column, value in zip(FOREST_COLUMNS, values.get(row, (None,) * 3), strict=True):
            cells[(row, column)] = x if value is None else Shown(value)
    cells.update({("Mentoring", "Students"): Shown(40.0), ("Tutoring", "Students"): Shown(38.0)})
    cells[("Counselling", "Students")] = C
    return Figure(
        id="forest",
        title="Associated difference in attendance",
        measure="impact_effect_attendance",
        unit=Unit.MEAN,
        row_label="Intervention",
        column_label="Difference in percentage points (95% interval)",
        rows=rows,
        columns=(*FOREST_COLUMNS, "Students"),
        cells=cells,
        chart=Chart.FOREST,
    )


def test_forest_plot_draws_points_intervals_zero_line_and_symbols() -> None:
    figure = forest_figure()
    chart = charts.layout(figure)
    assert chart is not None
    assert chart.description.startswith("Forest plot of Associated difference in attendance")
    assert "Rows marked x have no estimate" in chart.description
    points = [s for s in chart.shapes if isinstance(s, charts.Box)]
    assert [p.title for p in points] == ["Mentoring: 4.8", "Tutoring: -0.6"]  # none for x
    lines = [s for s in chart.shapes if isinstance(s, charts.Rule) and s.stroke == charts.INTERVAL]
    assert len(lines) == 2
    texts = [s.text for s in chart.shapes if isinstance(s, charts.Text)]
    assert "x" in texts  # the too-small group shows its letter, at zero
    assert "Difference in percentage points (95% interval)" in texts  # the axis caption
    # The axis runs either side of no difference, on round ticks.
    assert [t for t in texts if t in ("-5", "0", "5", "10")] == ["-5", "0", "5", "10"]
    # The zero line sits between the two intervals' ends, and each point inside its line.
    zero = next(s for s in chart.shapes if isinstance(s, charts.Rule) and s.width == 1.5)
    mentoring = lines[0]
    assert mentoring.x1 > zero.x1  # a gain: the whole interval is right of zero
    assert lines[1].x1 < zero.x1 < lines[1].x2  # spans zero
    assert mentoring.x1 < points[0].x + charts.POINT / 2 < mentoring.x2
    root = ET.fromstring(charts.to_svg(figure))  # noqa: S314 - our own output
    assert root.get("role") == "img"
    assert len(charts.slices(figure, 1.3)) == 1
    # The table under it is an ordinary two-way table: symbols stay letters everywhere.
    document = dataclasses.replace(
        build_document(), sections=(Section("impact", "Impact", "", (figure,)),)
    )
    rows = list(csv.DictReader(io.StringIO(report_csv(document))))
    assert {r["value"] for r in rows if r["row_category"] == "Counselling"} == {"x", "c"}
    assert report_pdf(document, logo=None).startswith(b"%PDF")
    load_workbook(io.BytesIO(report_xlsx(document)))


def test_a_forest_interval_with_no_upper_limit_runs_to_the_edge() -> None:
    figure = forest_figure()
    cells = dict(figure.cells)
    cells[("Mentoring", "Upper")] = Shown(symbol=Symbol.NOT_AVAILABLE)
    chart = charts.layout(dataclasses.replace(figure, cells=cells))
    assert chart is not None
    [line, _] = [
        s for s in chart.shapes if isinstance(s, charts.Rule) and s.stroke == charts.INTERVAL
    ]
    ticks = [s for s in chart.shapes if isinstance(s, charts.Rule) and s.stroke == charts.GRIDLINE]
    assert line.x2 == pytest.approx(max(t.x1 for t in ticks))


# -- Why a cell is hidden (issue 17, ADR 0030) ----------------------------------------


def test_every_hidden_cell_carries_its_reason_in_every_format() -> None:
    from seip.reports.document import Hidden
    from seip.reports.render_pdf import _cell_text

    figure = Figure(
        id="persistent-absence",
        title="Persistently absent since referral by school",
        measure="persistent_absence_since",
        unit=Unit.PERCENT,
        row_label="School",
        rows=("Oakfield School", "Riverside Academy", "Elm Park", "Ashby Hill"),
        cells={
            ("Oakfield School", TOTAL): Shown(symbol=Symbol.SUPPRESSED, reason=Hidden.SMALL_BASE),
            ("Riverside Academy", TOTAL): Shown(
                symbol=Symbol.SUPPRESSED, reason=Hidden.PROTECTS_CELL
            ),
            ("Elm Park", TOTAL): Shown(symbol=Symbol.SUPPRESSED, reason=Hidden.PROTECTS_RELEASE),
            ("Ashby Hill", TOTAL): Shown(symbol=Symbol.NOT_AVAILABLE, reason=Hidden.WITHHELD),
            (TOTAL, TOTAL): Shown(22.5, denominator=40),
        },
    )
    document = dataclasses.replace(
        build_document(), sections=(Section("attendance", "Attendance", "", (figure,)),)
    )
    expected = {
        "Oakfield School": Hidden.SMALL_BASE,
        "Riverside Academy": Hidden.PROTECTS_CELL,
        "Elm Park": Hidden.PROTECTS_RELEASE,
    }
    page = render_to_string("reports/_document.html", {"document": document})
    for reason in expected.values():
        assert f"c</abbr><sup>{reason.mark}</sup>" in page
    assert "earlier report cannot be worked out" in page  # the key explains the marks
    cells = {row.label: row.cells[0] for row in grid(figure).rows}
    for school, reason in expected.items():
        assert _cell_text(cells[school], two_way=False) == f"c {reason.mark}"  # the PDF's
    rows = {r["row_category"]: r for r in csv.DictReader(io.StringIO(report_csv(document)))}
    for school in expected:
        assert rows[school]["value"] == "c"
        assert rows[school]["reason"].startswith("hidden")
    assert rows[TOTAL]["denominator"] == "40"  # a rate carries its base
    book = load_workbook(io.BytesIO(report_xlsx(document)))
    values = [c.value for row in book["persistent-absence"].iter_rows() for c in row]
    for reason in expected.values():
        assert f"c {reason.mark}" in values
    meta = [c.value for row in book["Metadata"].iter_rows() for c in row]
    assert "c [5]" in meta
    # A cell withheld by the ledger (ADR 0036) is an x with its own reason, everywhere.
    assert f"x</abbr><sup>{Hidden.WITHHELD.mark}</sup>" in page
    assert _cell_text(cells["Ashby Hill"], two_way=False) == "x [6]"
    assert rows["Ashby Hill"]["value"] == "x"
    assert rows["Ashby Hill"]["reason"].startswith("not shown, whatever the figure")
    assert "x [6]" in values
    assert "x [6]" in meta


def test_a_hidden_count_has_one_reason_whatever_hid_it() -> None:
    """Telling a small count (1 to 5) from one hidden to protect it (above 5) would bound
    both, so every hidden count carries the same footnote (ADR 0030)."""
    from seip.disclosure.control import Reason
    from seip.disclosure.tables import CellKind
    from seip.reports.document import Hidden
    from seip.reports.outcomes import hidden_reason

    assert {hidden_reason(r, CellKind.COUNT) for r in Reason} == {Hidden.SMALL_COUNT}
    assert hidden_reason(Reason.PRIMARY, CellKind.RATE) is Hidden.SMALL_BASE
    assert hidden_reason(Reason.LEDGER, CellKind.MEAN) is Hidden.PROTECTS_RELEASE
    assert hidden_reason(Reason.PRIMARY, CellKind.MONEY) is Hidden.DOMINANT
