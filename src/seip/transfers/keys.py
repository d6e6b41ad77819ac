"""Where the keys of transfer packages live (P15).

Each partnership signs its packages with its own Ed25519 key. Its public half is on the
``Partnership`` row, so recipients and this service can check signatures; the private
half never enters the database. It is read, in this order, from:

1. ``SEIP_TRANSFER_SIGNING_KEY_<SLUG>`` or ``..._<SLUG>_FILE`` (the slug in capitals,
   ``-`` as ``_``), in PEM or as base64 of the 32 raw bytes, as the audit key;
2. ``<SEIP_TRANSFER_KEYS_DIR>/<slug>.key``, when that directory is configured;
3. outside production only, ``<SEIP_DATA_DIR>/transfer-keys/<slug>.key``, created on first
   use, as the demo does for its other secrets.

Production with none of these refuses to sign rather than making up a key nobody holds.
Recipient organisations hold their own age identity; this service only keeps their public
key (``PartnerOrganisation.age_recipient``).
"""

import base64
import datetime as dt
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyrage import x25519  # type: ignore[import-untyped]

from seip.audit import keys as audit_keys
from seip.env import env_secret, env_str
from seip.organisations.models import Partnership

ENV_PREFIX = "SEIP_TRANSFER_SIGNING_KEY_"
KEYS_DIR_ENV = "SEIP_TRANSFER_KEYS_DIR"
LOCAL_DIR = "transfer-keys"


def env_name(partnership: Partnership) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", partnership.slug.upper())


def keys_dir() -> Path | None:
    """``settings.TRANSFER_KEYS_DIR`` if the settings define it, else the environment."""
    configured = getattr(settings, "TRANSFER_KEYS_DIR", None) or env_str(KEYS_DIR_ENV)
    return Path(configured) if configured else None


def key_path(partnership: Partnership) -> Path | None:
    """The file that holds (or will hold) the partnership's key, if keys live in files."""
    directory = keys_dir()
    if directory is not None:
        return directory / f"{partnership.slug}.key"
    if settings.PRODUCTION:
        return None
    return Path(settings.DATA_DIR) / LOCAL_DIR / f"{partnership.slug}.key"


def _parse(text: str, source: str) -> Ed25519PrivateKey:
    try:
        return audit_keys.parse_private_key(text)
    except (ImproperlyConfigured, ValueError):
        raise ImproperlyConfigured(
            f"{source} must hold an Ed25519 private key, in PEM or as base64 of 32 bytes"
        ) from None


def signing_key(partnership: Partnership, *, create: bool = False) -> Ed25519PrivateKey:
    """The partnership's private signing key.

    A missing key file is created only outside production or when ``create`` is set (the
    operator's ``seip transfer keygen``); an export in production never invents one.
    """
    name = env_name(partnership)
    text = env_secret(name)
    if text is not None:
        return _parse(text, name)
    path = key_path(partnership)
    if path is None:
        raise ImproperlyConfigured(
            f"No transfer signing key for {partnership.slug}: set {name} (or {name}_FILE) "
            f"or {KEYS_DIR_ENV} when SEIP_PRODUCTION=true"
        )
    if not path.exists() and settings.PRODUCTION and not create:
        raise ImproperlyConfigured(
            f"No transfer signing key for {partnership.slug} in {path}: create one with "
            f"`seip transfer keygen --partnership {partnership.slug}`"
        )
    # The audit key's helper: created once with O_EXCL and mode 0600, never overwritten.
    return _parse(audit_keys._local_key(path), str(path))


def public_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(audit_keys.public_bytes(key)).decode()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def parse_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM or from base64 of its 32 raw bytes.

    Raises ``ValueError`` with a plain message for anything else.
    """
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM file does not hold an Ed25519 public key")
        return key
    try:
        return audit_keys.load_public_key(text)
    except ValueError:
        raise ValueError("not an Ed25519 public key (PEM, or base64 of 32 bytes)") from None


def partnership_public_key(partnership: Partnership) -> Ed25519PublicKey | None:
    """The public key on record for the partnership, or None if it has published none."""
    if not partnership.signing_public_key:
        return None
    return audit_keys.load_public_key(partnership.signing_public_key)


def identity_file_text(identity: x25519.Identity, *, now: dt.datetime) -> str:
    """An identity file in ``age-keygen``'s format, so ``age -d -i FILE`` reads it."""
    return (
        f"# created: {now.replace(microsecond=0).isoformat()}\n"
        f"# public key: {identity.to_public()}\n"
        f"{identity}\n"
    )


def write_private_file(path: Path, text: str) -> None:
    """Write a secret to a new file, readable by its owner only; never overwrite one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists: it may hold someone's key") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
