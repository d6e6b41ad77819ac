"""The downloadable progress report: the same charts and tables as the page (P03).

A ``Paragraph`` reads its text as ReportLab markup, so every piece of data goes in through
``escape``: a name like ``<a href=...>`` must print as itself, not become a link in a PDF
that families receive, and ``<img src=...>`` must not make the server open a file (issue
15). Table cells are plain strings, which ReportLab draws as they are.
"""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from seip.progress.charts import to_drawing
from seip.progress.report import ProgressReport


def render_pdf(report: ProgressReport) -> bytes:
    buffer = io.BytesIO()
    student = report.student
    title = f"Progress report: {student.first_name} {student.last_name}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=student.partnership.name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        invariant=1,
        pageCompression=0,
    )
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph(escape(student.partnership.name), styles["Normal"]),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                f"{student.school.name}, Year {student.nc_year}. From {report.start:%-d %B %Y} "
                f"to {report.end:%-d %B %Y}."
            ),
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]
    for sentence in report.sentences:
        story.append(Paragraph(escape(sentence), styles["Normal"]))
    for chart in report.charts:
        story += [
            Spacer(1, 5 * mm),
            Paragraph(escape(chart.title), styles["Heading2"]),
            to_drawing(chart),
        ]
        head, body = chart.table()
        story.append(_table([head, *body]))
    if report.attainment:
        story += [Spacer(1, 5 * mm), Paragraph("School subjects", styles["Heading2"])]
        rows = [["Subject", "Latest result", "Target", "Against target"]] + [
            [
                r.subject,
                r.grade.label if r.grade else "None",
                r.target.label if r.target else "None",
                r.against_target_label,
            ]
            for r in report.attainment
        ]
        story.append(_table(rows))
    doc.build(story)
    return buffer.getvalue()


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
