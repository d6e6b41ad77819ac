"""The two forms of a bundle: a readable PDF and a machine-readable zip (P18, P21).

Both are laid out from ``schema.TABLES``, so a new table appears in the PDF, the JSON,
its CSV and the README at once. The PDF is tagged (ADR 0043) and follows the progress
report's style, with the partnership's name and "Page N of M" on every page.
"""

import csv
import io
import json
import zipfile
from typing import Any

from seip.bundles import present
from seip.bundles.assemble import Bundle
from seip.bundles.schema import (
    ACCESS_NOTICE,
    PORTABILITY_NOTICE,
    SCHEMA_VERSION,
    TABLES,
)
from seip.core.pdf import render_pdf as render_pdf_template
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


def render_pdf(bundle: Bundle, *, portability: bool = False) -> bytes:
    """The bundle laid out to read, as a tagged PDF (ADR 0043): each table of the schema a
    heading, then a table with header cells (one record at a time when it has too many
    columns for A4), or headed paragraphs for long text, which run on across pages."""
    person = (bundle.tables.get("student") or [{}])[0]
    name = f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()
    tables: list[dict[str, Any]] = []
    for table in TABLES:
        rows = bundle.tables.get(table.key, [])
        names = [n for n in table.names if not present.hidden(n)]
        labels = [present.label(n) for n in names]
        laid: dict[str, Any] = {"title": table.title, "rows": []}
        if table.long_text:
            laid["kind"] = "entries"
            laid["rows"] = [_entry(names, table.long_text, row) for row in rows]
        elif len(names) <= MAX_COLUMNS:
            laid["kind"] = "grid"
            laid["names"] = labels
            laid["rows"] = [[_text(row.get(n)) for n in names] for row in rows]
        else:
            laid["kind"] = "records"
            laid["rows"] = [
                [(label, _text(row.get(n))) for n, label in zip(names, labels, strict=True)
                 if _text(row.get(n))]
                for row in rows
            ]  # fmt: skip
        tables.append(laid)
    return render_pdf_template(
        "bundles/pdf/bundle.html",
        {
            "title": f"Information held about {name}",
            "bundle": bundle,
            "notice": _notice(portability),
            "tables": tables,
        },
    )


def _text(value: Any) -> str:
    return present.text(value)


#: Tables with more columns than this are laid out one record at a time (name and value
#: side by side): A4 portrait has no room for a dozen columns.
MAX_COLUMNS = 6


def _entry(names: list[str], long: tuple[str, ...], row: dict[str, Any]) -> dict[str, Any]:
    summary = "; ".join(
        f"{present.label(n)}: {_text(row.get(n))}"
        for n in names
        if n not in long and _text(row.get(n))
    )
    texts = [(present.label(n), _text(row.get(n)).splitlines()) for n in long]
    return {
        "summary": summary,
        "long": [(label, [line for line in lines if line]) for label, lines in texts if lines],
    }
