"""Moving plain columns under the subject's key, in place, and counting what is left (P14).

A plain column becomes a sealed one in three migrations, so that a large table can be
converted in batches and an interrupted ``migrate`` carries on where it stopped:

1. ``add_sealed_columns``: a binary ``<field>_sealed`` column beside each plain one (and
   any blind index column).
2. ``seal_rows`` in a migration with ``atomic = False``: each batch of rows is encrypted
   and committed on its own. A row is done once its sealed column is filled, so running
   ``migrate`` again after a failure skips the finished rows.
3. ``swap_to_sealed``: the plain column is dropped and the sealed one takes its name and
   its field class (``keys.fields``).

``seip keys status`` counts the rows that still hold plain text (``plain_rows``), during a
migration as after it. Dropping a column does not wipe the pages it used; see
``docs/operations.md`` ("Erasure in every copy") for the ``VACUUM`` that follows.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.db import connection as default_connection
from django.db import migrations, models, transaction

from seip.keys.fields import SealedMixin, blind_index

SUFFIX = "_sealed"
BATCH = 500

type Index = tuple[str, str, tuple[str, ...]]  # index field, purpose, source fields


def add_sealed_columns(
    model_name: str,
    fields: Sequence[str],
    *,
    nullable: Sequence[str] = (),
    indexes: Sequence[Index] = (),
) -> list[migrations.operations.base.Operation]:
    """Step 1: an empty binary column beside each plain one, and the blind indexes."""
    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name,
            name + SUFFIX,
            models.BinaryField(blank=True, null=True)
            if name in nullable
            else models.BinaryField(blank=True, default=b""),
        )
        for name in fields
    ]
    operations += [
        migrations.AddField(
            model_name, index, models.CharField(max_length=32, blank=True, default="")
        )
        for index, _, _ in indexes
    ]
    return operations


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


#: (subject's referral id or None, text, field's associated data, row) -> ciphertext.
type Sealing = Callable[[int | None, str, bytes, bytes], bytes]


def _seal_for_subject(subject_id: int | None, text: str, aad: bytes, row: bytes) -> bytes:
    from seip.keys import crypto

    if subject_id is None:
        raise ValueError("a row to seal under its subject's key has no subject")
    return crypto.encrypt_for(subject_id, text.encode(), aad=aad, row=row)


def seal_rows(
    app_label: str,
    model_name: str,
    *,
    subject: str,
    fields: Sequence[str],
    indexes: Sequence[Index] = (),
    batch: int | None = None,
    seal: Sealing | None = None,
) -> migrations.RunPython:
    """Step 2: encrypt every plain value into its sealed column, one committed batch at a
    time. ``subject`` is the lookup to the referral id (``pk``, ``student__referral_id``).
    A row of a child whose key was shredded is erased already: its sealed column is left
    empty, and the plain one goes with step 3. ``seal`` replaces the per-subject
    encryption (``rights.fields`` seals rows with no subject under the service key)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        from seip.keys import crypto

        model = apps.get_model(app_label, model_name)
        alias = schema_editor.connection.alias
        manager = model._base_manager.db_manager(alias)
        label = f"{app_label}.{model_name}".lower()
        sealed_names = [name + SUFFIX for name in fields]
        size = batch or BATCH  # read when it runs, so a test can make batches small
        last: Any = 0
        while True:
            with transaction.atomic(using=alias):
                page = list(
                    manager.filter(pk__gt=last)
                    .order_by("pk")
                    .values_list("pk", subject, *fields, *sealed_names)[:size]
                )
                if not page:
                    return
                last = page[-1][0]
                for pk, subject_id, *values in page:
                    plain = dict(zip(fields, values[: len(fields)], strict=True))
                    sealed = dict(zip(fields, values[len(fields) :], strict=True))
                    todo = {
                        name: value
                        for name, value in plain.items()
                        if value not in (None, "") and not sealed[name]
                    }
                    if not todo:
                        continue
                    update: dict[str, Any] = {}
                    row = f"{label}:{pk}".encode()
                    try:
                        for name, value in todo.items():
                            aad = f"{label}.{name}".encode()
                            update[name + SUFFIX] = (seal or _seal_for_subject)(
                                subject_id, _text(value), aad, row
                            )
                    except crypto.KeyShredded:
                        continue
                    for index, purpose, sources in indexes:
                        parts = [plain.get(s) for s in sources]
                        if all(p not in (None, "") for p in parts):
                            update[index] = blind_index(purpose, *parts)
                    manager.filter(pk=pk).update(**update)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)


def swap_to_sealed(
    model_name: str,
    fields: dict[str, models.Field],  # type: ignore[type-arg]
) -> list[migrations.operations.base.Operation]:
    """Step 3: drop each plain column; its sealed column takes the name and field."""
    operations: list[migrations.operations.base.Operation] = []
    for name, field in fields.items():
        operations += [
            migrations.RemoveField(model_name, name),
            migrations.RenameField(model_name, name + SUFFIX, name),
            migrations.AlterField(model_name, name, field),
        ]
    return operations


# Progress -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlainColumn:
    label: str
    field: str
    rows: int


def _is_plain(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (bytes, memoryview)):
        blob = bytes(value)
        # v1, v2: per-subject (keys.crypto); s1: the service key (rights.fields).
        return bool(blob) and bytes(blob[:2]) not in (b"v1", b"v2", b"s1")
    return bool(value != "")


def plain_rows(using: Any = None) -> list[PlainColumn]:
    """For every sealed field, how many rows still hold its value in plain text: before
    its migration (the column is plain), during it (the sealed column is still empty), or
    after it (never, unless a row was written around the field)."""
    conn = using or default_connection
    introspection = conn.introspection
    tables = set(introspection.table_names())
    found = []
    quote = conn.ops.quote_name
    for model in global_apps.get_models():
        sealed = [f for f in model._meta.concrete_fields if isinstance(f, SealedMixin)]
        table = model._meta.db_table
        if not sealed or table not in tables:
            continue
        with conn.cursor() as cursor:
            columns = {c.name for c in introspection.get_table_description(cursor, table)}
        for field in sealed:
            column = str(field.column)
            if column not in columns:
                continue
            selected = [quote(column)]
            if column + SUFFIX in columns:
                selected.append(quote(column + SUFFIX))
            count = 0
            with conn.cursor() as cursor:
                # Quoted names from the models' metadata and the introspected table.
                cursor.execute(f"SELECT {', '.join(selected)} FROM {quote(table)}")  # noqa: S608
                while rows := cursor.fetchmany(2000):
                    for row in rows:
                        if _is_plain(row[0]) and (len(row) == 1 or not row[1]):
                            count += 1
            found.append(PlainColumn(model._meta.label_lower, field.name, count))
    return found


def remaining(columns: Sequence[PlainColumn]) -> int:
    return sum(c.rows for c in columns)
