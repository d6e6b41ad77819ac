"""The printable PDF of a published notice version, made with reportlab's platypus.

The PDF is built from the version's stored body, so it says exactly what the web page
says. It is deterministic (``invariant``) so the same version always gives the same file,
and its page streams are left uncompressed: the text stays searchable in the raw bytes,
which is how the tests read it, and a few pages of text stay small.
"""

import io
from xml.sax.saxutils import escape

from django.utils import dateformat, timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from seip.notices.markup import parse
from seip.notices.models import NoticeVersion
from seip.organisations.models import Partnership

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGO_HEIGHT = 18 * mm
MARGIN = 20 * mm
TEXT = colors.HexColor("#0b0c0c")
SECONDARY = colors.HexColor("#505a5f")
RULE = colors.HexColor("#1d70b8")

_BODY = ParagraphStyle(
    "body", fontName="Helvetica", fontSize=11, leading=15, textColor=TEXT, spaceAfter=7
)
STYLES = {
    "name": ParagraphStyle(
        "name", parent=_BODY, fontName="Helvetica-Bold", fontSize=16, leading=20, spaceAfter=0
    ),
    "title": ParagraphStyle(
        "title", parent=_BODY, fontName="Helvetica-Bold", fontSize=22, leading=27, spaceAfter=4
    ),
    "meta": ParagraphStyle("meta", parent=_BODY, textColor=SECONDARY, spaceAfter=10),
    "heading": ParagraphStyle(
        "heading",
        parent=_BODY,
        fontName="Helvetica-Bold",
        fontSize=14,
        leading=18,
        spaceBefore=10,
        spaceAfter=5,
        keepWithNext=1,
    ),
    "body": _BODY,
    "bullet": ParagraphStyle(
        "bullet", parent=_BODY, leftIndent=6 * mm, bulletIndent=1.5 * mm, spaceAfter=3
    ),
}


def published_on(version: NoticeVersion) -> str:
    """The publication date as families read it, such as "1 December 2026"."""
    return dateformat.format(timezone.localtime(version.published_at), "j F Y")


def notice_pdf(version: NoticeVersion) -> bytes:
    """The notice as an A4 PDF: letterhead, title, body, and a footer on every page
    naming the partnership, the version and its date, with page numbers (P26)."""
    logo = png_logo(version.partnership)
    # "Page x of y" needs y, which is only known once the pages have been laid out.
    _, pages = _render(version, logo, total_pages=0)
    pdf, _ = _render(version, logo, total_pages=pages)
    return pdf


def png_logo(partnership: Partnership) -> bytes | None:
    """The partnership's logo if it is a readable PNG. SVG logos are left out of the PDF
    (reportlab cannot draw them), and the letterhead then shows the name alone."""
    if not partnership.logo or not (partnership.logo.name or "").lower().endswith(".png"):
        return None
    try:
        with partnership.logo.open("rb") as file:
            content: bytes = file.read()
        if not content.startswith(PNG_SIGNATURE):
            return None
        ImageReader(io.BytesIO(content)).getSize()
    except (OSError, ValueError):
        return None
    return content


def _render(version: NoticeVersion, logo: bytes | None, *, total_pages: int) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    partnership = version.partnership
    footer = f"{partnership.name} · Privacy notice version {version.number}, published " + (
        published_on(version)
    )
    pages = 0

    def draw_footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        nonlocal pages
        pages = canvas.getPageNumber()
        page = f"Page {pages}" + (f" of {total_pages}" if total_pages else "")
        canvas.saveState()
        canvas.setStrokeColor(SECONDARY)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, 14 * mm, A4[0] - MARGIN, 14 * mm)
        canvas.setFont("Helvetica", 9)
        canvas.setFillColor(SECONDARY)
        canvas.drawString(MARGIN, 10 * mm, footer)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, page)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=version.title,
        author=partnership.name,
        subject=f"Privacy notice version {version.number}",
        creator="SEIP",
        lang="en-GB",
        displayDocTitle=1,
        invariant=1,
        pageCompression=0,
    )
    try:
        doc.build(_story(version, logo), onFirstPage=draw_footer, onLaterPages=draw_footer)
    except LayoutError:
        if logo is None:
            raise
        # A logo with an extreme shape cannot be laid out; the name alone always can.
        return _render(version, None, total_pages=total_pages)
    return buffer.getvalue(), pages


def _story(version: NoticeVersion, logo: bytes | None) -> list[Flowable]:
    story: list[Flowable] = [
        _letterhead(version.partnership, logo),
        Spacer(1, 8 * mm),
        Paragraph(escape(version.title), STYLES["title"]),
        Paragraph(
            escape(f"Version {version.number}, published {published_on(version)}"),
            STYLES["meta"],
        ),
    ]
    for block in parse(version.body):
        if block.kind == "heading":
            story.append(Paragraph(escape(block.texts[0]), STYLES["heading"]))
        elif block.kind == "paragraph":
            story.append(Paragraph(escape(block.texts[0]), STYLES["body"]))
        else:
            story.extend(
                Paragraph(escape(item), STYLES["bullet"], bulletText="•") for item in block.texts
            )
            story.append(Spacer(1, 5))
    return story


def _letterhead(partnership: Partnership, logo: bytes | None) -> Flowable:
    name = Paragraph(escape(partnership.name), STYLES["name"])
    cells: list[Flowable] = [name]
    widths: list[float] = [A4[0] - 2 * MARGIN]
    if logo is not None:
        width, height = ImageReader(io.BytesIO(logo)).getSize()
        logo_width = min(LOGO_HEIGHT * width / height, 60 * mm)
        image = Image(io.BytesIO(logo), width=logo_width, height=LOGO_HEIGHT, kind="proportional")
        cells = [image, name]
        widths = [logo_width + 4 * mm, widths[0] - logo_width - 4 * mm]
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
