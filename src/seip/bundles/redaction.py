"""Which items of a bundle a reviewer must look at, and the bundle their decisions make.

The flagging is a simple, honest heuristic, not a judgement (ADR 0019):

- contacts and carers other than the requester are about another person;
- free text (every ``redactable`` column of ``schema.TABLES`` outside the contact and
  carer tables: the referral's reasons and summaries, case notes, risk assessments,
  targets, incidents, provision, reviews, placement reviews, safeguarding concerns,
  involvement and disclosure purposes, ...) that contains a capitalised first name from
  ``consultations/data/first_names.txt``, or the name of any contact or carer other than
  the requester, may name another person; the child's own names and the requester's are
  not counted;
- every safeguarding concern, because it may be withheld where disclosure would cause
  serious harm;
- every file attached to a note, because its content cannot be read here.

Staff names (authors, the access log) are not flagged: staff act in their professional
role, and the family is entitled to know who recorded and who looked at the record.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from seip.bundles.assemble import SAFEGUARDING_READS, Bundle, BundleFile, Row
from seip.bundles.models import WITHHOLDING, Decision, Exemption, Flag
from seip.bundles.schema import TABLE_BY_KEY, TABLES

NAMES_FILE = Path(__file__).resolve().parents[1] / "consultations" / "data" / "first_names.txt"
PEOPLE_TABLES = ("contacts", "carers")
#: Tables of free text searched for names, and the columns searched: every free-text
#: column the schema declares, so a new one is scanned without a change here.
TEXT_TABLES: dict[str, tuple[str, ...]] = {
    table.key: table.redactable
    for table in TABLES
    if table.redactable and table.key not in PEOPLE_TABLES
}
REDACTED = "[redacted]"
_WORD = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?\b")

type ItemKey = tuple[str, int]


@cache
def first_names() -> frozenset[str]:
    lines = NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z][A-Za-z'-]*", text)}


def _mentions(text: str, names: frozenset[str], others: Iterable[str], own: set[str]) -> bool:
    if any(word in names and word.lower() not in own for word in _WORD.findall(text)):
        return True
    return any(other and other in text for other in others)


def flags_for(bundle: Bundle, *, requester_name: str) -> dict[ItemKey, list[str]]:
    """The items of ``bundle`` a reviewer must decide, with why each is flagged."""
    person = (bundle.tables.get("student") or [{}])[0]
    own = _words(f"{person.get('first_name', '')} {person.get('last_name', '')} {requester_name}")
    requester = requester_name.strip().lower()
    found: dict[ItemKey, list[str]] = {}

    def flag(key: ItemKey, why: Flag) -> None:
        reasons = found.setdefault(key, [])
        if why not in reasons:
            reasons.append(why.value)

    others: set[str] = set()
    for table in PEOPLE_TABLES:
        for row in bundle.tables.get(table, []):
            name = str(row.get("name") or "").strip()
            if name.lower() == requester:
                continue
            flag((table, row["id"]), Flag.THIRD_PARTY)
            # The full name, and the first name when it is not the child's or requester's.
            others.add(name)
            first = name.split(" ")[0] if name else ""
            if len(first) > 2 and first.lower() not in own:
                others.add(first)
    names = first_names()
    for table, columns in TEXT_TABLES.items():
        for row in bundle.tables.get(table, []):
            text = "\n".join(str(row.get(column) or "") for column in columns)
            if _mentions(text, names, others, own):
                flag((table, row["id"]), Flag.THIRD_PARTY)
    for row in bundle.tables.get("safeguarding_concerns", []):
        flag(("safeguarding_concerns", row["id"]), Flag.SAFEGUARDING)
    for row in bundle.tables.get("attachments", []):
        flag(("attachments", row["id"]), Flag.FILE)
    return found


@dataclass(frozen=True)
class Ruling:
    decision: Decision
    replacement: str = ""
    exemption: Exemption | None = None


def withheld_note(table: str, exemption: Exemption | None) -> str:
    under = exemption.label if exemption is not None else "an exemption"
    return f"{TABLE_BY_KEY[table].title}: one item withheld under {under}."


def apply(bundle: Bundle, rulings: dict[ItemKey, Ruling]) -> Bundle:
    """The bundle as released: redacted items replaced, withheld ones left out, with a
    note saying under which exemption unless the reviewer chose to neither confirm nor
    deny that the item exists. ``bundle`` itself is left as it was."""
    tables = {key: [dict(row) for row in rows] for key, rows in bundle.tables.items()}
    files = list(bundle.files)
    withheld = list(bundle.withheld)
    gone: set[ItemKey] = set()
    unspoken: set[str] = set()
    for (table, pk), ruling in sorted(rulings.items()):
        row = next((r for r in tables.get(table, []) if r.get("id") == pk), None)
        if row is None or ruling.decision == Decision.RELEASE:
            continue
        if ruling.decision in WITHHOLDING:
            gone.add((table, pk))
            if ruling.decision == Decision.WITHHOLD:
                withheld.append(withheld_note(table, ruling.exemption))
            else:
                unspoken.add(table)
            if table == "case_notes":  # a withheld note takes its files with it
                gone |= {("attachments", r["id"]) for r in tables["attachments"]
                         if r["note_id"] == pk}  # fmt: skip
        elif table == "attachments":
            old = row["file"]
            row.update(
                file=f"{old}.redacted.txt", name=REDACTED, sha256="", content_type="text/plain"
            )
            files = [
                BundleFile(row["file"], ruling.replacement.encode(), f.owner)
                if f.owner == ("attachments", pk) else f
                for f in files
            ]  # fmt: skip
            for note in tables.get("case_notes", []):
                note["attachments"] = note["attachments"].replace(old, row["file"])
        else:
            first, *rest = _redactable(table)
            row[first] = ruling.replacement
            row.update(dict.fromkeys(rest, REDACTED))
    for table, rows in tables.items():
        tables[table] = [r for r in rows if (table, r.get("id")) not in gone]
    if "safeguarding_concerns" in unspoken and not tables.get("safeguarding_concerns"):
        # Neither confirm nor deny: with no concern left in the bundle, the access log's
        # reads of concerns would still say that one exists.
        tables["access_log"] = [
            r for r in tables.get("access_log", []) if r.get("what") not in SAFEGUARDING_READS
        ]
    files = [f for f in files if f.owner not in gone]
    for note in tables.get("case_notes", []):
        kept = [p for p in note["attachments"].split("; ") if p and not _gone_path(p, bundle, gone)]
        note["attachments"] = "; ".join(kept)
    return Bundle(
        student_id=bundle.student_id,
        partnership=bundle.partnership,
        generated_at=bundle.generated_at,
        tables=tables,
        files=files,
        withheld=withheld,
    )


def _redactable(table: str) -> tuple[str, ...]:
    columns = TABLE_BY_KEY[table].redactable
    if not columns:  # never the id: a redaction must not rewrite what names the row
        raise ValueError(f"Items of {table} cannot be redacted: withhold or release them.")
    return columns


def can_redact(table: str) -> bool:
    """Whether an item of ``table`` has content a redaction can replace."""
    return table == "attachments" or bool(TABLE_BY_KEY[table].redactable)


def _gone_path(path: str, bundle: Bundle, gone: set[ItemKey]) -> bool:
    return any(f.owner in gone and path.startswith(f.path) for f in bundle.files)


def label_of(row: Row | None, table: str) -> str:
    """How the review page names an item: its section and date, never its content."""
    if row is None:
        return f"{TABLE_BY_KEY[table].title}: no longer in the record"
    for column in ("date", "raised_on", "held_on", "reviewed_on"):
        if row.get(column):
            return f"{TABLE_BY_KEY[table].title}, {row[column]}"
    return TABLE_BY_KEY[table].title
