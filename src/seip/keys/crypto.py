"""Encryption at rest under one data key per data subject (P14), and crypto-shredding (P22).

The one place that turns a child's personal data into ciphertext and back.

- **Data key.** Each subject (a referral, and so its student) has a random AES-256 key.
  Text and files are sealed with AES-256-GCM under it: a format tag + a random 96-bit
  nonce + ciphertext and tag. The associated data names the subject and the field, so a
  blob copied to another student's row, or from the details column into the actions
  column, fails. A column of a row (``b"v2"``) also names the row, model label and
  primary key (:func:`row_id`), so a blob copied from one of a student's notes into
  another of theirs fails too. ``b"v1"`` blobs (subject and field only: files, and rows
  written before v2) stay readable; ``seip keys rebind`` re-seals old rows as v2.
- **Wrapping.** The data key is stored only wrapped (``keys.DataKey.wrapped``), under a
  key-encryption key derived (HKDF-SHA256) from the current master key and a random 256-bit
  secret kept in the *key store*: one file per key in ``settings.KEY_STORE_DIR``, outside
  the database and left out of its backups.
- **Shredding** empties ``wrapped`` and destroys the key-store secret. A database backup
  taken earlier still holds the wrapped key, but nothing that exists any more can unwrap it:
  the master key alone is not enough. See ``docs/decisions/0012-per-student-keys-and-
  shredding.md``.

Unwrapped keys are cached per process, briefly and in a bounded LRU, only once the
transaction that read or made them has committed, and dropped at once on shredding; a cached
key is also dropped when its key-store secret has gone (shredded by another process).
"""

import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction

from seip.keys.models import DataKey

# Annotations only: referrals' models hold encrypted fields, so keys sits below them
# and must not import them when it loads (ADR 0052).
if TYPE_CHECKING:
    from seip.referrals.models import Referral

#: Bound to the subject and the field: files, and rows sealed before v2.
FORMAT = b"v1"
#: Bound to the subject, the field and the row (model label and primary key).
FORMAT_ROW = b"v2"
NONCE_BYTES = 12
SECRET_BYTES = 32
# Big enough for a county's students: a list page opens one key per student shown.
CACHE_SIZE = 16384
CACHE_SECONDS = 300.0

type Subject = Referral | int


class DataUnavailable(Exception):
    """Encrypted content that cannot be read; ``message`` is safe to show to a user."""

    message = "This record's encrypted content cannot be read."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.message)


class KeyShredded(DataUnavailable):
    """The subject's data key was destroyed (P22): their ciphertext is gone for good."""

    message = "This record's encrypted content was erased."


class KeyMissing(DataUnavailable):
    """No data key, no master key to unwrap it, or a key store that lost its secret."""


class DecryptionFailed(DataUnavailable):
    """The ciphertext was changed, or belongs to another subject, field or row."""

    message = (
        "This record's encrypted content failed its integrity check: it was altered, or "
        "copied from another record."
    )


def row_id(instance: models.Model) -> bytes:
    """A saved row's identity for the associated data: ``records.casenote:42``.

    The primary key is known only once the row is inserted, so a service inserts the row,
    then seals its columns with this and saves them (one more UPDATE, same transaction)."""
    if instance.pk is None:
        raise ValueError("Save the row first: its ciphertext is bound to its primary key.")
    return f"{instance._meta.label_lower}:{instance.pk}".encode()


class Sealer:
    """AES-256-GCM under one subject's data key. Get one from ``sealer_for``."""

    __slots__ = ("_aead", "subject_id")

    def __init__(self, subject_id: int, key: bytes) -> None:
        self.subject_id = subject_id
        self._aead = AESGCM(key)

    def _aad(self, aad: bytes, row: bytes | None = None) -> bytes:
        bound = b"seip:subject:%d:" % self.subject_id + aad
        return bound if row is None else bound + b":row:" + row

    def encrypt(self, plaintext: bytes, *, aad: bytes = b"", row: bytes | None = None) -> bytes:
        """Seal for this subject and field ``aad``; with ``row`` (:func:`row_id`), for
        that row only (v2)."""
        nonce = os.urandom(NONCE_BYTES)
        tag = FORMAT if row is None else FORMAT_ROW
        return tag + nonce + self._aead.encrypt(nonce, plaintext, self._aad(aad, row))

    def decrypt(self, blob: bytes, *, aad: bytes = b"", row: bytes | None = None) -> bytes:
        """Open a blob of this subject and field. A v2 blob opens only for the ``row`` it
        was sealed for; a v1 blob (written before rows were bound) is still read."""
        tag = blob[: len(FORMAT)]
        if tag == FORMAT_ROW and row is None:
            raise DecryptionFailed("This ciphertext belongs to a row: name the row to open it.")
        if tag not in (FORMAT, FORMAT_ROW):
            raise DecryptionFailed("Not a per-subject ciphertext (unknown format).")
        bound = self._aad(aad, row if tag == FORMAT_ROW else None)
        nonce = blob[len(FORMAT) : len(FORMAT) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[len(FORMAT) + NONCE_BYTES :], bound)
        except InvalidTag:
            raise DecryptionFailed(
                "Integrity check failed: the ciphertext was altered, or belongs to another "
                "record, field or row."
            ) from None


# Sealed columns, registered by the apps that own them -------------------------------------


@dataclass(frozen=True)
class SealedColumns:
    """The row-bound ciphertext columns of one model, for ``seip keys rebind``."""

    model: type[models.Model]
    #: The lookup from the row to its subject's referral id, e.g. ``student__referral_id``.
    subject: str
    #: Each column and the field name sealed into its associated data.
    columns: dict[str, bytes]


_sealed: dict[str, SealedColumns] = {}


def register_sealed(model: type[models.Model], *, subject: str, columns: dict[str, bytes]) -> None:
    """Declare ``model``'s sealed columns (from its app's ``AppConfig.ready``), so that
    re-sealing old rows reaches them without this app knowing the others."""
    _sealed[model._meta.label_lower] = SealedColumns(model, subject, dict(columns))


def sealed_columns() -> list[SealedColumns]:
    return [_sealed[label] for label in sorted(_sealed)]


# Key store ---------------------------------------------------------------------------------


def _store_path(store_id: str) -> Path:
    return Path(settings.KEY_STORE_DIR) / f"{store_id}.key"


def _store_create(*, sync: bool = True) -> tuple[str, bytes]:
    """A new secret under a new random name. O_EXCL: never overwrite another key's secret."""
    store_id = uuid.uuid4().hex
    secret = os.urandom(SECRET_BYTES)
    directory = Path(settings.KEY_STORE_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(_store_path(store_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secret)
        if sync:
            # The database row that depends on this secret commits after it is on disk.
            os.fsync(fd)
    finally:
        os.close(fd)
    return store_id, secret


def store_read(store_id: str) -> bytes | None:
    try:
        secret = _store_path(store_id).read_bytes()
    except FileNotFoundError:
        return None
    return secret if len(secret) == SECRET_BYTES else None


def store_destroy(store_id: str) -> None:
    """Overwrite and remove a key's secret. Idempotent.

    Overwriting first is best effort (journalling and copy-on-write file systems may keep
    old blocks); the guarantee rests on the secret never being copied into a backup.
    """
    path = _store_path(store_id)
    _destroyed.add(store_id)  # this process's cached copy is dropped at its next use
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.write(fd, bytes(SECRET_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)


def store_exists(store_id: str) -> bool:
    # os.path, not pathlib: this runs for every key a list page opens.
    return os.path.exists(os.path.join(settings.KEY_STORE_DIR, store_id + ".key"))


# Wrapping ----------------------------------------------------------------------------------


def current_master_key_id() -> str:
    return str(settings.MASTER_KEYS[0][0])


def _master_key(key_id: str) -> bytes:
    for candidate, key in settings.MASTER_KEYS:
        if candidate == key_id:
            return bytes(key)
    raise KeyMissing(f"Master key {key_id!r} is not configured.")


def _kek(master: bytes, secret: bytes, store_id: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=secret,
        info=b"seip-data-key-v1:" + store_id.encode(),
    ).derive(master)
    return AESGCM(derived)


def _wrap_aad(referral_id: int, store_id: str) -> bytes:
    return b"seip-data-key:%d:" % referral_id + store_id.encode()


def wrap_key(
    key: bytes, *, referral_id: int, store_id: str, secret: bytes, master_key_id: str
) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    kek = _kek(_master_key(master_key_id), secret, store_id)
    return FORMAT + nonce + kek.encrypt(nonce, key, _wrap_aad(referral_id, store_id))


def unwrap_key(row: DataKey, secret: bytes) -> bytes:
    wrapped = bytes(row.wrapped)
    if wrapped[: len(FORMAT)] != FORMAT:
        raise KeyMissing("The wrapped data key is not readable.")
    nonce = wrapped[len(FORMAT) : len(FORMAT) + NONCE_BYTES]
    kek = _kek(_master_key(row.master_key_id), secret, row.store_id)
    try:
        return kek.decrypt(
            nonce, wrapped[len(FORMAT) + NONCE_BYTES :], _wrap_aad(row.referral_id, row.store_id)
        )
    except InvalidTag:
        raise KeyMissing("The data key cannot be unwrapped with the key material held.") from None


# Cache -------------------------------------------------------------------------------------

#: How often a cached key looks for its key-store secret again. A list of a thousand
#: students opens a thousand keys per page; one file-system check each per second is
#: enough to notice a shred by another process, while this process's own shreds (and
#: ``store_destroy`` here) are seen at once.
STORE_CHECK_SECONDS = 1.0

# subject id -> (sealer, store id, cached at, last checked in the key store)
_cache: OrderedDict[int, tuple[Sealer, str, float, float]] = OrderedDict()
_cache_lock = threading.Lock()
_destroyed: set[str] = set()


def _cached(subject_id: int) -> Sealer | None:
    now = time.monotonic()
    with _cache_lock:
        entry = _cache.get(subject_id)
        if entry is None:
            return None
        sealer, store_id, at, checked = entry
        if now - at > CACHE_SECONDS:
            del _cache[subject_id]
            return None
        _cache.move_to_end(subject_id)
    if store_id in _destroyed:
        forget(subject_id)
        return None
    if now - checked > STORE_CHECK_SECONDS:
        # Another process may have shredded the key: its secret is then gone from the store.
        if not store_exists(store_id):
            forget(subject_id)
            return None
        with _cache_lock:
            if subject_id in _cache:
                _cache[subject_id] = (sealer, store_id, at, now)
    return sealer


def _put(subject_id: int, sealer: Sealer, store_id: str) -> None:
    with _cache_lock:
        now = time.monotonic()
        _cache[subject_id] = (sealer, store_id, now, now)
        _cache.move_to_end(subject_id)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


# Keys opened or made inside the current transaction, valid only while it lives: Django
# replaces ``connection.run_on_commit`` with a new list on every commit and on every
# rollback (of the transaction or of a savepoint), so an entry tagged with that list
# object is used only while nothing it was made in has been rolled back. Without this, a
# page or service inside a transaction would query each key again for every value.
_txn = threading.local()


def _txn_map() -> dict[int, tuple[Sealer, object]]:
    found: dict[int, tuple[Sealer, object]] | None = getattr(_txn, "map", None)
    if found is None or len(found) > CACHE_SIZE:
        found = _txn.map = {}
    return found


def _txn_get(subject_id: int) -> Sealer | None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    entry = _txn_map().get(subject_id)
    if entry is not None and entry[1] is connection.run_on_commit:
        return entry[0]
    return None


def _remember(subject_id: int, sealer: Sealer, store_id: str) -> None:
    # A key made or read inside a transaction that then rolls back must never be used
    # again: data sealed with it would have no wrapped copy. So the process cache is filled
    # only on commit; until then the key is kept for this transaction alone.
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        _txn_map()[subject_id] = (sealer, connection.run_on_commit)
    transaction.on_commit(lambda: _put(subject_id, sealer, store_id))


def forget(subject_id: int) -> None:
    with _cache_lock:
        _cache.pop(subject_id, None)
    _txn_map().pop(subject_id, None)


def cache_clear() -> None:
    with _cache_lock:
        _cache.clear()
    _txn_map().clear()


# Finding and making keys -------------------------------------------------------------------


def _subject_id(subject: Subject) -> int:
    if isinstance(subject, int):
        return subject
    # The model DataKey's own foreign key names, found when called, not when loaded.
    if not isinstance(subject, DataKey._meta.get_field("referral").related_model):
        # The data subject is the referral. A Student's pk is another number, and would
        # silently name another child's key (or none) if it were taken here.
        raise TypeError(f"a data key's subject is a Referral or its id, not {type(subject)}")
    return subject.pk


def _open(row: DataKey) -> Sealer:
    if row.is_shredded:
        raise KeyShredded
    secret = store_read(row.store_id)
    if secret is None:
        raise KeyMissing("The key store has lost this record's key.")
    sealer = Sealer(row.referral_id, unwrap_key(row, secret))
    _remember(row.referral_id, sealer, row.store_id)
    return sealer


def _new_row(referral_id: int, *, sync: bool = True) -> tuple[DataKey, Sealer]:
    store_id, secret = _store_create(sync=sync)
    key = AESGCM.generate_key(bit_length=256)
    master_key_id = current_master_key_id()
    row = DataKey(
        referral_id=referral_id,
        store_id=store_id,
        master_key_id=master_key_id,
        wrapped=wrap_key(
            key,
            referral_id=referral_id,
            store_id=store_id,
            secret=secret,
            master_key_id=master_key_id,
        ),
    )
    return row, Sealer(referral_id, key)


def _create(referral_id: int) -> Sealer:
    row, sealer = _new_row(referral_id)
    try:
        # A savepoint: losing the race to another writer must not spoil the caller's
        # transaction. The unique referral column decides who wins on both databases.
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        store_destroy(row.store_id)
        return _open(DataKey.objects.get(referral_id=referral_id))
    _remember(referral_id, sealer, row.store_id)
    return sealer


_scope = threading.local()


@contextmanager
def using_sealers(sealers: dict[int, Sealer]) -> Iterator[None]:
    """Within the block, ``sealer_for`` takes these sealers first (from ``sealers_for`` or
    ``preload``), with no query. For a batch inside one transaction, where the cache is
    filled only on commit: the caller's transaction is the one the keys belong to."""
    previous = getattr(_scope, "sealers", None)
    _scope.sealers = {**(previous or {}), **sealers}
    try:
        yield
    finally:
        _scope.sealers = previous


def preload(subject_ids: Iterable[int]) -> dict[int, Sealer]:
    """Open many subjects' keys with one query (a list page about to show their names).

    Subjects with no key, a shredded key or a lost secret are left out: their sealed
    values read as unreadable, one at a time, as they would without preloading."""
    sealers: dict[int, Sealer] = {}
    wanted = set()
    for subject_id in set(subject_ids):
        cached = _txn_get(subject_id) or _cached(subject_id)
        if cached is None:
            wanted.add(subject_id)
        else:
            sealers[subject_id] = cached
    if wanted:
        for row in DataKey.objects.filter(referral_id__in=wanted, shredded_at__isnull=True):
            try:
                sealers[row.referral_id] = _open(row)
            except DataUnavailable:
                continue
    return sealers


def sealer_for(subject: Subject, *, create: bool = False) -> Sealer:
    """The subject's sealer; with ``create``, make their data key on first use.

    Raises ``KeyShredded`` once the key was shredded (a shredded subject never gets a new
    key) and ``KeyMissing`` when there is none and ``create`` is false.
    """
    subject_id = _subject_id(subject)
    scoped: dict[int, Sealer] | None = getattr(_scope, "sealers", None)
    if scoped and subject_id in scoped:
        return scoped[subject_id]
    sealer = _txn_get(subject_id) or _cached(subject_id)
    if sealer is not None:
        return sealer
    row = DataKey.objects.filter(referral_id=subject_id).first()
    if row is not None:
        return _open(row)
    if not create:
        raise KeyMissing("No data key exists for this record.")
    return _create(subject_id)


def sealers_for(subject_ids: Iterable[int]) -> dict[int, Sealer]:
    """Sealers for many subjects at once, making missing keys in bulk (the demo).

    Two queries and one ``bulk_create`` however many subjects (none for keys already open
    in this transaction or cached); shredded subjects raise.
    """
    wanted = set(subject_ids)
    sealers: dict[int, Sealer] = {}
    for subject_id in list(wanted):
        known = _txn_get(subject_id) or _cached(subject_id)
        if known is not None:
            sealers[subject_id] = known
            wanted.discard(subject_id)
    if not wanted:
        return sealers
    existing = {row.referral_id: row for row in DataKey.objects.filter(referral_id__in=wanted)}
    for subject_id, row in existing.items():
        sealers[subject_id] = _open(row)
    made = {sid: _new_row(sid, sync=False) for sid in sorted(wanted - existing.keys())}
    if not made:
        return sealers
    # One flush for the whole batch rather than one per file.
    os.sync()
    with transaction.atomic():
        DataKey.objects.bulk_create(
            [row for row, _ in made.values()], batch_size=500, ignore_conflicts=True
        )
        stored = dict(
            DataKey.objects.filter(referral_id__in=made).values_list("referral_id", "store_id")
        )
    for subject_id, (row, sealer) in made.items():
        if stored.get(subject_id) == row.store_id:
            sealers[subject_id] = sealer
            _remember(subject_id, sealer, row.store_id)
        else:
            store_destroy(row.store_id)
            sealers[subject_id] = _open(DataKey.objects.get(referral_id=subject_id))
    return sealers


# The functions the call sites use -----------------------------------------------------------


def encrypt_for(
    subject: Subject, plaintext: bytes, *, aad: bytes = b"", row: bytes | None = None
) -> bytes:
    """Seal ``plaintext`` for ``subject``; ``aad`` names the field, e.g. b"note.text", and
    ``row`` the saved row that holds it (:func:`row_id`)."""
    return sealer_for(subject, create=True).encrypt(plaintext, aad=aad, row=row)


def decrypt_for(
    subject: Subject, blob: bytes, *, aad: bytes = b"", row: bytes | None = None
) -> bytes:
    """Open what ``encrypt_for`` sealed for the same subject, ``aad`` and ``row``.

    Raises ``KeyShredded`` after shredding, ``DecryptionFailed`` for tampered or misplaced
    ciphertext: both are ``DataUnavailable``, whose ``message`` a page may show.
    """
    return sealer_for(subject).decrypt(blob, aad=aad, row=row)


def _file_aad(folder: str) -> bytes:
    return b"file:" + folder.encode()


def store_encrypted_for(subject: Subject, folder: str, data: bytes) -> str:
    """Seal ``data`` into the default storage under a random name; return that name.

    The name carries nothing about the file's owner or original name.
    """
    blob = sealer_for(subject, create=True).encrypt(data, aad=_file_aad(folder))
    return default_storage.save(f"{folder}/{uuid.uuid4().hex}.enc", ContentFile(blob))


def read_encrypted_for(subject: Subject, name: str) -> bytes:
    """The plaintext of a file ``store_encrypted_for`` wrote for the same subject."""
    sealer = sealer_for(subject)
    folder = name.rpartition("/")[0]
    with default_storage.open(name, "rb") as handle:
        return sealer.decrypt(handle.read(), aad=_file_aad(folder))
