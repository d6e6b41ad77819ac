"""Events anyone can cause (failed sign-ins, lockouts, public concerns) stay off the chain's
lock, and the chain counts them later (P14, ADR 0025)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seip.audit import services
from seip.audit.models import AnonymousEvent, AuditEvent, ChainHead
from seip.audit.selectors import verify
from seip.audit.services import (
    ANONYMOUS_SUMMARY,
    anonymous_record,
    anonymous_rollup,
    audit_record,
    checkpoint_create,
)
from seip.audit.signals import record_sign_in_failed

pytestmark = pytest.mark.promise("P14")

SIGN_IN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch):
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY_FILE", raising=False)


def anonymous(action, n, *, ago=dt.timedelta(minutes=5)):
    with transaction.atomic():
        for _ in range(n):
            event = anonymous_record(action=action)
            # As if written ``ago`` (old enough to be counted into the chain, or not).
            connection.cursor().execute(
                "UPDATE audit_anonymousevent SET at = %s WHERE id = %s",
                [timezone.now() - ago, event.pk],
            )


def chained(action="test.write"):
    with transaction.atomic():
        return audit_record(actor=None, action=action)


def test_a_failed_sign_in_takes_neither_the_chain_head_nor_the_chain(client, db):
    chained()  # the head exists, as on any running service
    with CaptureQueriesContext(connection) as queries:
        response = client.post(SIGN_IN, {"email": "x@example.org", "password": "wrong"})
    assert response.status_code == 200
    touched = " ".join(query["sql"] for query in queries.captured_queries)
    assert "audit_anonymousevent" in touched
    assert "audit_chainhead" not in touched
    assert "audit_auditevent" not in touched
    assert AnonymousEvent.objects.get().action == "auth.login_failed"


def test_the_next_chained_write_counts_them_into_the_chain(db):
    chained()
    ChainHead.objects.update(anonymous_rolled_at=None)
    anonymous("auth.login_failed", 3)
    anonymous("auth.locked_out", 1)
    anonymous("auth.login_failed", 2, ago=dt.timedelta(seconds=1))  # too recent: later
    event = chained("test.after")
    summary = AuditEvent.objects.get(action=ANONYMOUS_SUMMARY)
    assert summary.seq == event.seq - 1
    assert summary.actor_id is None
    assert summary.detail["counts"] == {"auth.login_failed": 3, "auth.locked_out": 1}
    assert (summary.detail["after_id"], summary.detail["upto_id"]) == (
        0,
        AnonymousEvent.objects.order_by("pk").values_list("pk", flat=True)[3],
    )
    assert summary.detail["first"] <= summary.detail["last"]
    # Looked at most once a minute: the next write does not look again.
    anonymous("auth.login_failed", 4)
    chained()
    assert AuditEvent.objects.filter(action=ANONYMOUS_SUMMARY).count() == 1
    assert verify().ok


def test_a_checkpoint_always_counts_them_first(db):
    anonymous("concerns.raise", 2)
    checkpoint = checkpoint_create(actor=None)
    summary = AuditEvent.objects.get(action=ANONYMOUS_SUMMARY)
    assert summary.seq < checkpoint.seq
    assert summary.detail["counts"] == {"concerns.raise": 2}
    assert verify().ok


def test_anonymous_events_removed_after_their_count_are_named(db):
    anonymous("auth.login_failed", 3)
    with transaction.atomic():
        summary = anonymous_rollup(services._locked_head(), before=timezone.now())
    assert summary is not None
    anonymous("auth.login_failed", 2)  # not yet counted: not protected either
    connection.cursor().execute(
        "DELETE FROM audit_anonymousevent WHERE id = %s",
        [AnonymousEvent.objects.order_by("pk").values_list("pk", flat=True)[1]],
    )
    result = verify()
    assert result.problems == [
        f"position {summary.seq}: DELETED (its summary counts 3 anonymous "
        "auth.login_failed events, the table holds 2)"
    ]


def test_anonymous_events_refuse_to_change_and_personal_data(db):
    from seip.audit.models import AppendOnlyError

    anonymous("auth.login_failed", 1)
    event = AnonymousEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AnonymousEvent.objects.update(action="x")
    with pytest.raises(ValueError, match="personal data"), transaction.atomic():
        anonymous_record(action="x", detail={"email": "a@b.example"})


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time whatever the table (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_an_anonymous_flood_in_an_open_transaction_does_not_hold_up_chained_writes():
    chained()
    flooding, release = threading.Event(), threading.Event()
    errors: list[str] = []

    def flood() -> None:
        try:
            with transaction.atomic():
                for _ in range(200):
                    record_sign_in_failed(sender=None)
                flooding.set()
                release.wait(timeout=30)
        except Exception as exc:  # report every failure, whatever it is
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            flooding.set()
            connection.close()

    thread = threading.Thread(target=flood)
    thread.start()
    try:
        assert flooding.wait(timeout=30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Under the old design this waited for the flood's transaction to end.
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            event = audit_record(actor=None, action="test.signed_in_work")
    finally:
        release.set()
        thread.join()
    assert errors == []
    assert event.seq == 2
    assert AnonymousEvent.objects.count() == 200
    assert verify().ok
