"""The one way PDFs are made (ADR 0043): tagged, and fetching nothing (ADR 0027)."""

import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from seip.core.pdf import data_uri, html_to_pdf
from seip.core.tests.pdfcheck import assert_tagged, pdf_images, pdf_text


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records every path asked of it."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    httpd.shutdown()
    httpd.server_close()


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "secret.png"
    Image.new("RGB", (40, 20), "#d4351c").save(path)
    return path


def test_nothing_outside_the_document_is_fetched(server, tmp_path):
    base, asked = server
    png = _png(tmp_path)
    html = (
        '<html lang="en-GB"><head><title>T</title>'
        f'<link rel="stylesheet" href="{base}/style.css">'
        f"<style>@import url({base}/import.css); body {{ background: url({base}/bg.png) }}</style>"
        f'</head><body><h1>T</h1><img src="{base}/img.png" alt="a">'
        f'<img src="file://{png}" alt="b"><img src="{png}" alt="c">'
        f'<object data="file://{png}"></object></body></html>'
    )
    pdf = html_to_pdf(html)
    assert asked == []
    assert pdf_images(pdf) == 0


def test_an_image_we_embed_ourselves_is_drawn(tmp_path):
    uri = data_uri(_png(tmp_path).read_bytes(), "image/png")
    pdf = html_to_pdf(
        f'<html lang="en-GB"><head><title>T</title></head><body><h1>Logo</h1>'
        f'<img src="{uri}" alt="The partnership\'s logo"></body></html>'
    )
    assert pdf_images(pdf) == 1
    roles = assert_tagged(pdf, title="T")
    assert roles["/Figure"] == 1
    assert "Logo" in pdf_text(pdf)


def test_the_check_fails_on_an_untagged_pdf():
    """The shared check is not a formality: a plain PDF (reportlab's kind) fails it."""
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": "T"})
    writer.write(buffer)
    with pytest.raises(AssertionError, match="no structure tree"):
        assert_tagged(buffer.getvalue(), title="T")


def test_a_figure_without_alternative_text_fails_the_check(tmp_path):
    uri = data_uri(_png(tmp_path).read_bytes(), "image/png")
    pdf = html_to_pdf(
        f'<html lang="en-GB"><head><title>T</title></head><body><h1>T</h1>'
        f'<img src="{uri}" alt="x"></body></html>'
    )
    assert_tagged(pdf, title="T")
    without_alt = (
        f'<html lang="en-GB"><head><title>T</title></head><body><h1>T</h1>'
        f'<img src="{uri}"></body></html>'
    )
    with pytest.raises(AssertionError, match="has no /Alt"):
        assert_tagged(html_to_pdf(without_alt), title="T")
