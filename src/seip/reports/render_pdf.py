"""The print-ready PDF of a released report, with the partnership's branding (P10, P13).

Built from the ``ReportDocument`` alone, so it shows exactly the cells the page shows: a
number or a symbol's letter. Like the notice PDF it is deterministic (``invariant``) and
numbers its pages "x of y" once the layout is done.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import dateformat, timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from seip.reports import charts
from seip.reports.document import Figure, ReportDocument
from seip.reports.present import CellView, Grid, grid, symbol_key

__all__ = ["FOOTER", "report_pdf"]

FOOTER = "OFFICIAL — aggregate figures; cells marked c are suppressed to protect confidentiality"
MARGIN = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
LOGO_HEIGHT = 20 * mm
#: Leaves room for the figure heading above a chart on an otherwise empty page.
CHART_MAX_HEIGHT = A4[1] - 2 * MARGIN - 22 * mm - 30 * mm
TEXT = colors.HexColor("#0b0c0c")
SECONDARY = colors.HexColor("#505a5f")
RULE = colors.HexColor("#1d70b8")
BORDER = colors.HexColor("#b1b4b6")
SHADE = colors.HexColor("#f3f2f1")

_BODY = ParagraphStyle(
    "body", fontName="Helvetica", fontSize=10, leading=14, textColor=TEXT, spaceAfter=6
)
STYLES = {
    "organisation": ParagraphStyle(
        "organisation", parent=_BODY, fontName="Helvetica-Bold", fontSize=16, leading=20
    ),
    "title": ParagraphStyle(
        "title", parent=_BODY, fontName="Helvetica-Bold", fontSize=24, leading=29, spaceAfter=10
    ),
    "h2": ParagraphStyle(
        "h2",
        parent=_BODY,
        fontName="Helvetica-Bold",
        fontSize=16,
        leading=20,
        spaceBefore=4,
        spaceAfter=6,
        keepWithNext=1,
    ),
    "h3": ParagraphStyle(
        "h3",
        parent=_BODY,
        fontName="Helvetica-Bold",
        fontSize=12,
        leading=15,
        spaceBefore=10,
        spaceAfter=4,
        keepWithNext=1,
    ),
    "body": _BODY,
    "note": ParagraphStyle("note", parent=_BODY, fontSize=8.5, leading=11, textColor=SECONDARY),
    "cell": ParagraphStyle("cell", parent=_BODY, fontSize=8.5, leading=10.5, spaceAfter=0),
    "head": ParagraphStyle(
        "head", parent=_BODY, fontName="Helvetica-Bold", fontSize=8.5, leading=10.5, spaceAfter=0
    ),
    "head_number": ParagraphStyle(
        "head_number",
        parent=_BODY,
        fontName="Helvetica-Bold",
        fontSize=8.5,
        leading=10.5,
        spaceAfter=0,
        alignment=TA_RIGHT,
    ),
    "head_centre": ParagraphStyle(
        "head_centre",
        parent=_BODY,
        fontName="Helvetica-Bold",
        fontSize=8.5,
        leading=10.5,
        spaceAfter=0,
        alignment=TA_CENTER,
    ),
    "contents": ParagraphStyle("contents", parent=_BODY, leftIndent=6 * mm, spaceAfter=3),
}


def report_pdf(document: ReportDocument, *, logo: bytes | None) -> bytes:
    """The report as an A4 PDF: a branded first page (organisation, logo, title, period,
    scope, recipient, date) and contents, then each section's charts and tables, then
    the symbol key and methods. Every page carries the OFFICIAL footer and "Page x of y".

    ``logo`` is a PNG (``seip.notices.pdf.png_logo`` gives one); a logo that cannot be
    laid out is dropped and the name stands alone, as on the notice PDF.
    """
    try:
        return _render(document, logo)
    except LayoutError:
        if logo is None:
            raise
        # A logo with an extreme shape cannot be laid out; the name alone always can.
        return _render(document, None)


class _NumberedCanvas(Canvas):
    """Holds each finished page until the end, when the page count is known, then stamps
    "Page x of y" on every page: one layout pass instead of two."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        # What Canvas.showPage does after writing a page; not in the type stubs.
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFont("Helvetica", 8)
            self.setFillColor(SECONDARY)
            self.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {self.getPageNumber()} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


def _render(document: ReportDocument, logo: bytes | None) -> bytes:
    buffer = io.BytesIO()

    def draw_footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setStrokeColor(SECONDARY)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, 14 * mm, A4[0] - MARGIN, 14 * mm)
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(SECONDARY)
        canvas.drawString(MARGIN, 10 * mm, FOOTER)
        if canvas.getPageNumber() > 1:
            canvas.drawString(MARGIN, A4[1] - 10 * mm, f"{document.organisation}: {document.title}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=document.title,
        author=document.organisation,
        subject=f"{document.scope_label}, {document.period_label}",
        creator="SEIP",
        lang="en-GB",
        displayDocTitle=1,
        invariant=1,
    )
    doc.build(
        _story(document, logo),
        onFirstPage=draw_footer,
        onLaterPages=draw_footer,
        canvasmaker=_NumberedCanvas,
    )
    return buffer.getvalue()


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def _story(document: ReportDocument, logo: bytes | None) -> list[Flowable]:
    released = dateformat.format(timezone.localtime(document.released_at), "j F Y")
    facts = [
        ("Period", document.period_label),
        ("Covers", document.scope_label),
        ("Released to", document.released_to),
        ("Released on", released),
    ]
    story: list[Flowable] = [
        _letterhead(document.organisation, logo),
        Spacer(1, 14 * mm),
        _p(document.title, "title"),
        _key_value_table(facts, widths=(35 * mm, FRAME_WIDTH - 35 * mm), font_size=11),
        Spacer(1, 10 * mm),
        _p("Contents", "h2"),
    ]
    titles = [section.title for section in document.sections] + ["Symbols and methods"]
    story += [
        Paragraph(escape(title), STYLES["contents"], bulletText=f"{n}.")
        for n, title in enumerate(titles, start=1)
    ]
    story.append(Spacer(1, 8 * mm))
    story.append(
        _p(
            "This report contains aggregate figures only. Small numbers are suppressed and "
            "shown as c, so that no student can be identified; the symbols are explained at "
            "the end.",
            "note",
        )
    )
    for n, section in enumerate(document.sections, start=1):
        story += [PageBreak(), _p(f"{n}. {section.title}", "h2")]
        if section.summary:
            story.append(_p(section.summary, "body"))
        for figure in section.figures:
            story += _figure(figure)
    story += [PageBreak(), _p(f"{len(titles)}. Symbols and methods", "h2")]
    story.append(
        _key_value_table(
            [("Symbol", "Meaning"), *symbol_key()],
            widths=(25 * mm, FRAME_WIDTH - 25 * mm),
            header=True,
        )
    )
    if document.metadata:
        story += [
            Spacer(1, 6 * mm),
            _p("Methods and sources", "h3"),
            _key_value_table(list(document.metadata), widths=(50 * mm, FRAME_WIDTH - 50 * mm)),
        ]
    return story


def _figure(figure: Figure) -> list[Flowable]:
    heading = _p(figure.title, "h3")
    drawings = charts.to_drawings(figure, FRAME_WIDTH * 0.92, max_height=CHART_MAX_HEIGHT)
    parts: list[Flowable] = [CondPageBreak(60 * mm)]
    if drawings:
        # Keep the heading with its chart; a tall chart continues in slices of whole
        # rows, and the table may then split across pages.
        parts.append(KeepTogether([heading, drawings[0], Spacer(1, 3 * mm)]))
        parts += [KeepTogether([d, Spacer(1, 3 * mm)]) for d in drawings[1:]]
    else:
        parts.append(heading)
    parts.append(_grid_table(grid(figure)))
    if figure.note:
        parts += [Spacer(1, 2 * mm), _p(figure.note, "note")]
    return parts


def _cell_text(cell: CellView, *, two_way: bool) -> str:
    if not cell.published:
        return "\u2013"  # an en dash: a position the figure does not publish
    text = cell.text
    if two_way and cell.base:
        text += f"\nn = {cell.base}"
    return text


def _grid_cell(text: str, *, head: bool, label: bool) -> str | Paragraph:
    """Labels and headers wrap (as Paragraphs); numbers and symbols stay plain strings,
    right aligned by the table style."""
    if label:
        return Paragraph(escape(text), STYLES["head" if head else "cell"])
    if head and text:
        return Paragraph(escape(text), STYLES["head_number"])
    return text


def _grid_table(table: Grid) -> Table:
    rows: list[list[str]] = []
    if table.two_way:
        rows.append(["", table.column_label or "", *[""] * (len(table.headers) - 1)])
    head = [table.row_label, *table.headers] + (["Base"] if table.base_column else [])
    rows.append(head)
    header_rows = len(rows)
    for row in table.rows:
        line = [row.label, *[_cell_text(c, two_way=table.two_way) for c in row.cells]]
        if table.base_column:
            line.append(row.cells[0].base)
        rows.append(line)
    columns = len(head)
    label_width = min(max(45 * mm, FRAME_WIDTH * 0.3), FRAME_WIDTH - 18 * mm * (columns - 1))
    value_width = (FRAME_WIDTH - label_width) / max(columns - 1, 1)
    value_width = min(value_width, 32 * mm)
    wrapped: list[list[str | Paragraph]] = []
    for r, line in enumerate(rows):
        wrapped.append(
            [_grid_cell(text, head=r < header_rows, label=c == 0) for c, text in enumerate(line)]
        )
    style: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, header_rows - 1), "Helvetica-Bold", 8.5),
        ("FONT", (1, header_rows), (-1, -1), "Helvetica", 8.5),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, BORDER),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 1, TEXT),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if table.two_way:
        # The column breakdown's name spans, and is centred over, its categories.
        wrapped[0][1] = Paragraph(escape(table.column_label or ""), STYLES["head_centre"])
        style.append(("SPAN", (1, 0), (-1, 0)))
    for r, row in enumerate(table.rows, start=header_rows):
        if row.total:
            style.append(("FONT", (1, r), (-1, r), "Helvetica-Bold", 8.5))
            style.append(("LINEABOVE", (0, r), (-1, r), 0.75, TEXT))
        for c, cell in enumerate(row.cells, start=1):
            if cell.total and not row.total:
                style.append(("FONT", (c, r), (c, r), "Helvetica-Bold", 8.5))
            if cell.symbol:
                style.append(("TEXTCOLOR", (c, r), (c, r), SECONDARY))
    result = Table(
        wrapped,
        colWidths=[label_width] + [value_width] * (columns - 1),
        repeatRows=header_rows,
        hAlign="LEFT",
    )
    result.setStyle(TableStyle(style))  # type: ignore[arg-type]
    return result


def _key_value_table(
    rows: list[tuple[str, str]],
    *,
    widths: tuple[float, float],
    header: bool = False,
    font_size: float = 9,
) -> Table:
    cell = ParagraphStyle("kv", parent=STYLES["cell"], fontSize=font_size, leading=font_size * 1.3)
    bold = ParagraphStyle("kvb", parent=cell, fontName="Helvetica-Bold")
    data = [
        [
            Paragraph(escape(key), bold),
            Paragraph(escape(value).replace("\n", "<br/>"), bold if header and r == 0 else cell),
        ]
        for r, (key, value) in enumerate(rows)
    ]
    table = Table(data, colWidths=list(widths), hAlign="LEFT", repeatRows=1 if header else 0)
    style: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, BORDER),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]
    if header:
        style.append(("LINEBELOW", (0, 0), (-1, 0), 1, TEXT))
    table.setStyle(TableStyle(style))  # type: ignore[arg-type]
    return table


def _letterhead(organisation: str, logo: bytes | None) -> Flowable:
    name = _p(organisation, "organisation")
    cells: list[Flowable] = [name]
    widths: list[float] = [FRAME_WIDTH]
    if logo is not None:
        width, height = ImageReader(io.BytesIO(logo)).getSize()
        logo_width = min(LOGO_HEIGHT * width / height, 60 * mm)
        image = Image(io.BytesIO(logo), width=logo_width, height=LOGO_HEIGHT, kind="proportional")
        cells = [image, name]
        widths = [logo_width + 4 * mm, FRAME_WIDTH - logo_width - 4 * mm]
    table = Table([cells], colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
                ("LINEBELOW", (0, 0), (-1, -1), 2, RULE),
            ]
        )
    )
    return table
