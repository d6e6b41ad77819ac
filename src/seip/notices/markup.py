"""A tiny, safe markup for notice wording, rendered to GOV.UK HTML.

- Paragraphs are separated by blank lines.
- A line starting with ``## `` is a heading.
- A line starting with ``- `` is a bullet; an indented line after it continues it.

Nothing else has meaning: every character of the wording is escaped, so an editor (or a
value filled into a placeholder) can never put HTML on the public page. Email addresses
and web addresses become links; only ``https``, ``http`` and ``mailto`` links are made.
"""

import re
from dataclasses import dataclass
from typing import Literal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

BlockKind = Literal["heading", "paragraph", "list"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    #: One text for a heading or a paragraph; one per item for a list.
    texts: tuple[str, ...]


def parse(text: str) -> list[Block]:
    """Split wording into headings, paragraphs and bullet lists."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close() -> None:
        if paragraph:
            blocks.append(Block("paragraph", (" ".join(paragraph),)))
            paragraph.clear()
        if items:
            blocks.append(Block("list", tuple(items)))
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("## "):
            close()
            blocks.append(Block("heading", (line[3:].strip(),)))
        elif line.startswith("- "):
            if paragraph:
                close()
            items.append(line[2:].strip())
        elif items and raw[:1].isspace():
            items[-1] = f"{items[-1]} {line}"
        else:
            if items:
                close()
            paragraph.append(line)
    close()
    return blocks


_LINKABLE = re.compile(
    r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    r"|(?P<url>(?:https?://|www\.)[^\s<>\"'()]+)"
)
_TRAILING = ".,;:!?"


def inline_html(text: str) -> SafeString:
    """Escape ``text``, turning email and web addresses into GOV.UK links."""
    parts: list[str] = []
    position = 0
    for match in _LINKABLE.finditer(text):
        found = match.group(0).rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(found)
        if match["email"]:
            href = f"mailto:{found}"
        else:
            href = found if found.startswith("http") else f"https://{found}"
        parts.append(escape(text[position:start]))
        parts.append(format_html('<a class="govuk-link" href="{}">{}</a>', href, found))
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def to_html(text: str, *, nested: bool = False) -> SafeString:
    """The wording as GOV.UK HTML. Headings are ``h2`` under the page's ``h1`` title, or
    ``h3`` when ``nested`` inside a section of another page (the edit page's preview)."""
    tag, size = ("h3", "s") if nested else ("h2", "m")
    html: list[str] = []
    for block in parse(text):
        if block.kind == "heading":
            heading = inline_html(block.texts[0])
            html.append(format_html('<{0} class="govuk-heading-{1}">{2}</{0}>', tag, size, heading))
        elif block.kind == "paragraph":
            html.append(format_html('<p class="govuk-body">{}</p>', inline_html(block.texts[0])))
        else:
            items = "".join(format_html("<li>{}</li>", inline_html(item)) for item in block.texts)
            html.append(
                format_html(
                    '<ul class="govuk-list govuk-list--bullet">{}</ul>',
                    mark_safe(items),  # noqa: S308 - built from format_html above
                )
            )
    return mark_safe("\n".join(html))  # noqa: S308 - every block above is format_html
