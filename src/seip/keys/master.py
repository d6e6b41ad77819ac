"""Parsing the master keys (P14). No Django models here: ``settings.py`` imports it, so a
malformed key stops the service at start-up with a message naming the variable."""

import base64
import binascii
import re

from django.core.exceptions import ImproperlyConfigured

ENV_NAME = "SEIP_MASTER_KEYS"
KEY_BYTES = 32
_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def parse_master_keys(text: str) -> list[tuple[str, bytes]]:
    """``id:base64key`` entries, separated by commas or new lines; the first is current.

    Each key is 32 random bytes (AES-256) in standard or URL-safe base64. Ids must be
    unique: a data key records the id of the master key that wrapped it.
    """
    keys: list[tuple[str, bytes]] = []
    for entry in re.split(r"[,\s]+", text.strip()):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _ID.match(key_id):
            raise ImproperlyConfigured(f"{ENV_NAME}: each entry must be id:base64key")
        try:
            raw = base64.b64decode(encoded.translate(str.maketrans("-_", "+/")), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{ENV_NAME}: key {key_id!r} is not base64") from None
        if len(raw) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"{ENV_NAME}: key {key_id!r} must be {KEY_BYTES} bytes, not {len(raw)}"
            )
        if any(key_id == seen for seen, _ in keys):
            raise ImproperlyConfigured(f"{ENV_NAME}: key id {key_id!r} appears twice")
        keys.append((key_id, raw))
    if not keys:
        raise ImproperlyConfigured(f"{ENV_NAME} holds no key")
    return keys
