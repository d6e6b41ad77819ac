"""Encryption at rest with the service data key (P14).

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``: authenticated, so a tampered
blob fails to decrypt rather than yielding garbage. One service key for now; per-student
keys replace it when sharing is built (issue 5), so that destroying a student's key makes
their data unreadable everywhere (P22).
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
