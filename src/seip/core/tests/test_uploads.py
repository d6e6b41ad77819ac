"""Security review, issue 15: an over-large request is refused with a 413 before its body
is read, with each upload view's own limit."""

import io
import socket
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.urls import reverse

from seip.core.uploads import FORM_ROOM, LimitedUploadHandler, UploadTooLarge
from seip.imports.ctf import DEFAULT_MAX_BYTES
from seip.records.forms import MAX_NOTE_UPLOAD_BYTES
from seip.records.models import CaseNote
from seip.referrals.services import FORM_MAX_BYTES

BOUNDARY = "seip-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class Unread(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def _post_claiming(client, url: str, length: int):
    return client.generic(
        "POST", url, b"x", content_type=MULTIPART,
        CONTENT_LENGTH=str(length), **{"wsgi.input": Unread()},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kwargs", "limit"),
    [
        ("imports:upload", {}, DEFAULT_MAX_BYTES),
        ("records:note_new", {"pk": 1}, MAX_NOTE_UPLOAD_BYTES),
        ("referrals:sign", {"pk": 1}, FORM_MAX_BYTES),
        ("students:extend", {"pk": 1}, FORM_MAX_BYTES),
    ],
)
def test_an_upload_over_its_views_limit_is_refused_unread(client, db, name, kwargs, limit):
    url = reverse(name, kwargs=kwargs)
    response = _post_claiming(client, url, limit + FORM_ROOM + 1)
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()


def test_a_form_without_a_file_takes_no_more_than_djangos_limit(client, db, settings):
    url = reverse("referrals:list")
    response = _post_claiming(client, url, settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert response.status_code == 413


def test_a_note_with_too_many_megabytes_is_refused_and_nothing_is_saved(
    active_case, personas, login
):
    """A real body: six attachments of 9 MB each, every one under the per-file limit."""
    client = login(personas["key_worker"])
    files = [io.BytesIO(b"x" * (9 * 2**20)) for _ in range(6)]
    for n, f in enumerate(files):
        f.name = f"scan-{n}.pdf"
    response = client.post(
        reverse("records:note_new", args=[active_case.student.pk]),
        {"kind": "meeting", "happened_on": "2026-11-27", "text": "A note",
         "attachments": files},
    )  # fmt: skip
    assert response.status_code == 413
    assert not CaseNote.objects.exists()


def test_an_upload_within_the_limit_still_reaches_the_view(active_case, personas, login):
    client = login(personas["key_worker"])
    letter = io.BytesIO(b"a letter")
    letter.name = "letter.txt"
    response = client.post(
        reverse("records:note_new", args=[active_case.student.pk]),
        {"kind": "meeting", "happened_on": "2026-11-27", "text": "A note",
         "attachments": [letter]},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    assert CaseNote.objects.filter(student=active_case.student).exists()


def test_the_handler_stops_counting_past_the_limit_whatever_the_header_says():
    request = RequestFactory().post("/")
    handler = LimitedUploadHandler(request, limit=1000)
    handler.receive_data_chunk(b"x" * 600, 0)
    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(b"x" * 600, 600)


def test_the_handler_refuses_a_declared_length_past_the_limit_before_parsing():
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n{'x' * 5000}\r\n--{BOUNDARY}--\r\n"
    ).encode()
    request = RequestFactory().post("/")
    handlers = [LimitedUploadHandler(request, limit=1000), MemoryFileUploadHandler(request)]
    meta = {"CONTENT_TYPE": MULTIPART, "CONTENT_LENGTH": str(len(body))}
    with pytest.raises(UploadTooLarge):
        MultiPartParser(meta, io.BytesIO(body), handlers).parse()


@pytest.mark.django_db(transaction=True)
def test_a_live_server_answers_413_without_waiting_for_the_body(live_server):
    """A raw request that announces 200 MB and sends none of it: the answer comes at once,
    so the server did not wait to read the body."""
    where = urlsplit(live_server.url)
    head = (
        f"POST {reverse('imports:upload')} HTTP/1.1\r\n"
        f"Host: {where.hostname}:{where.port}\r\n"
        f"Content-Type: {MULTIPART}\r\n"
        f"Content-Length: {200 * 2**20}\r\n\r\n"
    )
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(head.encode())
        reply = sock.recv(4096).decode("latin-1")
    assert reply.startswith("HTTP/1.1 413")
