"""Checks shared by every PDF's tests: is it tagged (ADR 0043), and what does it say.

``assert_tagged`` reads the file with pikepdf, as an assistive technology would find it:
a structure tree, marked content, a language, a title the reader shows, alternative text
on every figure and header cells in every table. ``pdf_text`` extracts the text a reader
would copy, with pypdf, since a tagged PDF's streams are compressed.
"""

from __future__ import annotations

import io
from collections import Counter

import pikepdf
import pypdf


def _walk(node: object, roles: Counter[str], problems: list[str], path: str) -> None:
    if isinstance(node, pikepdf.Array):
        for child in node:
            _walk(child, roles, problems, path)
        return
    if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
        return  # a marked-content id or an object reference: a leaf
    role = str(node.S)
    roles[role] += 1
    here = f"{path}/{role.lstrip('/')}"
    if role == "/Figure" and not str(node.get("/Alt", "")).strip():
        problems.append(f"{here} has no /Alt")
    if role == "/Table" and not _has(node, "/TH"):
        problems.append(f"{here} has no header cell")
    if "/K" in node:
        _walk(node.K, roles, problems, here)


def _has(node: object, role: str) -> bool:
    if isinstance(node, pikepdf.Array):
        return any(_has(child, role) for child in node)
    if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
        return False
    return str(node.S) == role or ("/K" in node and _has(node.K, role))


def assert_tagged(pdf: bytes, *, title: str, language: str = "en-GB") -> Counter[str]:
    """Fails unless ``pdf`` is a tagged PDF titled ``title`` in ``language``, whose every
    figure has alternative text and every table a header cell. Returns how many of each
    structure role the tree holds, for the caller to check what its document must have
    (headings, tables, figures)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        assert "/StructTreeRoot" in root, "no structure tree"
        assert root.MarkInfo.Marked is True, "not marked"
        assert str(root.get("/Lang", "")) == language
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert str(document.docinfo.get("/Title", "")) == title
        with document.open_metadata() as xmp:
            assert xmp.get("dc:title") == title
        roles: Counter[str] = Counter()
        problems: list[str] = []
        _walk(root.StructTreeRoot.K, roles, problems, "")
    assert not problems, problems
    assert roles["/Document"] == 1
    return roles


def pdf_text(pdf: bytes) -> str:
    """Every page's text, pages separated by a form feed."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\f".join(page.extract_text() for page in reader.pages)


def pdf_pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def pdf_links(pdf: bytes) -> list[str]:
    """Every link annotation's target: a URI, or the page a link inside the file goes to."""
    found: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for annotation in page.get("/Annots", []):
                if annotation.get("/Subtype") == "/Link":
                    action = annotation.get("/A", {})
                    found.append(str(action.get("/URI", annotation.get("/Dest", ""))))
    return found


def pdf_images(pdf: bytes) -> int:
    """How many distinct raster images the file holds (a logo; charts are vector
    drawings). Pages may share one resource dictionary, so images are told apart by
    object."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(
            {image.objgen for page in document.pages for image in page.get_images().values()}
        )
