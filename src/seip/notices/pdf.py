"""The printable PDF of a published notice version: a tagged PDF (ADR 0043).

The PDF is built from the version's stored body, so it says exactly what the web page
says: headings as headings and bullets as a list in its structure tree. The same version
always gives the same file.
"""

import io

from django.utils import dateformat, timezone
from PIL import Image, UnidentifiedImageError

from seip.core.pdf import data_uri, render_pdf
from seip.notices.markup import parse
from seip.notices.models import NoticeVersion
from seip.organisations.models import Partnership

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def published_on(version: NoticeVersion) -> str:
    """The publication date as families read it, such as "1 December 2026"."""
    return dateformat.format(timezone.localtime(version.published_at), "j F Y")


def notice_pdf(version: NoticeVersion) -> bytes:
    """The notice as an A4 PDF: letterhead, title, body, and a footer on every page
    naming the partnership, the version and its date, with page numbers (P26)."""
    logo = png_logo(version.partnership)
    return render_pdf(
        "notices/pdf/notice.html",
        {
            "version": version,
            "partnership": version.partnership,
            "published": published_on(version),
            "logo": data_uri(logo, "image/png") if logo else None,
            "blocks": parse(version.body),
        },
    )


def png_logo(partnership: Partnership) -> bytes | None:
    """The partnership's logo if it is a readable PNG. SVG logos are left out of the PDF
    (an SVG can refer to other files), and the letterhead then shows the name alone."""
    if not partnership.logo or not (partnership.logo.name or "").lower().endswith(".png"):
        return None
    try:
        with partnership.logo.open("rb") as file:
            content: bytes = file.read()
        if not content.startswith(PNG_SIGNATURE):
            return None
        with Image.open(io.BytesIO(content)) as image:
            image.load()  # a truncated file fails here, not in the middle of the layout
    except (OSError, ValueError, UnidentifiedImageError):
        return None
    return content
