"""Security review, issue 15: no cell of a CSV or XLSX the service writes can start a
formula (OWASP "CSV injection"). Each writer is tested with a hostile value."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from seip.core.spreadsheets import FORMULA_STARTS, safe_cell

HOSTILE = [
    '=HYPERLINK("https://evil.example","Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [12, -3, 4.5, -0.25, Decimal("-7.1"), None, True])
def test_real_numbers_stay_numbers(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["-3.5", "+4", "-12", "1.0e-3", "Jordan", "", "x=1"])
def test_numbers_written_as_text_and_plain_text_are_left_alone(text):
    assert safe_cell(text) == text


@given(st.text())
def test_no_text_comes_out_starting_a_formula_unless_it_is_a_number(text):
    out = safe_cell(text)
    assert isinstance(out, str)
    assert out.lstrip("'") == text.lstrip("'") or out == "'" + text
    if out.startswith(FORMULA_STARTS):
        float(out)  # only a plain number may still start with + or -


# -- each writer -----------------------------------------------------------------------


def test_bundle_csv_quotes_a_formula(db):
    from seip.bundles.assemble import Bundle
    from seip.bundles.output import render_zip

    bundle = Bundle(
        student_id=1,
        partnership="Alpha Vale SEIP",
        generated_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        tables={
            "student": [{"id": 1, "first_name": HOSTILE[0], "last_name": "-2+3", "nc_year": -1}]
        },
    )
    archive = zipfile.ZipFile(io.BytesIO(render_zip(bundle, portability=True)))
    text = archive.read("student.csv").decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["first_name"] == "'" + HOSTILE[0]
    assert row["last_name"] == "'-2+3"
    assert row["nc_year"] == "-1"  # a real number stays a number
    assert row["id"] == "1"


def test_ropa_csv_quotes_a_formula(county):
    from seip.retention.ropa import build_ropa, to_csv

    county.provider.name = HOSTILE[0]
    county.provider.save()
    rows = list(csv.reader(io.StringIO(to_csv([build_ropa(county.a)]))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert any(HOSTILE[0] in cell for cell in cells)


def _hostile_document():
    import dataclasses

    from seip.reports.tests.test_render import build_document

    document = build_document()
    sections = []
    for section in document.sections:
        figures = []
        for figure in section.figures:
            rows = tuple(HOSTILE[0] if row == figure.rows[0] else row for row in figure.rows)
            cells = {
                (HOSTILE[0] if row == figure.rows[0] else row, column): shown
                for (row, column), shown in figure.cells.items()
            }
            figures.append(
                dataclasses.replace(figure, rows=rows, cells=cells, title="@" + figure.title)
            )
        sections.append(dataclasses.replace(section, figures=tuple(figures)))
    return dataclasses.replace(
        document, sections=tuple(sections), organisation="=cmd|' /C calc'!A0"
    )


def test_report_csv_quotes_a_formula_and_keeps_numbers():
    from seip.reports.render_files import report_csv

    rows = list(csv.DictReader(io.StringIO(report_csv(_hostile_document()))))
    for row in rows:
        for name, value in row.items():
            if name not in ("value", "denominator"):
                assert not value.startswith(FORMULA_STARTS), (name, value)
    assert any(row["row_category"] == "'" + HOSTILE[0] for row in rows)
    assert all(row["value"] in "czxlow" or float(row["value"]) is not None for row in rows)


def test_report_xlsx_holds_no_formula():
    from seip.reports.render_files import report_xlsx

    book = load_workbook(io.BytesIO(report_xlsx(_hostile_document())))
    texts = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert "'=cmd|' /C calc'!A0" in texts
    assert "'" + HOSTILE[0] in texts
