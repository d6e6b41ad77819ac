"""The transfer package format (P15). Pure: no database, no settings, no files.

A package is a standard age file (https://age-encryption.org/v1) encrypted to the
recipient organisation's X25519 key. Inside is a deterministic zip::

    manifest.json    what the package holds: ids, sender, recipient, purpose, and every
                     other file with its SHA-256 and size
    manifest.sig     the raw 64-byte Ed25519 signature of manifest.json's exact bytes,
                     made with the sending partnership's key
    record.json      the record as data
    record.pdf       the record to read
    attachments/...  the chronology's attached files

age authenticates the whole file, so a changed byte anywhere is refused; the signature
proves which partnership built the package, which encryption alone cannot (anyone may
encrypt to a public key). Both layers are standard, so a recipient without SEIP can open
a package with the ``age`` command and check the manifest with any Ed25519 tool.
"""

import datetime as dt
import hashlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyrage  # type: ignore[import-untyped]  # no stubs published
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyrage import x25519

FORMAT = "seip-transfer"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
#: Files every package must list; attachments are optional.
REQUIRED = ("record.json", "record.pdf")
#: Refuse to inflate more than this, whatever the manifest claims (a zip bomb guard).
MAX_TOTAL_SIZE = 512 * 1024 * 1024
# Fixed metadata so the same content always gives the same zip bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_SAFE_NAME = re.compile(
    r"^(record\.json|record\.pdf|attachments/[A-Za-z0-9][A-Za-z0-9._-]{0,150})$"
)


class PackageError(Exception):
    """A package was refused. The message says why, in words a recipient can act on."""


class WrongKey(PackageError):
    """The package was not encrypted to the identity given (or its header was altered)."""


class WrongRecipient(PackageError):
    """The package decrypted, but its signed manifest names another recipient: it was
    passed on (re-encrypted) or sent to several keys, and is not this identity's to open."""


class Damaged(PackageError):
    """The encrypted body fails authentication: a byte was changed or the file is cut short."""


class BadSignature(PackageError):
    """The manifest's signature does not verify against the sending partnership's key."""


class ChecksumMismatch(PackageError):
    """A file's SHA-256 differs from the one the signed manifest lists."""


class BadContents(PackageError):
    """Files are missing or extra, or the archive or manifest cannot be read."""


@dataclass(frozen=True)
class Party:
    """The sending partnership or the receiving organisation, as the manifest names it."""

    ref: str  # the partnership's slug, or the organisation's id
    name: str


@dataclass(frozen=True)
class Built:
    package_id: str
    data: bytes
    sha256: str
    manifest: dict[str, Any]


@dataclass(frozen=True)
class Opened:
    """A package that decrypted, whose signature verified, and whose every file matched."""

    manifest: dict[str, Any]
    files: dict[str, bytes]
    signer_key_id: str
    #: The signed bytes and their signature, kept so the recipient can check them again.
    manifest_bytes: bytes
    signature: bytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_id(key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key (as the audit key)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sha256(raw)[:16]


def safe_name(name: str) -> bool:
    """Only the names this format writes: no directories to climb out of, no hidden files."""
    return bool(_SAFE_NAME.match(name)) and ".." not in name


def _zip(entries: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 3  # unix, so the permission bits above are honoured
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def canonical_json(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def build(
    *,
    files: Mapping[str, bytes],
    sender: Party,
    recipient: Party,
    recipient_key: str,
    purpose: str,
    subject: Mapping[str, Any],
    signing_key: Ed25519PrivateKey,
    created_at: dt.datetime,
    package_id: str | None = None,
) -> Built:
    """Sign a manifest of ``files``, zip them, and encrypt the zip to ``recipient_key``.

    ``subject`` identifies the student to the sender's own database only (its id there),
    so that an opening in the same service can log the disclosure against the student.
    """
    missing = [name for name in REQUIRED if name not in files]
    if missing:
        raise BadContents(f"A package needs {', '.join(missing)}")
    unsafe = [name for name in files if not safe_name(name)]
    if unsafe:
        raise BadContents(f"These names cannot go in a package: {', '.join(sorted(unsafe))}")
    try:
        recipient_public = x25519.Recipient.from_str(recipient_key)
    except pyrage.RecipientError:
        raise WrongKey(f"{recipient_key!r} is not an age public key") from None
    package_id = package_id or str(uuid.uuid4())
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "package_id": package_id,
        "created_at": created_at.isoformat(),
        "sender": {"partnership": sender.ref, "name": sender.name},
        "signer_key_id": key_id(signing_key.public_key()),
        "recipient": {"organisation": recipient.ref, "name": recipient.name,
                      "age_recipient": recipient_key},
        "purpose": purpose,
        "subject": dict(subject),
        "files": [
            {"name": name, "sha256": sha256(files[name]), "size": len(files[name])}
            for name in sorted(files)
        ],
    }  # fmt: skip
    manifest_bytes = canonical_json(manifest)
    inner = _zip({**files, MANIFEST: manifest_bytes, SIGNATURE: signing_key.sign(manifest_bytes)})
    data: bytes = pyrage.encrypt(inner, [recipient_public])
    return Built(package_id=package_id, data=data, sha256=sha256(data), manifest=manifest)


def parse_identities(text: str) -> list[x25519.Identity]:
    """The identities in an age identity file (``age-keygen`` format: comments allowed)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            found.append(x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise WrongKey(
                "The identity file holds a line that is not an age secret key (AGE-SECRET-KEY-1...)"
            ) from None
    if not found:
        raise WrongKey("The identity file holds no age secret key (AGE-SECRET-KEY-1...)")
    return found


def _decrypt(data: bytes, identities: list[x25519.Identity]) -> bytes:
    keys = ", ".join(str(identity.to_public()) for identity in identities)
    try:
        inner: bytes = pyrage.decrypt(data, identities)
        return inner
    except pyrage.DecryptError as exc:
        reason = str(exc)
    if reason == "No matching keys found":
        # age cannot tell a key it was not encrypted to from a recipient line that was
        # altered: both simply fail to unwrap. Say the likely cause, and how to tell.
        raise WrongKey(
            f"This package was not encrypted to the key you gave: {keys} does not open it. "
            "If it should, the package may have been altered: compare its SHA-256 with "
            "the one the sender gave you."
        )
    raise Damaged(
        f"The package is damaged or was altered: age refused it ({reason.splitlines()[0]}). "
        "Ask the sender for a new copy."
    )


def _manifest(inner: Mapping[str, bytes]) -> dict[str, Any]:
    try:
        manifest = json.loads(inner[MANIFEST])
    except (KeyError, ValueError):
        raise BadContents("The package has no readable manifest.json") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadContents("manifest.json is not a SEIP transfer manifest")
    if manifest.get("version") != VERSION:
        raise BadContents(
            f"This package is format version {manifest.get('version')!r}; this SEIP reads "
            f"version {VERSION}"
        )
    return manifest


def _unzip(inner: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(inner))
    except zipfile.BadZipFile:
        raise Damaged("The package decrypted but does not hold a zip archive") from None
    with archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise BadContents("The package lists the same file twice")
        bad = [n for n in names if n not in (MANIFEST, SIGNATURE) and not safe_name(n)]
        if bad:
            raise BadContents(f"The package holds files it should not: {', '.join(sorted(bad))}")
        if sum(info.file_size for info in infos) > MAX_TOTAL_SIZE:
            raise BadContents("The package's files are larger than any transfer should be")
        try:
            return {info.filename: archive.read(info) for info in infos}
        except (zipfile.BadZipFile, OSError) as exc:
            raise Damaged(f"The package's archive is damaged: {exc}") from None


def _verify_files(manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
    listed = manifest.get("files")
    if not isinstance(listed, list) or not all(isinstance(e, dict) for e in listed):
        raise BadContents("manifest.json does not list the package's files")
    expected = {str(entry.get("name")): entry for entry in listed}
    missing = sorted(set(expected) - set(files))
    if missing:
        raise BadContents(f"Files listed in the manifest are missing: {', '.join(missing)}")
    extra = sorted(set(files) - set(expected))
    if extra:
        raise BadContents(f"Files not listed in the manifest were added: {', '.join(extra)}")
    for name in sorted(expected):
        entry, content = expected[name], files[name]
        if entry.get("size") != len(content) or entry.get("sha256") != sha256(content):
            raise ChecksumMismatch(
                f"{name} does not match its checksum in the manifest: it was changed after "
                "the package was signed"
            )


def _check_recipient(manifest: Mapping[str, Any], identities: list[x25519.Identity]) -> None:
    """Decrypting proves only that the package was encrypted to this key, by anyone: the
    organisation it was made for could re-encrypt it to another. The recipient the
    partnership signed for must be the identity that opens it (security review, issue 15).
    Call only after the signature verified, so the manifest can be trusted."""
    recipient = manifest.get("recipient")
    named = str(recipient.get("age_recipient", "")) if isinstance(recipient, dict) else ""
    if named in {str(identity.to_public()) for identity in identities}:
        return
    name = str(recipient.get("name", "")) if isinstance(recipient, dict) else ""
    raise WrongRecipient(
        f"This package was made for {name or 'another organisation'} "
        f"(age key {named or 'not named'}), not for the identity you gave: it was passed on, "
        "and is not yours to open. Ask the sending partnership for a package made for you."
    )


def open_package(
    data: bytes,
    identities: list[x25519.Identity],
    signer: Callable[[dict[str, Any]], Ed25519PublicKey],
) -> Opened:
    """Decrypt, then verify the signature and every file, or raise :class:`PackageError`.

    ``signer`` returns the sending partnership's public key for a manifest: the caller's
    own trusted copy, never a key carried in the package, so a forger cannot bring one.
    """
    entries = _unzip(_decrypt(data, identities))
    manifest = _manifest(entries)
    signature = entries.pop(SIGNATURE, None)
    manifest_bytes = entries.pop(MANIFEST)
    if signature is None:
        raise BadSignature("The package has no signature (manifest.sig)")
    public = signer(manifest)
    try:
        public.verify(signature, manifest_bytes)
    except InvalidSignature:
        sender = manifest.get("sender") or {}
        raise BadSignature(
            f"The manifest's signature does not verify with the key of "
            f"{sender.get('name', 'the sender')!s} (key {key_id(public)}): the package was "
            "not signed by that partnership, or its manifest was changed"
        ) from None
    _check_recipient(manifest, identities)
    _verify_files(manifest, entries)
    return Opened(
        manifest=manifest,
        files=entries,
        signer_key_id=key_id(public),
        manifest_bytes=manifest_bytes,
        signature=signature,
    )
