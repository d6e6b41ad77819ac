"""The print-ready PDF of a released report, with the partnership's branding (P10, P13).

Built from the ``ReportDocument`` alone, so it shows exactly the cells the page shows: a
number or a symbol's letter. A tagged PDF (ADR 0043) laid out from
``reports/pdf/report.html``: each chart a figure with its description as alternative
text, each table with its header cells. The same document always gives the same file.
"""

from __future__ import annotations

from dataclasses import dataclass

from seip.core.pdf import data_uri, render_pdf
from seip.reports import charts
from seip.reports.document import Figure, ReportDocument
from seip.reports.present import CellView, Grid, grid, symbol_key

__all__ = ["FOOTER", "report_pdf"]

FOOTER = "OFFICIAL — aggregate figures; cells marked c are suppressed to protect confidentiality"
#: The tallest chart slice, as a multiple of its width: the room an A4 page leaves under a
#: figure heading at 92% of the text width.
CHART_MAX_RATIO = 1.3


@dataclass(frozen=True)
class _Image:
    uri: str
    alt: str


@dataclass(frozen=True)
class _Cell:
    text: str
    base: str
    bold: bool
    symbol: bool


@dataclass(frozen=True)
class _Row:
    label: str
    total: bool
    cells: tuple[_Cell, ...]


@dataclass(frozen=True)
class _Figure:
    title: str
    charts: tuple[_Image, ...]
    grid: Grid
    rows: tuple[_Row, ...]
    note: str


def report_pdf(document: ReportDocument, *, logo: bytes | None) -> bytes:
    """The report as an A4 PDF: a branded first page (organisation, logo, title, period,
    scope, recipient, date) and contents, then each section's charts and tables, then
    the symbol key and methods. Every page carries the OFFICIAL footer and "Page x of y".

    ``logo`` is a PNG (``seip.notices.pdf.png_logo`` gives one).
    """
    sections = [
        (n, section, [_figure(figure) for figure in section.figures])
        for n, section in enumerate(document.sections, start=1)
    ]
    return render_pdf(
        "reports/pdf/report.html",
        {
            "document": document,
            "logo": data_uri(logo, "image/png") if logo else None,
            "footer": FOOTER,
            "sections": sections,
            "last": len(sections) + 1,
            "symbols": symbol_key(),
        },
    )


def _figure(figure: Figure) -> _Figure:
    parts = charts.slices(figure, CHART_MAX_RATIO)
    images = []
    for n, part in enumerate(parts):
        alt = part.description
        if len(parts) > 1:
            alt = f"Part {n + 1} of {len(parts)} of the chart. {alt}"
        images.append(_Image(data_uri(charts.svg_of(part), "image/svg+xml"), alt))
    table = grid(figure)
    rows = tuple(
        _Row(
            label=row.label,
            total=row.total,
            cells=tuple(
                _Cell(
                    text=_cell_text(cell, two_way=False),
                    base=cell.base if table.two_way and cell.published else "",
                    bold=row.total or cell.total,
                    symbol=bool(cell.symbol),
                )
                for cell in row.cells
            ),
        )
        for row in table.rows
    )
    return _Figure(figure.title, tuple(images), table, rows, figure.note)


def _cell_text(cell: CellView, *, two_way: bool) -> str:
    if not cell.published:
        return "\u2013"  # an en dash: a position the figure does not publish
    text = cell.text
    if two_way and cell.base:
        text += f"\nn = {cell.base}"
    return text
