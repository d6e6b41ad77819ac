"""The tamper-evident audit trail (P14): a hash chain, signed checkpoints and a verifier."""

import itertools
import json
import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from seip.audit import chain, keys
from seip.audit.models import AppendOnlyError, AuditCheckpoint, AuditEvent, ChainHead
from seip.audit.services import audit_record, checkpoint_create
from seip.organisations.services import local_authority_create, partnership_create

pytestmark = pytest.mark.promise("P14")


@pytest.fixture(autouse=True)
def _key_in_tmp(settings, tmp_path, monkeypatch):
    # The local signing key is made in the data folder: keep it out of the repository's var/.
    settings.DATA_DIR = tmp_path
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY_FILE", raising=False)


def record(n, start=0):
    for i in range(start, start + n):
        with transaction.atomic():
            audit_record(actor=None, action=f"test.{i}", detail={"i": i})


def verify(*args):
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def broken(match, *args):
    with pytest.raises(CommandError, match=match) as caught:
        verify(*args)
    assert caught.value.returncode == 1


def test_events_from_several_services_form_one_chain(db, personas):
    authority = local_authority_create(name="Chain County", la_code="998", actor=personas["admin"])
    partnership_create(
        local_authority=authority,
        name="Chain SEIP",
        slug="chain",
        address="1 Road",
        phone="1",
        email="a@b.example",
        coordinator_name="C",
        coordinator_email="c@b.example",
        coordinator_phone="2",
        dpo_name="D",
        dpo_email="d@b.example",
        actor=personas["admin"],
    )
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) >= 2
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == chain.GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    assert verify() == f"{len(events)} events verified, 0 checkpoints, 0 witnessed\n"


def test_the_hash_is_the_documented_canonical_json(db):
    with transaction.atomic():
        event = audit_record(actor=None, action="x", detail={"b": [1, "é"], "a": None})
    event.refresh_from_db()
    payload = {
        "seq": event.seq,
        "at": chain.at_iso(event.at),
        "actor": None,
        "action": "x",
        "object_type": "",
        "object_id": "",
        "detail": {"a": None, "b": [1, "é"]},
        "prev_hash": chain.GENESIS,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    import hashlib

    assert event.hash == hashlib.sha256(text.encode()).hexdigest()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(
    action=st.text(),
    object_id=st.text(),
    actor=st.none() | st.integers(min_value=1),
    detail=st.dictionaries(st.text(), _json, max_size=4),
)
def test_the_fast_canonical_form_matches_json_dumps(action, object_id, actor, detail):
    fields = {
        "seq": 7,
        "at": "2026-11-29T23:00:00.000001+00:00",
        "actor": actor,
        "action": action,
        "object_type": "x.y",
        "object_id": object_id,
        "detail": detail,
        "prev_hash": chain.GENESIS,
    }
    expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert chain.canonical(**fields) == expected.encode()


def test_events_refuse_to_change_or_go(db):
    record(1)
    event = AuditEvent.objects.get()
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "test.0"


def test_an_edited_event_is_named(db):
    record(5)
    sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test.innocent", 3])
    broken(r"position 3: EDITED")


def test_an_edited_hash_is_named(db):
    record(5)
    sql("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", ["f" * 64, 4])
    broken(r"position 4: EDITED")


def test_a_deleted_event_is_named(db):
    record(5)
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    broken(r"position 3: DELETED")


def test_deleting_the_last_event_is_named(db):
    record(5)
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [5])
    broken(r"position 5: DELETED")


def _insert(seq, prev_hash, hash_):
    at = connection.ops.adapt_datetimefield_value(AuditEvent.objects.get(seq=1).at)
    sql(
        "INSERT INTO audit_auditevent (seq, at, action, object_type, object_id, detail, "
        "prev_hash, hash) VALUES (%s, %s, %s, '', '', %s, %s, %s)",
        [seq, at, "test.forged", "{}", prev_hash, hash_],
    )


def test_an_event_inserted_in_the_middle_is_named(db):
    record(5)
    # Make room at position 3 (in two steps, so the unique seq never collides) and put a
    # well-formed event there that links correctly to position 2.
    sql("UPDATE audit_auditevent SET seq = seq + 1000 WHERE seq >= 3")
    sql("UPDATE audit_auditevent SET seq = seq - 999 WHERE seq >= 1003")
    second = AuditEvent.objects.get(seq=2)
    first_at = AuditEvent.objects.get(seq=1).at
    forged = chain.event_hash(
        seq=3,
        at=chain.at_iso(first_at),
        actor=None,
        action="test.forged",
        object_type="",
        object_id="",
        detail={},
        prev_hash=second.hash,
    )
    _insert(3, second.hash, forged)
    broken(r"position 4: INSERTED \(prev_hash does not match the event at position 3\)")


def test_an_event_appended_behind_the_chains_back_is_named(db):
    record(3)
    _insert(4, "0" * 64, "1" * 64)
    broken(r"position 4: INSERTED")


def test_a_checkpoint_is_signed_and_counted(db):
    record(3)
    checkpoint = checkpoint_create(actor=None)
    assert checkpoint.seq == 4  # its own audit event is covered
    assert AuditEvent.objects.get(seq=4).action == "audit.checkpoint"
    assert verify() == "4 events verified, 1 checkpoints, 0 witnessed\n"
    key_file = keys.LOCAL_FILE
    from django.conf import settings

    mode = os.stat(settings.DATA_DIR / key_file).st_mode
    assert stat.S_IMODE(mode) == 0o600
    with pytest.raises(AppendOnlyError):
        checkpoint.save()


def test_a_forged_checkpoint_signature_fails(db):
    record(3)
    checkpoint = checkpoint_create(actor=None)
    import base64

    other = base64.b64encode(keys.signing_key().sign(b"something else")).decode()
    sql("UPDATE audit_auditcheckpoint SET signature = %s WHERE id = %s", [other, checkpoint.pk])
    broken(r"checkpoint at position 4: its signature does not verify \(FORGED\)")


def test_a_checkpoint_signed_by_another_key_fails(db, monkeypatch):
    record(1)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    monkeypatch.setenv("SEIP_AUDIT_SIGNING_KEY", pem.decode())
    checkpoint_create(actor=None)
    assert verify() == "2 events verified, 1 checkpoints, 0 witnessed\n"
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY")
    broken(r"signed by a key this installation does not hold")


def test_history_cut_below_a_checkpoint_is_named(db):
    record(3)
    checkpoint_create(actor=None)
    sql("DELETE FROM audit_auditevent WHERE seq = 4")
    sql(
        "UPDATE audit_chainhead SET seq = 3, "
        "hash = (SELECT hash FROM audit_auditevent WHERE seq = 3)"
    )
    broken(r"position 4: DELETED \(a signed checkpoint covers position 4")


def test_production_refuses_to_sign_without_a_key(db, settings):
    settings.PRODUCTION = True
    record(1)
    with pytest.raises(ImproperlyConfigured, match="SEIP_AUDIT_SIGNING_KEY"):
        checkpoint_create(actor=None)
    assert not AuditCheckpoint.objects.exists()


def test_a_signing_key_can_be_given_as_a_file(tmp_path, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    path = tmp_path / "key"
    path.write_text("not a key")
    monkeypatch.setenv("SEIP_AUDIT_SIGNING_KEY_FILE", str(path))
    with pytest.raises(ImproperlyConfigured, match="neither PEM nor base64"):
        keys.signing_key()
    import base64

    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    path.write_text(base64.b64encode(raw).decode())
    assert keys.key_id(keys.signing_key().public_key()) == keys.key_id(key.public_key())


def _rewrite_history_from(seq):
    """What an attacker with database access and patience would do: edit an event and
    recompute every hash after it, the head too, and remove the stored checkpoints."""
    sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test.rewritten", seq])
    rows = list(AuditEvent.objects.order_by("seq").values_list(*chain.ROW_FIELDS))
    prev = chain.GENESIS
    for row_seq, at, actor, action, object_type, object_id, detail, _, _ in rows:
        new = chain.event_hash(
            seq=row_seq,
            at=chain.at_iso(at),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            prev_hash=prev,
        )
        sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev, new, row_seq],
        )
        prev = new
    sql("UPDATE audit_chainhead SET seq = %s, hash = %s", [rows[-1][0], prev])
    sql("DELETE FROM audit_auditcheckpoint")


def test_an_exported_checkpoint_catches_a_rewritten_history(db, tmp_path):
    record(5)
    export = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", "--export", str(export), stdout=open(os.devnull, "w"))  # noqa: SIM115
    data = json.loads(export.read_text())
    assert set(data) == {"seq", "hash", "at", "signature", "public_key", "key_id", "every"}
    assert data["seq"] == 6
    record(2, start=10)
    assert verify("--against", str(export)) == "8 events verified, 2 checkpoints, 0 witnessed\n"

    _rewrite_history_from(2)
    assert verify() == "8 events verified, 0 checkpoints, 0 witnessed\n"  # self-consistent, but...
    broken(r"position 6: EDITED \(the history up to here differs", "--against", str(export))


def test_a_tampered_export_is_refused(db, tmp_path):
    record(2)
    export = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", "--export", str(export), stdout=open(os.devnull, "w"))  # noqa: SIM115
    data = json.loads(export.read_text())
    data["hash"] = "0" * 64
    export.write_text(json.dumps(data))
    broken(r"exported checkpoint: its signature does not verify", "--against", str(export))


def test_an_empty_trail_verifies(db):
    assert verify() == "0 events verified, 0 checkpoints, 0 witnessed\n"


def test_events_appended_during_verification_are_not_tampering(db, monkeypatch):
    from seip.audit import selectors

    record(3)
    rows = selectors._rows
    calls = []

    def rows_then_append(after=-1):
        yield from rows(after)
        if not calls:
            calls.append(after)
            record(2, start=3)  # committed by live writers while the walk finished

    monkeypatch.setattr(selectors, "_rows", rows_then_append)
    assert verify() == "5 events verified, 0 checkpoints, 0 witnessed\n"


@pytest.mark.promise("P14")
def test_checkpoints_are_written_periodically_without_being_asked(db, settings):
    settings.AUDIT_CHECKPOINT_EVERY = 5
    with transaction.atomic():
        for _ in range(12):
            audit_record(actor=None, action="test.event")
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [5, 10]
    # On demand as well; a demand that lands on a periodic one returns it, once.
    settings.AUDIT_CHECKPOINT_EVERY = 13
    checkpoint = checkpoint_create(actor=None)
    assert checkpoint.seq == 13
    assert AuditCheckpoint.objects.filter(seq=13).count() == 1
    call_command("audit", "verify")
