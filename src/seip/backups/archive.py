"""The backup archive: a tar of the database snapshot, the media folder and a manifest,
encrypted as one Fernet token under the backup key.

Never in it: the key store and the master keys. Every student's encrypted content needs
both, so an erasure (which destroys the student's key-store secret) stays effective in
every backup taken before it (P22, ADR 0012).
"""

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from seip.env import env_secret, local_secret

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup that cannot be read, does not match its manifest, or has nowhere to go."""


def backup_key() -> bytes:
    """``SEIP_BACKUP_KEY`` (or ``_FILE``); outside production, a key kept in the data
    folder like the other local secrets. Keep it apart from the backups themselves."""
    key = env_secret("SEIP_BACKUP_KEY")
    if key is None:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                "SEIP_BACKUP_KEY (or SEIP_BACKUP_KEY_FILE) must be set when SEIP_PRODUCTION=true"
            )
        key = local_secret(Path(settings.DATA_DIR) / "backup_key", fernet=True)
    return key.encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_archive(out: Path, *, manifest: dict[str, Any], parts: dict[str, bytes]) -> None:
    """Write ``parts`` (name -> bytes) and the manifest, with each part's SHA-256."""
    manifest = {**manifest, "format": FORMAT, "sha256": {n: sha256(b) for n, b in parts.items()}}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in [(MANIFEST, json.dumps(manifest, indent=2).encode()), *parts.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    token = Fernet(backup_key()).encrypt(buffer.getvalue())
    # Written beside the target then renamed: a crash never leaves half a backup named
    # like a whole one.
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(token)
    partial.replace(out)


def read_archive(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Decrypt a backup and check every part against the manifest's SHA-256."""
    try:
        plain = Fernet(backup_key()).decrypt(path.read_bytes())
    except InvalidToken:
        raise BackupError(
            "This backup cannot be decrypted with the backup key: wrong key "
            "(set SEIP_BACKUP_KEY or SEIP_BACKUP_KEY_FILE) or a damaged file."
        ) from None
    parts: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            if member.isfile() and handle is not None:
                parts[member.name] = handle.read()
    if MANIFEST not in parts:
        raise BackupError("This backup has no manifest.")
    manifest: dict[str, Any] = json.loads(parts.pop(MANIFEST))
    expected: dict[str, str] = manifest.get("sha256", {})
    if set(expected) != set(parts):
        raise BackupError("This backup's parts do not match its manifest.")
    for name, data in parts.items():
        if sha256(data) != expected[name]:
            raise BackupError(f"Checksum mismatch in {name}: the backup is damaged.")
    return manifest, parts
