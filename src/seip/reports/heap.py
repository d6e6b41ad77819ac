"""The collector told to leave the process's older objects alone while a report is made
(issue 17, ADR 0056).

Making a county report allocates tens of thousands of small objects (observations,
cells, ledger rows) that live for the whole report, so Python's cyclic collector
promotes them and, once enough have been promoted, runs a full collection: it walks
every tracked object of the process, the worker's modules and caches included, not
only the report's. Timed on the benchmark snapshot, that full pass was 0.15 to 0.2 s
of a county report's 1.6 s of outcome tables, for objects that were never garbage.

``gc.freeze`` moves every object alive when the report starts into a generation the
collector does not scan, and ``gc.unfreeze`` hands them back when it ends. Only timing
changes: a cycle of older objects that becomes garbage during the report is freed by
the first full collection after it, and the report's own objects are collected as
before. The freeze is process-wide, so a counter keeps it for as long as
any report of the process is being made (two threads making reports at once).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_making = 0


@contextlib.contextmanager
def older_objects_frozen() -> Iterator[None]:
    """While the block runs, the collector scans only objects made since it started."""
    global _making
    with _lock:
        if not _making:
            gc.freeze()
        _making += 1
    try:
        yield
    finally:
        with _lock:
            _making -= 1
            if not _making:
                gc.unfreeze()
