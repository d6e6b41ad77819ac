"""Shared set-up for the benchmarks that run on ``report_check.py``'s SQLite snapshot:
another checkout's code first on the path (``--src``), and a throwaway copy of the
snapshot's data directory, so a run never writes into the snapshot.

This is a helper, not a script: pytest does not collect it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def on_snapshot(snapshot: Path, src: Path) -> Iterator[None]:
    """Django set up with ``src``'s code on a copy of ``snapshot``'s SQLite data."""
    sys.path.insert(0, str(src.resolve()))
    os.environ["DJANGO_SETTINGS_MODULE"] = "seip.settings"
    os.environ.setdefault("SEIP_LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(snapshot / "sqlite", data)
        os.environ["SEIP_DATA_DIR"] = str(data)
        import django

        django.setup()
        yield
