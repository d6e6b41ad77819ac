"""Security review, issue 15, finding 6: a student's name is data, never markup.

Unescaped, ``<a href>`` became a clickable link in the PDF families receive, ``<img src>``
made the server open a local file, and ``<b`` was a 500 whose log carried the name. The
PDF is now laid out from a Django template (ADR 0043), which escapes every value."""

import pytest
from django.urls import reverse

from seip.core.tests.pdfcheck import pdf_images, pdf_links, pdf_text
from seip.progress.pdf import render_pdf
from seip.progress.report import Audience, build_report

NAMES = ['<a href="https://evil.example">X</a>', '<img src="/etc/passwd"/>', "<b"]


def _flat(text: str) -> str:
    """Without white space: a long name wraps where a line may break, even mid-word."""
    return "".join(text.split())


@pytest.mark.parametrize("name", NAMES)
def test_a_name_with_markup_is_printed_literally(active_case, personas, login, name):
    student = active_case.student
    student.first_name = name
    student.save(update_fields=["first_name"])
    response = login(personas["key_worker"]).get(
        reverse("progress:progress_pdf", args=[student.pk])
    )
    assert response.status_code == 200
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert pdf_links(pdf) == []
    assert pdf_images(pdf) == 0
    assert _flat(f"Progress report: {name} Example") in _flat(pdf_text(pdf))


@pytest.mark.parametrize("name", NAMES)
def test_summary_sentences_are_printed_literally(active_case, name):
    student = active_case.student
    student.first_name = name
    report = build_report(student, Audience.KEY_WORKER)
    report.sentences.append(f"{name} attended more often.")
    pdf = render_pdf(report)
    assert pdf_links(pdf) == []
    assert _flat(f"{name} attended more often.") in _flat(pdf_text(pdf))
