"""A copy of the database taken before an erasure reveals nothing of the erased child (P22).

The attacker holds a dump made by someone else's tooling before the erasure (a copy of the
SQLite file, or ``pg_dump``), and the master keys, which stay in use for everyone else.
They do not hold the shredded key-store secret, which no longer exists anywhere. Every
sealed field of every row about the child is given a distinctive sentence first, so the
test covers each field that is sealed now and any sealed later.
"""

import datetime as dt
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from seip.keys import crypto
from seip.keys.fields import SealedDateField, SealedEmailField, SealedMixin, sealed_fields
from seip.keys.models import DataKey
from seip.retention.models import ErasureGround
from seip.retention.services import student_erase
from seip.retention.tests.conftest import ERASED, identifiers

pytestmark = [pytest.mark.promise("P22"), pytest.mark.promise("P14")]


def _lookup(field: SealedMixin) -> str:
    """``student.referral_id`` -> ``student__referral_id``: the field's subject as a query."""
    return field.subject.replace(".", "__")


def _sentences(referral_id: int) -> dict[str, str]:
    """Write a distinctive value into every sealed field of every row about the subject;
    return them by ``label.field``. Fails if a sealed model has no row here, so a model
    sealed later is not silently left out of this test."""
    written: dict[str, str] = {}
    for model in apps.get_models():
        fields = [f for f in sealed_fields(model) if not isinstance(f, SealedDateField)]
        if not fields:
            continue
        rows = list(model._base_manager.filter(**{_lookup(fields[0]): referral_id}))
        label = model._meta.label_lower
        for row in rows:
            for field in fields:
                if isinstance(field, SealedEmailField):
                    value = f"quill{row.pk}{field.name}@feather.example"
                else:
                    value = f"Qx{row.pk} {label} {field.name} about the erased child"
                    value = value[: field.max_length or len(value)]
                setattr(row, field.name, value)
                written[f"{label}.{field.name}:{row.pk}"] = value
            row.save()
    return written


def _needles(student) -> list[str]:
    return [*identifiers(student), ERASED.carer, "07700 900123"]


def _sqlite_copy(target: Path) -> bytes:
    """Every page of the database, as a file-level backup would copy it."""
    destination = sqlite3.connect(target)
    connection.ensure_connection()
    connection.connection.backup(destination)
    destination.close()
    return target.read_bytes()


def _pg_dump() -> bytes:
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--no-owner", "-h", settings["HOST"] or "127.0.0.1"]
    command += ["-p", str(settings["PORT"] or 5432), "-U", settings["USER"] or "postgres"]
    command.append(settings["NAME"])
    return subprocess.run(command, capture_output=True, check=True, env=env, timeout=600).stdout


def _dump(tmp_path: Path) -> bytes:
    if connection.vendor == "sqlite":
        tmp_path.mkdir(exist_ok=True)
        return _sqlite_copy(tmp_path / "copy.sqlite3")
    return _pg_dump()


@pytest.mark.django_db(transaction=True)
def test_an_old_dump_holds_nothing_readable_about_an_erased_child(
    seeded_codes, erased, kept, personas, tmp_path, django_capture_on_commit_callbacks
):
    erased.refresh_from_db()
    sentences = _sentences(erased.referral_id)
    assert len({key.split(":")[0] for key in sentences}) >= 8  # the check covers many fields
    needles = _needles(erased) + list(sentences.values())
    key_row = DataKey.objects.get(referral_id=erased.referral_id)

    dump = _dump(tmp_path)
    # Read through the models, everything is there (so the searches below can fail).
    assert erased.last_name == ERASED.last_name
    assert dt.date.fromisoformat(identifiers(erased)[3]) == ERASED.dob
    for needle in needles:
        assert needle.encode() not in dump, needle

    with django_capture_on_commit_callbacks(execute=True):
        student_erase(
            student_or_referral=erased,
            ground=ErasureGround.OBJECTION_UPHELD,
            actor=personas["dpo"],
        )

    # The old dump still has the wrapped key, and the attacker has the master key; the
    # key-store secret that derived the key-encryption key is gone, so nothing unwraps.
    assert crypto.store_read(key_row.store_id) is None
    for guess in (bytes(32), os.urandom(32)):
        with pytest.raises(crypto.KeyMissing):
            crypto.unwrap_key(key_row, guess)
    # The old dump again, and a new one: no name, UPN, date of birth, phone or sentence.
    for copy in (dump, _dump(tmp_path / "after")):
        found = [needle for needle in needles if needle.encode() in copy]
        assert not found
    # The other child in the same copy still reads as before.
    assert identifiers(type(kept).objects.get(pk=kept.pk)) == identifiers(kept)
