"""``/healthz``: is this process able to serve? For load balancers and uptime checks.

Public and unauthenticated, so it says only which check failed, never why in detail and
never anything about people: no exception text (it could carry a path or a query), no
counts, no version numbers.
"""

import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from seip.accounts.middleware import second_factor_exempt

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    """The default database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except DatabaseError:
        logger.exception("health check: database unavailable")
        return False


def database_writable() -> bool:
    """The default database would take a write: not a read-only PostgreSQL session or
    standby, not a read-only SQLite connection. Asked, not tried, so a probe every few
    seconds leaves no trace. (A SQLite file on a volume remounted read-only is found by
    the first write, which answers the 503 page: ``seip.core.errors``.)"""
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW transaction_read_only")
                return bool(cursor.fetchone() == ("off",))
            cursor.execute("PRAGMA query_only")
            return bool(cursor.fetchone() == (0,))
    except DatabaseError:
        logger.exception("health check: database unavailable")
        return False


def key_store_ok() -> bool:
    """The key store folder exists (or can be created on first use) and is writable.

    Not created here: a health probe should not change the disk. A missing folder whose
    nearest existing parent is a writable folder is fine, because the key store makes it.
    """
    folder = Path(settings.KEY_STORE_DIR)
    if folder.exists():
        if not folder.is_dir():
            return False
        try:
            # A real write, because permission bits lie on read-only mounts.
            with tempfile.TemporaryFile(dir=folder) as probe:
                probe.write(b"ok")
        except OSError:
            logger.exception("health check: key store not writable")
            return False
        return True
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)


@login_not_required
@second_factor_exempt
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with every check "ok", or 503 naming the checks that failed."""
    checks = {
        "database": "ok" if database_ok() else "failed",
        "database_writes": "ok" if database_writable() else "failed",
        "key_store": "ok" if key_store_ok() else "failed",
    }
    healthy = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failed", **checks}, status=200 if healthy else 503
    )
