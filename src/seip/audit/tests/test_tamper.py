"""An attacker who can write to the database, or who owns the application host, rewrites
the audit trail; verification says where (P14, ADR 0025).

Every attack here writes raw SQL, as someone with a database connection would, bypassing
the append-only models. Checkpoints fall every ``EVERY`` events and each one is appended
to the witness once its transaction commits (``execute=True`` runs those callbacks).
"""

import base64
import json
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from seip.audit import chain, keys
from seip.audit.models import AuditCheckpoint, AuditEvent, ChainHead
from seip.audit.selectors import first_missing_checkpoint, verify
from seip.audit.services import _sign, audit_record, checkpoint_message
from seip.audit.witness import witness_path

pytestmark = pytest.mark.promise("P14")

EVERY = 5


@pytest.fixture(autouse=True)
def _checkpoints_every_five(settings, monkeypatch):
    settings.AUDIT_CHECKPOINT_EVERY = EVERY
    settings.AUDIT_WITNESS = ""
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY_FILE", raising=False)


@pytest.fixture
def trail(db, django_capture_on_commit_callbacks):
    """Write ``n`` more events, each in its own transaction, witnessing every checkpoint."""

    def write(n: int) -> None:
        start = AuditEvent.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(start, start + n):
                with transaction.atomic():
                    audit_record(actor=None, action=f"test.{i}", detail={"i": i})

    return write


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def checkpoints():
    return list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True))


def witness_lines():
    path = witness_path()
    return [json.loads(line) for line in path.read_text().splitlines()]


def rehash_from(seq):
    """Recompute every hash from ``seq`` on and move the head to the end: the chain is
    self-consistent again."""
    rows = list(AuditEvent.objects.order_by("seq").values_list(*chain.ROW_FIELDS))
    prev = chain.GENESIS
    for row_seq, at, actor, action, object_type, object_id, detail, _, stored in rows:
        if row_seq < seq:
            prev = stored
            continue
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
    sql("UPDATE audit_chainhead SET seq = %s, hash = %s", [rows[-1][0] if rows else 0, prev])


def cut(first, last):
    """Remove events first..last and close the gap, as if they had never been."""
    sql("DELETE FROM audit_auditevent WHERE seq BETWEEN %s AND %s", [first, last])
    # In two steps, so the unique seq never collides on either engine.
    sql("UPDATE audit_auditevent SET seq = seq + 100000 WHERE seq > %s", [last])
    sql(
        "UPDATE audit_auditevent SET seq = seq - %s WHERE seq > 100000",
        [100000 + last - first + 1],
    )
    rehash_from(first)


def problems(**options):
    result = verify(**options)
    assert not result.ok
    return result.problems


def witness_has_no_db_copy(seq):
    return (
        f"position {seq}: DELETED (the witness holds a checkpoint here and the database does not)"
    )


def command_fails(match):
    with pytest.raises(CommandError, match=match) as caught:
        call_command("audit", "verify", stdout=StringIO(), stderr=StringIO())
    assert caught.value.returncode == 1


def test_the_trail_as_written_verifies_against_its_witness(trail):
    trail(23)
    assert checkpoints() == [5, 10, 15, 20]
    assert [line["seq"] for line in witness_lines()] == [5, 10, 15, 20]
    assert {line["every"] for line in witness_lines()} == {EVERY}
    result = verify()
    assert result.ok, result.problems
    assert (result.events, result.checkpoints, result.witnessed) == (23, 4, 4)
    out = StringIO()
    call_command("audit", "verify", stdout=out, stderr=StringIO())
    assert out.getvalue() == "23 events verified, 4 checkpoints, 4 witnessed\n"


def test_checkpoints_signed_while_verify_runs_are_not_missing(trail, monkeypatch):
    from seip.audit import selectors

    trail(3)
    rows = selectors._rows
    calls = []

    def rows_then_append(after=-1):
        yield from rows(after)
        if not calls:
            calls.append(after)
            trail(4)  # live writers cross position 5, which is signed and witnessed

    monkeypatch.setattr(selectors, "_rows", rows_then_append)
    result = verify()
    assert result.ok, result.problems
    assert (result.events, result.checkpoints) == (7, 1)


def test_removing_events_rehashing_and_deleting_every_checkpoint_is_named(trail):
    trail(23)
    sql("DELETE FROM audit_auditcheckpoint")
    cut(8, 9)
    assert AuditEvent.objects.count() == 21
    # The database alone: a checkpoint was due at 5, 10, 15 and 20, and none is there.
    assert problems(use_witness=False) == [
        "position 5: DELETED (a checkpoint was due here and the database has none: "
        "checkpoints were removed)"
    ]
    # With the witness: every checkpoint it holds is missing, and the history differs
    # from the first one the cut reaches.
    found = problems()
    for seq in (5, 10, 15, 20):
        assert witness_has_no_db_copy(seq) in found
    assert "position 10: EDITED (the history up to here differs from a signed checkpoint)" in (
        found
    )
    command_fails(r"position 5: DELETED \(the witness holds a checkpoint here")


def test_a_cut_after_the_last_checkpoint_kept_is_named_where_the_next_was_due(trail):
    trail(23)
    sql("DELETE FROM audit_auditcheckpoint WHERE seq = 20")
    cut(17, 18)  # 21 events: 1..15 and their checkpoints untouched
    assert problems(use_witness=False) == [
        "position 20: DELETED (a checkpoint was due here and the database has none: "
        "checkpoints were removed)"
    ]
    assert witness_has_no_db_copy(20) in problems()


def test_truncating_before_the_witnesss_last_checkpoint_is_named_at_once(trail):
    trail(23)
    sql("DELETE FROM audit_auditcheckpoint WHERE seq > 12")
    sql("DELETE FROM audit_auditevent WHERE seq > 12")
    rehash_from(13)  # only moves the head: nothing after 12 is left
    # The database alone cannot tell: 12 events, checkpoints at 5 and 10, none due yet.
    assert verify(use_witness=False).ok
    found = problems()
    assert found[-1] == (
        "position 13: DELETED (the witness holds position 20, but the chain ends at 12)"
    )
    assert witness_has_no_db_copy(15) in found
    command_fails(r"position 13: DELETED \(the witness holds position 20")


def test_the_unsigned_tail_is_open_until_the_next_checkpoint_then_closed(trail):
    """What a database writer can do after the last checkpoint, precisely."""
    trail(23)  # last checkpoint at 20
    # Editing an event without recomputing the hashes is seen at once.
    sql("UPDATE audit_auditevent SET action = 'test.forged' WHERE seq = 22")
    assert problems() == ["position 22: EDITED (its content does not match its hash)"]
    # Re-hashed and with the head moved, an edit or a cut of 21..23 is not detected:
    # nothing signed covers those positions yet. This is the window the docs state.
    rehash_from(22)
    sql("DELETE FROM audit_auditevent WHERE seq = 23")
    rehash_from(23)
    assert verify().ok
    # The next checkpoint (25) signs whatever the tail then holds, so the rewrite above
    # stays undetected; a rewrite of 21..25 made after it was signed is caught.
    trail(3)
    assert checkpoints()[-1] == 25
    assert verify().ok
    sql("UPDATE audit_auditevent SET action = 'test.forged' WHERE seq = 24")
    sql("DELETE FROM audit_auditcheckpoint WHERE seq = 25")
    rehash_from(24)
    assert problems(use_witness=False) == [
        "position 25: DELETED (a checkpoint was due here and the database has none: "
        "checkpoints were removed)"
    ]
    assert "position 25: EDITED (the history up to here differs from a signed checkpoint)" in (
        problems()
    )


def test_a_host_owner_who_signs_a_new_history_is_caught_by_the_witness(
    trail, django_capture_on_commit_callbacks
):
    """With the signing key (the web process holds it), new checkpoints verify; the
    witness already holds the old ones and cannot be rewritten."""
    trail(12)
    sql("UPDATE audit_auditevent SET action = 'test.rewritten' WHERE seq = 3")
    sql("DELETE FROM audit_auditcheckpoint")
    rehash_from(3)
    # Re-sign 5 through the application's own code (which appends to the witness) and
    # 10 by writing the checkpoint directly (which does not).
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _sign(ChainHead(seq=5, hash=AuditEvent.objects.get(seq=5).hash))
    with transaction.atomic():
        _sign(ChainHead(seq=10, hash=AuditEvent.objects.get(seq=10).hash))
    assert checkpoints() == [5, 10]
    assert verify(use_witness=False).ok  # the database alone is consistent again
    found = problems()
    assert (
        "position 5: EDITED (the witness holds two different signed checkpoints for it: "
        "the history was signed again)"
    ) in found
    assert "position 10: EDITED (the stored checkpoint differs from the witness)" in found


def test_the_command_reads_another_witness_or_none(trail, tmp_path):
    trail(12)
    kept = tmp_path / "kept.jsonl"
    kept.write_text(witness_path().read_text())
    sql("DELETE FROM audit_auditcheckpoint WHERE seq = 10")
    sql("DELETE FROM audit_auditevent WHERE seq > 9")
    rehash_from(10)
    witness_path().unlink()  # whoever owns the host removed the local witness...
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    assert out.getvalue() == "9 events verified, 1 checkpoints, 0 witnessed\n"
    assert "does not exist yet" in err.getvalue()
    # ...but the DPO kept a copy.
    with pytest.raises(CommandError, match=r"position 10: DELETED \(the witness holds"):
        call_command("audit", "verify", "--witness", str(kept), stdout=out, stderr=err)
    with pytest.raises(CommandError, match=r"the witness .*missing.jsonl is not a file"):
        call_command("audit", "verify", "--witness", str(tmp_path / "missing.jsonl"), stdout=out)
    call_command("audit", "verify", "--no-witness", stdout=out, stderr=err)
    assert "not checked against the witness" in err.getvalue()


def test_a_forged_witness_line_is_named(trail):
    trail(6)
    path = witness_path()
    line = json.loads(path.read_text())
    line["hash"] = "0" * 64
    with path.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
        handle.write("not json\n")
    found = problems()
    assert "witness line 2 is not a checkpoint" not in found
    assert "witness line 3 is not a checkpoint" in found
    assert "witness checkpoint at position 5: its signature does not verify (FORGED)" in found


def test_each_checkpoint_is_also_mailed_to_the_witness_address(trail, settings, mailoutbox):
    settings.AUDIT_WITNESS_EMAIL = ["dpo@example.org"]
    trail(6)
    [email] = mailoutbox
    assert email.to == ["dpo@example.org"]
    assert email.subject == "SEIP audit checkpoint at position 5"
    assert json.loads(email.body.splitlines()[-1]) == witness_lines()[0]


def test_checkpoints_signed_before_the_interval_was_recorded_still_verify(trail):
    trail(3)
    key = keys.signing_key()
    event = AuditEvent.objects.get(seq=3)
    signature = key.sign(checkpoint_message(seq=3, hash_=event.hash, at=chain.at_iso(event.at)))
    AuditCheckpoint.objects.create(
        seq=3,
        hash=event.hash,
        at=event.at,
        signature=base64.b64encode(signature).decode(),
        public_key=base64.b64encode(keys.public_bytes(key.public_key())).decode(),
        key_id=keys.key_id(key.public_key()),
        every=None,
    )
    result = verify()
    assert result.ok, result.problems
    assert result.checkpoints == 1


@pytest.mark.parametrize(
    ("signed", "end", "configured", "missing"),
    [
        ([], 4, 5, None),
        ([], 5, 5, 5),
        ([(5, 5), (10, 5)], 14, 5, None),
        ([(5, 5), (10, 5)], 15, 5, 15),
        ([(5, 5), (15, 5)], 15, 5, 10),
        ([(5, 5), (7, 5), (10, 5)], 12, 5, None),  # one on demand, in between
        ([(5, 5), (7, 5), (15, 5)], 15, 5, 10),
        # The interval changed between two checkpoints: 5 -> 20 -> 3.
        ([(5, 5), (20, 20), (21, 3)], 23, 3, None),
        ([(5, 5), (20, 20), (21, 3)], 24, 3, 24),
        ([(5, None), (20, 20)], 20, 20, None),  # signed before intervals were recorded
        ([], 5000, 0, None),  # only on demand: nothing is ever due
    ],
)
def test_which_checkpoint_was_due(signed, end, configured, missing):
    assert first_missing_checkpoint(signed, end=end, configured=configured) == missing


def test_the_witness_is_required_outside_the_data_folder_in_production(settings, tmp_path):
    settings.PRODUCTION = True
    settings.AUDIT_WITNESS = ""
    with pytest.raises(ImproperlyConfigured, match=r"^SEIP_AUDIT_WITNESS must name"):
        witness_path()
    settings.AUDIT_WITNESS = str(django_settings.DATA_DIR / "witness.jsonl")
    with pytest.raises(ImproperlyConfigured, match=r"must lie outside SEIP_DATA_DIR"):
        witness_path()
    settings.AUDIT_WITNESS = str(tmp_path / "elsewhere" / "witness.jsonl")
    assert witness_path() == tmp_path / "elsewhere" / "witness.jsonl"
