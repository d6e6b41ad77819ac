"""The Ed25519 key that signs audit checkpoints (P14).

Production reads it from ``SEIP_AUDIT_SIGNING_KEY`` or ``SEIP_AUDIT_SIGNING_KEY_FILE`` (PEM,
or the 32 raw private bytes in base64). Elsewhere a key is created once in the data folder,
as ``seip.env.local_secret`` does for the other secrets, and never in the repository.
"""

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from seip.env import env_secret

ENV_NAME = "SEIP_AUDIT_SIGNING_KEY"
LOCAL_FILE = "audit_signing_key"


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM or from base64 of its 32 raw bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{ENV_NAME} must be an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{ENV_NAME} is neither PEM nor base64") from None
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{ENV_NAME} must hold 32 raw bytes, not {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _local_key(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    value = base64.b64encode(raw).decode()
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def signing_key() -> Ed25519PrivateKey:
    """The checkpoint signing key; production without one is refused, not improvised."""
    text = env_secret(ENV_NAME)
    if text is None:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                f"{ENV_NAME} (or {ENV_NAME}_FILE) must be set to sign audit checkpoints "
                "when SEIP_PRODUCTION=true"
            )
        text = _local_key(Path(settings.DATA_DIR) / LOCAL_FILE)
    return parse_private_key(text)


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the start of its SHA-256."""
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def load_public_key(b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64, validate=True))
