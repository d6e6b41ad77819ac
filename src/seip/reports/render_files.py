"""CSV and XLSX downloads of a released report, with DfE symbols (P10).

The CSV follows the tidy layout of DfE's explore-education-statistics: one row per
published cell, its filters as columns ("Total" for a margin) and a companion metadata
file describing each column. A cell without a number carries its symbol (``c``, ``z``,
``x``, ``low``) in ``value``, exactly as published; numbers carry the page's precision.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from django.utils import dateformat, timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from seip.core.calendar import TERMS
from seip.core.spreadsheets import safe_dict, safe_row, safe_workbook
from seip.reports.document import TOTAL, Figure, ReportDocument, Unit
from seip.reports.present import (
    DECIMALS,
    CellView,
    grid,
    present,
    sheet_names,
    symbol_key,
    value_header,
)

__all__ = ["CSV_COLUMNS", "report_csv", "report_csv_metadata", "report_xlsx", "time_period"]

CSV_COLUMNS = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "scope",
    "section",
    "figure_id",
    "figure_title",
    "measure",
    "row_breakdown",
    "row_category",
    "column_breakdown",
    "column_category",
    "unit",
    "value",
    "denominator",
    "reason",
)

_UNIT_LABEL = {Unit.COUNT: "", Unit.PERCENT: "%", Unit.MEAN: "", Unit.MONEY: "£"}


def time_period(period_label: str) -> tuple[str, str]:
    """EES ``time_period`` and ``time_identifier`` from a label such as
    "2025-26, autumn term": ``("202526", "Autumn term")``, or "Academic year" for a year."""
    match = re.search(r"(\d{4})\s*[-/]\s*(\d{2})", period_label)
    period = f"{match.group(1)}{match.group(2)}" if match else period_label
    lowered = period_label.lower()
    for term in TERMS:
        if term in lowered:
            return period, f"{term.capitalize()} term"
    return period, "Academic year"


def _published_text(cell: CellView, unit: Unit) -> str:
    if cell.symbol:
        return cell.symbol
    assert cell.number is not None  # noqa: S101 - a published cell is a number or a symbol
    return f"{cell.number:.{DECIMALS[unit]}f}"


def _positions(figure: Figure) -> Iterator[tuple[str, str]]:
    """Every published position in reading order: the table's rows, then the margins."""
    rows = [*figure.rows, TOTAL]
    columns = [*figure.columns, TOTAL] if figure.columns else [TOTAL]
    for row in rows:
        for column in columns:
            if (row, column) in figure.cells:
                yield row, column


def report_csv(document: ReportDocument, *, geographic_level: str = "Partnership") -> str:
    """One row per published cell of every figure, in the EES tidy style."""
    period, identifier = time_period(document.period_label)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for section in document.sections:
        for figure in section.figures:
            for row, column in _positions(figure):
                cell = present(figure.cells[(row, column)], figure.unit)
                writer.writerow(
                    safe_dict(
                        {
                            "time_period": period,
                            "time_identifier": identifier,
                            "geographic_level": geographic_level,
                            "scope": document.scope_label,
                            "section": section.title,
                            "figure_id": figure.id,
                            "figure_title": figure.title,
                            "measure": figure.measure,
                            "row_breakdown": figure.row_label,
                            "row_category": row,
                            "column_breakdown": (figure.column_label or "")
                            if figure.columns
                            else "",
                            "column_category": column if figure.columns else "",
                            "unit": figure.unit.value,
                            "value": _published_text(cell, figure.unit),
                            "denominator": ""
                            if cell.denominator is None
                            else str(cell.denominator),
                            "reason": cell.meaning if cell.mark else "",
                        }
                    )
                )
    return out.getvalue()


_META_COLUMNS = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
)

_META_ROWS: tuple[tuple[str, ...], ...] = (
    ("section", "Filter", "Section", "", "", "", "The report section", ""),
    ("figure_id", "Filter", "Figure", "", "", "", "One table of the report", ""),
    ("measure", "Filter", "Measure", "", "", "", "What is counted or measured", ""),
    ("row_category", "Filter", "Row category", "", "", "", "Total for a margin", "row_breakdown"),
    (
        "column_category",
        "Filter",
        "Column category",
        "",
        "",
        "",
        "Total for a margin; empty for a one-way table",
        "column_breakdown",
    ),
    (
        "value",
        "Indicator",
        "Value",
        "",
        "",
        "",
        "A number in the unit named in the unit column (count, percent, mean or money in "
        "pounds), or a symbol: c suppressed, z not applicable, x not available, low rounds "
        "to 0 but is not 0",
        "",
    ),
    (
        "denominator",
        "Indicator",
        "Base (denominator)",
        "",
        "",
        "0",
        "The published base of a rate or mean",
        "",
    ),
    (
        "reason",
        "Indicator",
        "Why a value is hidden",
        "",
        "",
        "",
        "For a c: a small count, too few in the base, one provider too plain, or hidden so "
        "that another hidden figure (in this table or an earlier report) cannot be worked out",
        "",
    ),
)


def report_csv_metadata(document: ReportDocument) -> str:
    """The companion ``.meta.csv``: how each filter and indicator column reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_META_COLUMNS)
    writer.writerows(safe_row(row) for row in _META_ROWS)
    return out.getvalue()


NUMBER_FORMATS = {
    Unit.COUNT: "#,##0",
    Unit.PERCENT: "0.0%",
    Unit.MEAN: "0.0",
    Unit.MONEY: "£#,##0",
}
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
RIGHT = Alignment(horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")


def _put(sheet: Worksheet, row: int, column: int, cell: CellView, unit: Unit) -> None:
    """A number as a number with the unit's format; a symbol as text, right aligned."""
    target = sheet.cell(row=row, column=column)
    if cell.symbol:
        target.value = cell.symbol
        target.alignment = RIGHT
    elif cell.number is not None:
        target.value = cell.number / 100 if unit is Unit.PERCENT else cell.number
        target.number_format = NUMBER_FORMATS[unit]
    if cell.total:
        target.font = BOLD

    if cell.mark:  # the footnote of a hidden cell's reason (ADR 0030), keyed on Metadata
        target.value = cell.text


def _widths(sheet: Worksheet, minimum: int = 8, maximum: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None and cell.row > 1:
                length = len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(width + 2, minimum), maximum
        )


def _figure_sheet(sheet: Worksheet, figure: Figure) -> None:
    table = grid(figure)
    sheet["A1"] = figure.title
    sheet["A1"].font = TITLE
    header = [table.row_label, *table.headers] + (["Base"] if table.base_column else [])
    first = 2
    if table.two_way:
        sheet.cell(row=2, column=2, value=table.column_label or "").font = BOLD
        first = 3
    for c, text in enumerate(header, start=1):
        target = sheet.cell(row=first, column=c, value=text)
        target.font = BOLD
        if c > 1:
            target.alignment = RIGHT
    r = first
    for r, row in enumerate(table.rows, start=first + 1):
        label = sheet.cell(row=r, column=1, value=row.label)
        label.font = BOLD if row.total else Font()
        for c, cell in enumerate(row.cells, start=2):
            _put(sheet, r, c, cell, figure.unit)
        if table.base_column and row.cells[0].denominator is not None:
            base = sheet.cell(row=r, column=len(header), value=row.cells[0].denominator)
            base.number_format = "#,##0"
    # Title and header stay in view, as does the row-label column.
    sheet.freeze_panes = f"B{first + 1}"
    r += 2
    if table.two_way and any(c.denominator is not None for row in table.rows for c in row.cells):
        sheet.cell(row=r, column=1, value="Base (denominator)").font = BOLD
        r += 1
        for row in table.rows:
            sheet.cell(row=r, column=1, value=row.label)
            for c, cell in enumerate(row.cells, start=2):
                if cell.denominator is not None:
                    sheet.cell(row=r, column=c, value=cell.denominator).number_format = "#,##0"
            r += 1
        r += 1
    facts = [
        ("Measure", figure.measure),
        ("Unit", f"{value_header(figure.unit)} ({figure.unit.value})"),
        ("Note", figure.note),
    ]
    for name, value in facts:
        if value:
            sheet.cell(row=r, column=1, value=name).font = BOLD
            sheet.cell(row=r, column=2, value=value)
            r += 1
    _widths(sheet)


def report_xlsx(document: ReportDocument) -> bytes:
    """A workbook: a Cover sheet, a Metadata sheet (methods, symbols) and one sheet per
    figure, numbers stored as numbers with the unit's format and symbols as text."""
    book = Workbook()
    cover = book.active
    assert cover is not None  # noqa: S101 - a new workbook always has a sheet
    cover.title = "Cover"
    figures = document.figures()
    names = sheet_names([f.id for f in figures], reserved=("Cover", "Metadata"))
    released = dateformat.format(timezone.localtime(document.released_at), "j F Y")
    cover["A1"] = document.title
    cover["A1"].font = TITLE
    rows: list[tuple[str, str]] = [
        ("Organisation", document.organisation),
        ("Covers", document.scope_label),
        ("Period", document.period_label),
        ("Released to", document.released_to),
        ("Released on", released),
        ("Classification", "OFFICIAL: aggregate figures; c marks a suppressed cell"),
    ]
    r = 2
    for r, (name, value) in enumerate(rows, start=2):
        cover.cell(row=r, column=1, value=name).font = BOLD
        cover.cell(row=r, column=2, value=value)
    r += 2
    for c, text in enumerate(("Sheet", "Section", "Figure"), start=1):
        cover.cell(row=r, column=c, value=text).font = BOLD
    n = 0
    for section in document.sections:
        for figure in section.figures:
            r += 1
            cover.cell(row=r, column=1, value=names[n])
            n += 1
            cover.cell(row=r, column=2, value=section.title)
            cover.cell(row=r, column=3, value=figure.title)
    cover.freeze_panes = "A2"
    _widths(cover)

    meta = book.create_sheet("Metadata")
    meta.cell(row=1, column=1, value="Item").font = BOLD
    meta.cell(row=1, column=2, value="Detail").font = BOLD
    r = 1
    for r, (name, value) in enumerate(document.metadata, start=2):
        meta.cell(row=r, column=1, value=name).font = BOLD
        meta.cell(row=r, column=2, value=value).alignment = WRAP
    r += 2
    meta.cell(row=r, column=1, value="Symbol").font = BOLD
    meta.cell(row=r, column=2, value="Meaning").font = BOLD
    for symbol, meaning in symbol_key():
        r += 1
        meta.cell(row=r, column=1, value=symbol)
        meta.cell(row=r, column=2, value=meaning)
    meta.freeze_panes = "A2"
    _widths(meta, maximum=100)

    for figure, name in zip(figures, names, strict=True):
        _figure_sheet(book.create_sheet(name), figure)

    # Labels, titles and names come from the records: none may start a formula.
    safe_workbook(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
