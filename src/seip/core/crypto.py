"""Encryption at rest with the one service data key, for what belongs to no one child (P14).

A child's personal data (case notes, attachments, safeguarding concerns, signed referral
scans) is sealed under that child's own data key instead, by ``seip.keys.crypto``, so
that shredding the key erases it everywhere (P22). Nothing in the application encrypts
with this service key today; it stays for service-wide secrets and for anything written
before per-student keys.

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``: authenticated, so a tampered
blob fails to decrypt rather than yielding garbage.
"""

import hashlib
import uuid
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(data: bytes) -> bytes:
    return _fernet(settings.DATA_KEY).encrypt(data)


def decrypt(token: bytes) -> bytes:
    return _fernet(settings.DATA_KEY).decrypt(token)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_encrypted(folder: str, data: bytes) -> str:
    """Encrypt ``data`` into the default storage under a random name; return that name.

    The name carries nothing about the file's owner or original name.
    """
    return default_storage.save(f"{folder}/{uuid.uuid4().hex}.enc", ContentFile(encrypt(data)))


def read_encrypted(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return decrypt(handle.read())
