"""The two forms of a bundle: a readable PDF and a machine-readable zip (P18, P21).

Both are laid out from ``schema.TABLES``, so a new table appears in the PDF, the JSON,
its CSV and the README at once. The PDF follows the progress report's style, with the
partnership's name and "Page N of M" on every page.
"""

import csv
import io
import json
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from seip.bundles.assemble import Bundle
from seip.bundles.schema import (
    ACCESS_NOTICE,
    PORTABILITY_NOTICE,
    SCHEMA_VERSION,
    TABLES,
)
from seip.core.spreadsheets import safe_dict

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _notice(portability: bool) -> str:
    return PORTABILITY_NOTICE if portability else ACCESS_NOTICE


def metadata(bundle: Bundle, *, portability: bool) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "schema": "docs/export-schema.md",
        "purpose": "data portability" if portability else "subject access",
        "basis": _notice(portability),
        "voluntary": portability,
        "partnership": bundle.partnership,
        "generated_at": bundle.generated_at.isoformat(timespec="seconds"),
        "withheld": bundle.withheld,
    }


def render_json(bundle: Bundle, *, portability: bool) -> bytes:
    document = {
        "metadata": metadata(bundle, portability=portability),
        **{table.key: bundle.tables.get(table.key, []) for table in TABLES},
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _csv(rows: list[dict[str, Any]], names: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # Names and notes are typed by people: none may start a formula (issue 15).
        writer.writerow(safe_dict({k: ("" if v is None else v) for k, v in row.items()}))
    # A byte-order mark so spreadsheet programs read the names' accents correctly.
    return ("\ufeff" + out.getvalue()).encode()


def readme(bundle: Bundle, *, portability: bool) -> str:
    lines = [
        f"{bundle.partnership}: {'a copy to move elsewhere' if portability else 'your record'}",
        "",
        _notice(portability),
        "",
        f"Made on {bundle.generated_at:%d %B %Y}. Schema version {SCHEMA_VERSION}.",
        "",
        "Files:",
        "  record.json   every table below, as lists of objects, with a 'metadata' object",
        "  <table>.csv   one CSV (UTF-8, comma-separated, header row) per table",
        "  attachments/  files attached to case notes, and signed consent forms",
        "  record.pdf    the same information laid out to read (in the access bundle)",
        "",
    ]
    if bundle.withheld:
        lines += ["Not included:", *(f"  - {line}" for line in bundle.withheld), ""]
    lines.append("Tables (name, type, meaning):")
    for table in TABLES:
        lines += ["", f"{table.key}.csv: {table.title}. {table.meaning}".rstrip()]
        lines += [f"  {c.name} ({c.type}): {c.meaning}" for c in table.columns]
    return "\n".join(lines) + "\n"


def render_zip(bundle: Bundle, *, portability: bool, pdf: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data)

        add("README.txt", readme(bundle, portability=portability).encode())
        add("record.json", render_json(bundle, portability=portability))
        for table in TABLES:
            add(f"{table.key}.csv", _csv(bundle.tables.get(table.key, []), table.names))
        for file in bundle.files:
            add(file.path, file.content)
        if pdf is not None:
            add("record.pdf", pdf)
    return buffer.getvalue()


class _NumberedCanvas(Canvas):
    """Draws "Page N of M" once the page count is known (two-pass is reportlab's way)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.footer = kwargs.pop("footer", "")
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.drawString(18 * mm, 10 * mm, self.footer)
            self.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {self._pageNumber} of {total}")  # type: ignore[attr-defined]
            super().showPage()
        super().save()


def render_pdf(bundle: Bundle, *, portability: bool = False) -> bytes:
    buffer = io.BytesIO()
    person = (bundle.tables.get("student") or [{}])[0]
    name = f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()
    title = f"Information held about {name}"
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author=bundle.partnership,
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        invariant=1, pageCompression=0,
    )  # fmt: skip
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=7, leading=9)
    story: list[Flowable] = [
        Paragraph(escape(bundle.partnership), styles["Normal"]),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(_notice(portability)), styles["Normal"]),
        Paragraph(f"Made on {bundle.generated_at:%-d %B %Y}.", styles["Normal"]),
    ]
    if bundle.withheld:
        story += [Spacer(1, 4 * mm), Paragraph("Not included", styles["Heading2"])]
        story += [Paragraph(escape(line), styles["Italic"]) for line in bundle.withheld]
    for table in TABLES:
        rows = bundle.tables.get(table.key, [])
        story += [Spacer(1, 5 * mm), Paragraph(escape(table.title), styles["Heading2"])]
        if not rows:
            story.append(Paragraph("None held.", styles["Normal"]))
        elif table.long_text:
            story.extend(_entries(table.names, table.long_text, rows, styles, cell))
        else:
            story.extend(_table(table.names, rows, cell))
    doc.build(
        story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, footer=bundle.partnership, **k)
    )
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


WIDTH = A4[0] - 36 * mm
#: Tables with more columns than this are laid out one record at a time (name and value
#: side by side): A4 portrait has no room for a dozen columns.
MAX_COLUMNS = 6
_GRID: list[Any] = [
    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
]


def _cell(value: Any, cell: Any) -> Paragraph:
    return Paragraph(escape(_text(value)), cell)


def _table(names: list[str], rows: list[dict[str, Any]], cell: Any) -> list[Flowable]:
    if len(names) <= MAX_COLUMNS:
        head = [Paragraph(f"<b>{escape(n.replace('_', ' '))}</b>", cell) for n in names]
        body = [[_cell(row.get(n), cell) for n in names] for row in rows]
        table = Table(
            [head, *body], colWidths=[WIDTH / len(names)] * len(names), hAlign="LEFT",
            repeatRows=1,
        )  # fmt: skip
        table.setStyle(
            TableStyle([*_GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1"))])
        )
        return [table]
    out: list[Flowable] = []
    for row in rows:
        pairs = [
            [Paragraph(f"<b>{escape(n.replace('_', ' '))}</b>", cell), _cell(row.get(n), cell)]
            for n in names
            if _text(row.get(n))
        ]
        table = Table(pairs, colWidths=[WIDTH * 0.25, WIDTH * 0.75], hAlign="LEFT")
        table.setStyle(TableStyle(_GRID))
        out += [table, Spacer(1, 2 * mm)]
    return out


def _entries(
    names: list[str], long: tuple[str, ...], rows: list[dict[str, Any]], styles: Any, cell: Any
) -> list[Flowable]:
    # Long text as paragraphs: a table cell cannot split across pages, a paragraph can.
    out: list[Flowable] = []
    for row in rows:
        short = "; ".join(
            f"{n.replace('_', ' ')}: {_text(row.get(n))}"
            for n in names
            if n not in long and _text(row.get(n))
        )
        out.append(Paragraph(escape(short), styles["Heading4"]))
        for n in long:
            text = _text(row.get(n))
            if not text:
                continue
            out.append(Paragraph(f"<i>{escape(n.replace('_', ' '))}</i>", cell))
            out.extend(
                Paragraph(escape(line), styles["Normal"]) for line in text.splitlines() if line
            )
    return out
