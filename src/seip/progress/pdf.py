"""The downloadable progress report: the same charts and tables as the page (P03).

A tagged PDF (ADR 0043) laid out from ``progress/pdf/report.html``. Each chart is the
page's own SVG, as an image whose alternative text is the chart's title and description,
followed by its numbers as a table with header cells. Every piece of data goes in through
the template's escaping: a name like ``<a href=...>`` prints as itself, never as a link in
a PDF that families receive, and ``<img src=...>`` cannot make the server open a file
(issue 15).
"""

from seip.core.pdf import data_uri
from seip.core.pdf import render_pdf as render_template_pdf
from seip.progress.charts import to_svg
from seip.progress.report import ProgressReport


def render_pdf(report: ProgressReport) -> bytes:
    student = report.student
    charts = []
    for chart in report.charts:
        head, body = chart.table()
        charts.append(
            {
                "title": chart.title,
                "image": data_uri(to_svg(chart), "image/svg+xml"),
                "alt": f"{chart.title}. {chart.description}",
                "head": head,
                "body": body,
            }
        )
    return render_template_pdf(
        "progress/pdf/report.html",
        {
            "title": f"Progress report: {student.first_name} {student.last_name}",
            "student": student,
            "report": report,
            "charts": charts,
        },
    )
