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


def backup_key(*, create: bool = False) -> bytes:
    """``SEIP_BACKUP_KEY`` (or ``_FILE``); outside production, a key kept in the data
    folder like the other local secrets. Keep it apart from the backups themselves.

    Only ``seip backup`` may ``create`` the local key: a restore into a new data folder that
    made itself a fresh key could only ever report "wrong key", so it asks for the old one.
    """
    try:
        key = env_secret("SEIP_BACKUP_KEY")
    except ImproperlyConfigured as exc:
        raise BackupError(str(exc)) from None
    if key is None:
        if settings.PRODUCTION:
            raise BackupError(
                "SEIP_BACKUP_KEY (or SEIP_BACKUP_KEY_FILE) must be set when SEIP_PRODUCTION=true."
            )
        local = Path(settings.DATA_DIR) / "backup_key"
        if not create and not local.exists():
            raise BackupError(
                "No backup key: set SEIP_BACKUP_KEY (or SEIP_BACKUP_KEY_FILE) to the key the "
                f"backup was written with (outside production, the backup_key file of the "
                f"data folder it came from); {local} does not exist."
            )
        key = local_secret(local, fernet=True)
    try:
        Fernet(key.encode())
    except ValueError:
        raise BackupError(
            "The backup key is not a Fernet key (32 bytes, url-safe base64): check "
            "SEIP_BACKUP_KEY or SEIP_BACKUP_KEY_FILE."
        ) from None
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
    token = Fernet(backup_key(create=True)).encrypt(buffer.getvalue())
    # Written beside the target then renamed: a crash never leaves half a backup named
    # like a whole one.
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_bytes(token)
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Cannot write the backup to {out}: {exc.strerror}.") from None


def _damaged(why: str) -> BackupError:
    return BackupError(f"This backup is damaged: {why}.")


def read_archive(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Decrypt a backup and check every part against the manifest's SHA-256.

    Every way a file can be wrong ends in a ``BackupError`` that says which, and names the
    part whose checksum differs; none ends in a traceback.
    """
    key = backup_key()
    try:
        token = path.read_bytes()
    except OSError as exc:
        raise BackupError(f"Cannot read the backup {path}: {exc.strerror}.") from None
    try:
        plain = Fernet(key).decrypt(token)
    except InvalidToken:
        # Fernet authenticates the whole file, so a wrong key and a changed byte look alike.
        raise BackupError(
            "This backup cannot be decrypted with the backup key: wrong key "
            "(set SEIP_BACKUP_KEY or SEIP_BACKUP_KEY_FILE) or a damaged file."
        ) from None
    parts: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as tar:
            for member in tar.getmembers():
                handle = tar.extractfile(member)
                if member.isfile() and handle is not None:
                    parts[member.name] = handle.read()
    except tarfile.TarError:
        raise _damaged("its contents are not an archive") from None
    if MANIFEST not in parts:
        raise _damaged("it has no manifest")
    try:
        manifest = json.loads(parts.pop(MANIFEST))
    except ValueError:
        raise _damaged("its manifest is not JSON") from None
    if not isinstance(manifest, dict):
        raise _damaged("its manifest is not an object")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"This backup's format is {manifest.get('format')!r}; this version of SEIP "
            f"reads format {FORMAT}."
        )
    expected: dict[str, str] = manifest.get("sha256", {})
    missing = sorted(set(expected) - set(parts))
    if missing:
        raise _damaged(f"{missing[0]} is missing ({len(missing)} part(s) in all)")
    extra = sorted(set(parts) - set(expected))
    if extra:
        raise _damaged(f"{extra[0]} is not in its manifest ({len(extra)} part(s) in all)")
    for name, data in parts.items():
        if sha256(data) != expected[name]:
            raise _damaged(f"checksum mismatch in {name}")
    for field in ("engine", "database", "created_at"):
        if field not in manifest:
            raise _damaged(f"its manifest has no {field}")
    if manifest["database"] not in parts:
        raise _damaged(f"the database part {manifest['database']} is missing")
    return manifest, parts
