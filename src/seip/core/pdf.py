"""Tagged PDFs from Django templates, through WeasyPrint (ADR 0043).

Every PDF the service hands out is laid out from an HTML template and written as PDF/UA-1:
a structure tree (headings, lists, tables with header cells, figures with alternative
text), ``/MarkInfo`` marked, the document's language, and its title shown by the reader.
The public-sector accessibility regulations require it; reportlab could not write one.

Templates are Django templates, so every piece of data is escaped on the way in: a name
such as ``<img src=...>`` prints as itself. WeasyPrint fetches nothing: stylesheets are
inlined by the template, images are ``data:`` URIs made here, and the fetcher refuses any
other URL (ADR 0027: a PDF never opens a file or reaches the network).
"""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["data_uri", "html_to_pdf", "render_pdf"]

LANGUAGE = "en-GB"


class RefusingFetcher(URLFetcher):  # type: ignore[misc]  # untyped library
    """Answers only ``data:`` URIs, which carry their content in themselves. A URL to a
    file or a server is refused before anything is opened, so markup that slipped into a
    template could not make the server read ``/etc/passwd`` or call out."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if not url.startswith("data:"):
            raise PermissionError("a PDF fetches no external resource")
        response: URLFetcherResponse = super().fetch(url, headers)
        return response


def data_uri(content: bytes | str, media_type: str) -> str:
    """``content`` as a ``data:`` URI, the only kind of URL a PDF may refer to."""
    raw = content.encode() if isinstance(content, str) else content
    return f"data:{media_type};base64,{base64.b64encode(raw).decode('ascii')}"


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF/UA-1 file from a complete HTML document, fetching nothing."""
    document = HTML(string=html, base_url=None, url_fetcher=RefusingFetcher())
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """``template`` (extending ``core/pdf/base.html``) rendered with ``context``, as a
    tagged PDF."""
    return html_to_pdf(render_to_string(template, {"language": LANGUAGE, **context}))
