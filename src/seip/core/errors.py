"""The server-error page, and a 503 when the database or the disk cannot take a write.

A read-only database (a failed-over replica, a remounted volume) or a full disk makes
every write fail, including the session that is saved on every request. Django would show
its generic 500 page for each; the person then cannot tell a bug from an outage, and may
try again and again. These failures are recognised and answered with ``503.html`` (a
plain message, ``Retry-After``), which says the service is unavailable for now and that
nothing was half-saved: every write is one transaction, so a failed one left nothing.

The check runs in the 500 handler (``handler500`` in ``seip.urls``), which Django calls for
an exception raised anywhere in the request, in a view or in a middleware; and in the 400
handler (``handler400``), because a session that cannot be saved reaches Django as a
"session interrupted" bad request, with the database error as its context. Neither page
touches the database, nor uses the shared layout, whose context processors would.
"""

import errno
import logging
import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

#: SQLite's words for a database it cannot write (its messages carry no data).
SQLITE_UNAVAILABLE = (
    "readonly database",
    "read-only",
    "database or disk is full",
    "disk i/o error",
    "no space left",
    "unable to open database",
)
#: PostgreSQL's SQLSTATEs for the same: read-only transaction (a standby, or
#: default_transaction_read_only), insufficient resources (53xxx: disk full, out of
#: memory, too many connections), and I/O errors.
PG_UNAVAILABLE_PREFIXES = ("25006", "53", "58030")
#: Operating-system errors when writing a file (an upload, a key): disk full, quota,
#: read-only file system, I/O error.
OS_UNAVAILABLE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}
RETRY_AFTER_SECONDS = 60


def storage_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says the database or disk cannot take writes."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in OS_UNAVAILABLE:
            return True
        sqlstate = getattr(exc, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(PG_UNAVAILABLE_PREFIXES):
            return True
        if isinstance(exc, DatabaseError):
            message = str(exc).lower()
            if any(words in message for words in SQLITE_UNAVAILABLE):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response() -> HttpResponse:
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: a 503 for storage that cannot be written, else the 500 page."""
    if storage_unavailable(sys.exc_info()[1]):
        # Django has already logged the traceback; this line is for the operator's alert.
        logger.error("Database or disk unavailable for writing: answered 503")
        return unavailable_response()
    return HttpResponseServerError(loader.get_template("500.html").render())


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler: a 503 when the bad request was a session the database could
    not save, else Django's own 400 page."""
    if storage_unavailable(exception):
        logger.error("Database or disk unavailable for writing: answered 503")
        return unavailable_response()
    return defaults.bad_request(request, exception)
