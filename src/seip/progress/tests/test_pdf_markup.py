"""Security review, issue 15, finding 6: a student's name is data, never ReportLab markup.

Unescaped, ``<a href>`` became a clickable link in the PDF families receive, ``<img src>``
made the server open a local file, and ``<b`` was a 500 whose log carried the name."""

import re

import pytest
import reportlab.platypus.paraparser
from django.urls import reverse

from seip.progress.pdf import render_pdf
from seip.progress.report import Audience, build_report


def _lines(pdf: bytes) -> list[str]:
    """The text of each line the PDF draws (pageCompression=0 leaves it readable).
    ReportLab splits a line into several strings around an entity such as ``&lt;``, and
    may place words apart rather than draw the spaces, so spaces are left out."""
    found = []
    for line in pdf.split(b"\n"):
        parts = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", line)
        if parts:
            text = b"".join(parts)
            found.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1").replace(" ", ""))
    return found


NAMES = ['<a href="https://evil.example">X</a>', '<img src="/etc/passwd"/>', "<b"]


@pytest.fixture
def opened(monkeypatch):
    """Every image ReportLab's paragraph parser tries to open."""
    calls: list[object] = []

    def refuse(source: object, *args: object, **kwargs: object) -> None:
        calls.append(source)
        raise AssertionError("the PDF tried to open a file")

    monkeypatch.setattr(reportlab.platypus.paraparser, "ImageReader", refuse)
    return calls


@pytest.mark.parametrize("name", NAMES)
def test_a_name_with_markup_is_printed_literally(active_case, personas, login, opened, name):
    student = active_case.student
    student.first_name = name
    student.save(update_fields=["first_name"])
    response = login(personas["key_worker"]).get(
        reverse("progress:progress_pdf", args=[student.pk])
    )
    assert response.status_code == 200
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"/URI" not in pdf
    assert b"/Link" not in pdf
    assert not opened
    assert f"Progress report: {name} Example".replace(" ", "") in _lines(pdf)


@pytest.mark.parametrize("name", NAMES)
def test_summary_sentences_are_printed_literally(active_case, opened, name):
    student = active_case.student
    student.first_name = name
    report = build_report(student, Audience.KEY_WORKER)
    report.sentences.append(f"{name} attended more often.")
    pdf = render_pdf(report)
    assert b"/URI" not in pdf
    assert not opened
    assert f"{name} attended more often.".replace(" ", "") in _lines(pdf)
