"""Spreadsheet cells that cannot start a formula (security review, issue 15).

A CSV or XLSX the service writes is opened in a spreadsheet program, where a cell that
begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is run
as a formula: ``=HYPERLINK(...)`` in a name becomes a link that sends data away. OWASP's
advice, followed here: prefix such text with a single quote, so it is shown as typed.

Real numbers stay numbers. So does text that is exactly a number, such as a published
"-3.5": it cannot be a formula, and quoting it would spoil the figure for anyone who
reads the file with a program. Every CSV and XLSX writer of the project goes through
:func:`safe_cell` or :func:`safe_workbook`.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell[T](value: T) -> T | str:
    """``value``, with a quote before text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def safe_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: safe_cell(value) for key, value in row.items()}


def safe_workbook(book: Workbook) -> None:
    """Quote every text cell of ``book`` that would start a formula. openpyxl stores a
    string beginning with ``=`` as a formula; given the quoted text it stores a string."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = safe_cell(cell.value)
