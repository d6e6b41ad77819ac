"""Model fields whose values are sealed under the data subject's own key (P14, P22).

A ``SealedCharField`` looks like a ``CharField`` to forms, templates and services: reading
the attribute gives the text, assigning it takes text. In the database it is a binary
column holding ``keys.crypto`` ciphertext bound to the subject (the referral), the field
(``<model label>.<field name>``) and the row (its primary key). So a dump of the database,
a volume snapshot or a backup holds nothing readable about a child once that child's key
is shredded, even for someone who also holds the master keys.

How it behaves, and why:

- **Reading** decrypts lazily, on first access to the attribute, and keeps the text on the
  instance. A list page loads its rows' keys in one query first (``crypto.preload``).
  Content that cannot be opened (an erased child, a lost key, tampered ciphertext) reads
  as :class:`Unreadable`, a string holding the safe message, rather than failing the
  whole page; saving an ``Unreadable`` back is refused.
- **Writing** encrypts in ``pre_save``, under ``row_id(instance)``. A new row has no
  primary key until it is inserted, so ``save()`` inserts it with empty sealed columns
  and fills them with one UPDATE in the same transaction (``post_save``). ``bulk_create``
  cannot do that on its own and is refused with a message; ``seal_bulk_create`` does it
  for a batch with one ``executemany``.
- **Querying** the text is refused: ``filter(last_name="Smith")`` raises
  :class:`SealedQueryError` instead of silently matching nothing, and ordering must be done
  on the decrypted values. Exact-match look-ups use a :class:`BlindIndexField` (an HMAC under
  ``settings.INDEX_KEY``, which is kept outside the database).
- **Empty** values are stored as empty (``b""`` or NULL): that a field is blank is not
  sealed.
"""

import base64
import datetime
import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core import checks
from django.db import connections, models, router, transaction
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_save, pre_save

# ``keys.crypto`` imports the referral model, whose fields are defined here: it is imported
# where it is used.

_ADDING = "_seip_seal_after_insert"
_RAW = "_seip_raw_save"
#: How ``dumpdata`` writes a sealed value: its ciphertext, never the text (a fixture is a
#: copy of the database, and must not carry what shredding erases).
SERIAL_PREFIX = "\x1fsealed:"


class SealedQueryError(TypeError):
    """A query compared or ordered by a sealed column's text, which the database cannot
    see. Use the field's blind index for exact matches, or filter in Python."""


class SealedWriteError(RuntimeError):
    """A sealed value could not be written (an unsaved row in ``bulk_create``, or an
    ``Unreadable`` placeholder saved back)."""


class Sealed(bytes):
    """Ciphertext as loaded from the database, not yet opened."""


class Unreadable(str):
    """What a sealed attribute reads as when its content cannot be opened: the message is
    safe to show. It is never written back."""

    __slots__ = ()


def subject_of(instance: models.Model, path: str) -> int:
    """Follow ``path`` (``"referral_id"``, ``"student.referral_id"``, ``"pk"``) to the id of
    the subject's referral. Related rows already loaded (select_related, or the parent a
    related manager came from) cost no query."""
    value: Any = instance
    for part in path.split("."):
        value = getattr(value, part)
    if value is None:
        raise SealedWriteError(f"{instance._meta.label}: no data subject at {path!r}")
    return int(value)


class _SealedDescriptor(DeferredAttribute):
    """Loads a deferred column as Django does, then opens its ciphertext once."""

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, owner)
        # A raw save (loaddata) writes the ciphertext it was given, unopened.
        if isinstance(value, Sealed) and not getattr(instance, _RAW, False):
            value = self.field.open(instance, value)  # type: ignore[attr-defined]
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class SealedMixin(models.Field[Any, Any]):
    """The sealing shared by the concrete sealed fields below."""

    #: ``pk`` on the referral itself; ``referral_id``, ``student.referral_id``... elsewhere.
    subject: str

    def __init__(self, *args: Any, subject: str, **kwargs: Any) -> None:
        self.subject = subject
        kwargs.setdefault("blank", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["subject"] = self.subject
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "BinaryField"

    def db_type(self, connection: Any) -> str | None:
        return str(connection.data_types["BinaryField"])

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if getattr(self, "db_index", False) or self.unique:
            errors.append(
                checks.Error("A sealed field cannot be indexed: index a BlindIndexField.", obj=self)
            )
        return errors

    descriptor_class = _SealedDescriptor

    def contribute_to_class(  # type: ignore[override]
        self, cls: type[models.Model], name: str, **kwargs: Any
    ) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        # Not for the historical models migrations render by the thousand: their rows are
        # written by seal_rows, and a receiver each would keep every one alive.
        if not cls._meta.abstract and cls.__module__ != "__fake__":
            uid = f"seip-seal:{cls.__module__}.{cls.__qualname__}"
            pre_save.connect(_before_save, sender=cls, weak=False, dispatch_uid=uid)
            post_save.connect(_after_save, sender=cls, weak=False, dispatch_uid=uid)

    # The associated data names the model and field; the row is added by the Sealer.
    @property
    def aad(self) -> bytes:
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def empty(self) -> Any:
        return None if self.null else ""

    def is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    def seal(self, instance: models.Model, value: Any) -> Sealed | Any:
        """The ciphertext for ``value`` in this field of the saved ``instance``."""
        if isinstance(value, Sealed) or self.is_empty(value):
            return value if isinstance(value, Sealed) else self.empty()
        if isinstance(value, Unreadable):
            raise SealedWriteError(
                f"{self.model._meta.label}.{self.name}: content that could not be read "
                "cannot be saved back."
            )
        from seip.keys import crypto

        subject_id = subject_of(instance, self.subject)
        blob = crypto.encrypt_for(
            subject_id, self.to_text(value).encode(), aad=self.aad, row=crypto.row_id(instance)
        )
        return Sealed(blob)

    def open(self, instance: models.Model, blob: Sealed) -> Any:
        from seip.keys import crypto

        try:
            subject_id = subject_of(instance, self.subject)
            text = crypto.decrypt_for(
                subject_id, bytes(blob), aad=self.aad, row=crypto.row_id(instance)
            ).decode()
        except crypto.DataUnavailable as error:
            return Unreadable(error.message)
        return self.from_text(text)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, Sealed) or self.is_empty(value):
            return value if isinstance(value, Sealed) else self.empty()
        if model_instance.pk is None:
            if getattr(model_instance, _ADDING, False):
                # Sealed by _after_save once the row has its key; b"" keeps NOT NULL happy.
                return None if self.null else b""
            raise SealedWriteError(
                f"{self.model._meta.label}: a new row with sealed fields is saved with "
                "save() or keys.fields.seal_bulk_create, not bulk_create."
            )
        return self.seal(model_instance, value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or len(value) == 0:
            return self.empty()
        return Sealed(bytes(value))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (bytes, memoryview)):
            return bytes(value)
        if value == "":
            return b""
        raise SealedQueryError(
            f"{self.model._meta.label}.{self.name} is sealed: the database cannot compare its "
            "text. Use its blind index, or filter the decrypted rows."
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = self.get_prep_value(value) if not prepared else value
        if value is None:
            return None
        return connection.Database.Binary(value)

    def value_to_string(self, obj: models.Model) -> str:
        value = obj.__dict__.get(self.attname)
        if self.is_empty(value):
            return ""
        sealed = value if isinstance(value, Sealed) else self.seal(obj, value)
        return SERIAL_PREFIX + base64.b64encode(sealed).decode()

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(SERIAL_PREFIX):
            return Sealed(base64.b64decode(value[len(SERIAL_PREFIX) :]))
        if isinstance(value, Sealed):
            return value
        return super().to_python(value)

    def get_default(self) -> Any:
        default = super().get_default()
        return "" if default == b"" else default


class SealedCharField(SealedMixin, models.CharField[Any, str]):
    """Short text (a name, a phone number) sealed under the subject's key."""

    def cast_db_type(self, connection: Any) -> str | None:
        return self.db_type(connection)

    def formfield(self, **kwargs: Any) -> Any:
        return models.CharField.formfield(self, **kwargs)


class SealedTextField(SealedMixin, models.TextField[Any, str]):
    """Free text about a child or family, sealed under the subject's key."""

    def formfield(self, **kwargs: Any) -> Any:
        return models.TextField.formfield(self, **kwargs)


class SealedEmailField(SealedCharField):
    default_validators = list(models.EmailField.default_validators)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": forms.EmailField, **kwargs})


class SealedDateField(SealedMixin, models.DateField[Any, datetime.date]):
    """A date (of birth) sealed under the subject's key, as ISO text."""

    def to_text(self, value: Any) -> str:
        day: datetime.date = datetime.date.fromisoformat(value) if isinstance(value, str) else value
        return day.isoformat()

    def from_text(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)

    def empty(self) -> Any:
        return None

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return SealedMixin.pre_save(self, model_instance, add)

    def get_prep_value(self, value: Any) -> Any:
        return SealedMixin.get_prep_value(self, value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return SealedMixin.get_db_prep_value(self, value, connection, prepared)

    def formfield(self, **kwargs: Any) -> Any:
        return models.DateField.formfield(self, **kwargs)


# Inserting: the row's key exists only after the INSERT ------------------------------------


def sealed_fields(model: type[models.Model]) -> list[SealedMixin]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SealedMixin)]


def _before_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        setattr(instance, _RAW, True)
    elif instance.pk is None:
        setattr(instance, _ADDING, True)


def _after_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        delattr(instance, _RAW)
        return
    if not getattr(instance, _ADDING, False):
        return
    delattr(instance, _ADDING)
    values = {
        field.attname: field.seal(instance, instance.__dict__.get(field.attname))
        for field in sealed_fields(sender)
        if not field.is_empty(instance.__dict__.get(field.attname))
    }
    if values:
        sender._base_manager.using(kwargs.get("using")).filter(pk=instance.pk).update(**values)


def seal_bulk_create(
    model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = 500
) -> list[models.Model]:
    """``bulk_create`` for rows with sealed fields: insert, then seal every row's columns
    under its new primary key with one ``executemany`` (the demo, imports)."""
    from seip.keys import crypto

    fields = sealed_fields(model)
    for obj in objs:
        setattr(obj, _ADDING, True)
    using = router.db_for_write(model)
    # No savepoint of its own: a failure here fails the caller's transaction as a plain
    # bulk_create would, and an import writes thousands of these.
    with transaction.atomic(using=using, savepoint=False):
        created = model._default_manager.using(using).bulk_create(objs, batch_size=batch_size)
        subjects = {subject_of(obj, field.subject) for obj in created for field in fields[:1]}
        sealers = crypto.sealers_for(subjects)
        connection = connections[using]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
        # Only quoted names from the model's own metadata; every value is a parameter.
        sql = (
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608
            f"WHERE {quote(str(model._meta.pk.column))} = %s"
        )
        rows = []
        with crypto.using_sealers(sealers):
            for obj in created:
                delattr(obj, _ADDING)
                if obj.pk is None:
                    raise SealedWriteError("this database did not return the new rows' keys")
                values = [
                    field.get_db_prep_value(
                        field.seal(obj, obj.__dict__.get(field.attname)), connection
                    )
                    for field in fields
                ]
                rows.append([*values, obj.pk])
        if rows and fields:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
    return list(created)


# Blind indexes: exact-match look-ups without the text -------------------------------------


def normalise_text(value: str) -> str:
    """Case, accents and spacing folded: "  Zoë  O'Neill" and "zoe o'neill" match."""
    decomposed = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(folded.split())


def blind_index(purpose: str, *parts: object) -> str:
    """HMAC-SHA256 under ``settings.INDEX_KEY`` of the normalised ``parts``, as 32 hex
    characters. ``purpose`` separates indexes, so a UPN's index never equals a name's."""
    message = "\x1f".join(
        [purpose]
        + [p.isoformat() if isinstance(p, datetime.date) else normalise_text(str(p)) for p in parts]
    )
    return hmac.new(settings.INDEX_KEY, message.encode(), hashlib.sha256).hexdigest()[:32]


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """An exact-match index over sealed fields, kept up to date on every save.

    ``sources`` are attribute names on the instance; the index is empty when any source
    is. Look up with ``Model.objects.filter(<name>=blind_index(purpose, *values))``.
    """

    def __init__(self, *args: Any, purpose: str, sources: Iterable[str], **kwargs: Any) -> None:
        self.purpose = purpose
        self.sources = tuple(sources)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        kwargs["sources"] = list(self.sources)
        for key, default in (("max_length", 32), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        if kwargs.get("db_index") is True:
            kwargs.pop("db_index")
        else:
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def compute(self, instance: models.Model) -> str:
        values = [getattr(instance, source) for source in self.sources]
        if any(v is None or v == "" or isinstance(v, Unreadable) for v in values):
            return ""
        return blind_index(self.purpose, *values)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = model_instance.__dict__.get(self.attname, "")
        sources = [model_instance.__dict__.get(s) for s in self.sources]
        # Untouched ciphertext keeps its index: no need to decrypt to re-index it.
        if all(isinstance(s, Sealed) for s in sources) and value:
            return str(value)
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def indexed(purpose: str, *values: object) -> str:
    """The blind index to look up, e.g. ``Student.objects.filter(upn_index=indexed("upn",
    upn))``. Same as :func:`blind_index`; the name reads better at a call site."""
    return blind_index(purpose, *values)


def open_all(rows: Iterable[models.Model], referral_ids: Iterable[int]) -> None:
    """Decrypt every sealed field of ``rows`` now, with the keys of ``referral_ids`` loaded
    in one query (none when cached), so a page reads plain text with no query per value.
    Each row must reach its child's referral without a query (a related manager, or
    ``select_related``). The keys are loaded even when there is no row, so that a page
    takes the same number of queries whatever the history."""
    from seip.keys import crypto

    with crypto.using_sealers(crypto.preload(referral_ids)):
        for row in rows:
            for sealed in sealed_fields(type(row)):
                getattr(row, sealed.attname)


def by_name(rows: Iterable[Any]) -> list[Any]:
    """Students (or anything with ``last_name`` and ``first_name``) in name order, after
    decrypting: the database can only order ciphertext. Preloads the rows' keys."""
    from seip.keys import crypto

    rows = list(rows)
    crypto.preload(int(getattr(r, "referral_id", None) or r.pk) for r in rows)
    return sorted(rows, key=lambda r: (normalise_text(r.last_name), normalise_text(r.first_name)))
