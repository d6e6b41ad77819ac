"""The audit witness: every signed checkpoint, appended outside the database (P14, ADR 0025).

Someone who can write to the database can delete checkpoints and recompute every hash;
someone who owns the application host can also sign new checkpoints. Neither can take back
a line already written somewhere they cannot rewrite. ``SEIP_AUDIT_WITNESS`` names a
JSON-lines file, meant to be on another volume or a mounted append-only or remote store;
each checkpoint is appended to it (``O_APPEND``, one ``write`` per line) once the
transaction that signed it has committed, and ``seip audit verify`` holds the database to
it. Outside production it defaults to ``<data folder>/audit-witness.jsonl``; production
requires it and refuses a path inside the data folder, which a restore or a rollback of
that folder would take back with it.
"""

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail

ENV_NAME = "SEIP_AUDIT_WITNESS"
LOCAL_FILE = "audit-witness.jsonl"

logger = logging.getLogger(__name__)


def witness_path() -> Path:
    """Where checkpoints are witnessed; production without a safe one is refused."""
    configured = str(settings.AUDIT_WITNESS or "")
    data_dir = Path(settings.DATA_DIR).resolve()
    if not configured:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                f"{ENV_NAME} must name an append-only file outside SEIP_DATA_DIR "
                "when SEIP_PRODUCTION=true"
            )
        return data_dir / LOCAL_FILE
    path = Path(configured).resolve()
    if settings.PRODUCTION and path.is_relative_to(data_dir):
        raise ImproperlyConfigured(
            f"{ENV_NAME} ({path}) must lie outside SEIP_DATA_DIR ({data_dir}), on storage "
            "that a restore or a rollback of the data folder does not take back"
        )
    return path


def witness_append(entry: dict[str, Any]) -> None:
    """Append one checkpoint to the witness, and mail it to ``SEIP_AUDIT_WITNESS_EMAIL``.

    Runs after the signing transaction commits, so the witness never holds a checkpoint
    the database rolled back. A failure is logged, not raised: the audited action has
    already happened, and a checkpoint missing from the witness is reported by ``verify``
    as a note, not as tampering.
    """
    line = (json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode()
    try:
        path = witness_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND: each write lands at the end, whoever else is appending; never truncate.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except (OSError, ImproperlyConfigured) as exc:
        logger.error("Could not append audit checkpoint %s to the witness: %s", entry["seq"], exc)
    recipients = list(settings.AUDIT_WITNESS_EMAIL)
    if recipients:
        try:
            send_mail(
                f"SEIP audit checkpoint at position {entry['seq']}",
                "Keep this signed audit checkpoint. `seip audit verify --against FILE` "
                "checks the audit trail against it.\n\n" + line.decode(),
                None,
                recipients,
            )
        except OSError as exc:  # smtplib's errors are OSErrors
            logger.error("Could not email audit checkpoint %s: %s", entry["seq"], exc)


@dataclass
class WitnessRead:
    entries: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    exists: bool = True


def witness_read(path: Path) -> WitnessRead:
    """Every checkpoint in the witness, in file order; a line that is not one is a problem."""
    result = WitnessRead()
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        result.exists = False
        return result
    except OSError as exc:
        result.problems.append(f"the witness {path} cannot be read: {exc.strerror}")
        return result
    with handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                entry = json.loads(text)
            except ValueError:
                entry = None
            if not isinstance(entry, dict):
                result.problems.append(f"witness line {number} is not a checkpoint")
                continue
            result.entries.append(entry)
    return result
