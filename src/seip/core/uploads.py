"""Refuse an over-large request before its body is read (security review, issue 15).

Django reads a request's body when something first asks for ``request.POST`` or
``request.FILES`` (here, the CSRF check). Before this module, each upload's size was
checked only once the whole body had been received and spooled: anyone, signed in or not,
could make the server take in gigabytes. Now:

- every view accepts a body up to ``DATA_UPLOAD_MAX_MEMORY_SIZE``, and a view that takes
  a file says how much more with :func:`upload_limit` (its own app's limit, plus room for
  the form's other fields);
- :class:`UploadLimitMiddleware`, placed before the CSRF check, answers **413** from the
  ``Content-Length`` header alone, without reading a byte of the body;
- it then parses the body itself through :class:`LimitedUploadHandler`, which counts the
  bytes actually received and stops past the limit, in case the header is missing or
  lies (a server that passes a body through without one).

The 413 page is plain, like the 503 page: it touches neither the database nor the
shared layout.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, load_handler
from django.http import HttpRequest, HttpResponse
from django.template import loader

#: Room for a form's other fields and the multipart boundaries around its file.
FORM_ROOM = 1024 * 1024

V = TypeVar("V", bound=Callable[..., Any])


def upload_limit(max_file_bytes: int) -> Callable[[V], V]:
    """Mark a view that takes files of up to ``max_file_bytes`` in all."""

    def mark(view: V) -> V:
        view.upload_limit = max_file_bytes + FORM_ROOM  # type: ignore[attr-defined]
        return view

    return mark


def limit_for(view: Callable[..., Any]) -> int:
    limit: int = getattr(view, "upload_limit", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return limit


class UploadTooLarge(Exception):
    """The body turned out larger than the view accepts."""


class LimitedUploadHandler(FileUploadHandler):
    """Counts every byte of every file as it arrives and stops past ``limit``. It stores
    nothing: the handlers after it (Django's own) do."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > self.limit:
            raise UploadTooLarge

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_large(limit: int) -> HttpResponse:
    body = loader.render_to_string("413.html", {"limit_mb": -(-limit // 2**20)})
    # No "Connection: close" header: a WSGI application may not set one. gunicorn's sync
    # workers close the connection after every response anyway.
    return HttpResponse(body, status=413)


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        limit = limit_for(view)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large(limit)
        if request.content_type != "multipart/form-data":
            # Any other body is read whole into memory, and Django refuses one beyond
            # DATA_UPLOAD_MAX_MEMORY_SIZE as it reads it.
            return None
        request.upload_handlers = [
            LimitedUploadHandler(request, limit),
            *(load_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS),
        ]
        try:
            request.POST  # noqa: B018 - parse now, through the counting handler
        except UploadTooLarge:
            return too_large(limit)
        return None
