"""Plain rows are sealed in place by the migrations, in batches, resumably (ADR 0034).

Run on both engines by CI. The database is taken back to the referrals' plain columns,
rows are written as an older release wrote them, and the sealing migration is interrupted
part-way: ``seip keys status`` counts what is left, and running ``migrate`` again finishes.
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from seip.keys import crypto, sealing
from seip.keys.fields import indexed
from seip.referrals.models import Carer, Referral

pytestmark = [pytest.mark.promise("P14"), pytest.mark.promise("P22")]

PLAIN = ("referrals", "0001_initial")


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


def _status() -> str:
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_plain_rows_are_sealed_in_batches_and_an_interrupted_run_resumes(county, monkeypatch):
    executor = _migrate([PLAIN])
    old = executor.loader.project_state([PLAIN]).apps
    OldReferral = old.get_model("referrals", "Referral")
    OldCarer = old.get_model("referrals", "Carer")
    for n in range(5):
        referral = OldReferral.objects.create(
            school_id=county.school_a.pk,
            partnership_id=county.a.pk,
            upn=f"A80120000500{n}",
            first_name=f"Plain{n}",
            last_name="Oldrow",
            date_of_birth=dt.date(2012, 3, n + 1),
            sex="F",
            nc_year=9,
            reasons=f"Reason written in plain text {n}",
            support_tried="Mentoring",
            requested_tier=2,
        )
        OldCarer.objects.create(
            referral=referral,
            name=f"Carer {n}",
            relationship="Mother",
            parental_responsibility=True,
            phone=f"07700 90000{n}",
        )
    try:
        _migrate([("referrals", "0002_sealed_columns")])
        before = {c.field: c.rows for c in sealing.plain_rows() if c.label == "referrals.referral"}
        assert before["reasons"] == 5
        assert before["upn"] == 5

        # Interrupted after three rows: the batches that committed stay sealed.
        real = crypto.encrypt_for
        calls = {"n": 0}

        def flaky(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] > 3 * 9:  # nine sealed fields of a referral
                raise RuntimeError("the machine was switched off")
            return real(*args, **kwargs)

        monkeypatch.setattr(crypto, "encrypt_for", flaky)
        monkeypatch.setattr(sealing, "BATCH", 1)
        with pytest.raises(RuntimeError):
            _migrate([("referrals", "0003_seal_rows")])
        monkeypatch.setattr(crypto, "encrypt_for", real)
        during = {c.field: c.rows for c in sealing.plain_rows() if c.label == "referrals.referral"}
        assert 0 < during["reasons"] < 5
        assert "rows still in plain text: " in _status()
        assert "referrals.referral.reasons:" in _status()

        call_command("migrate", verbosity=0)
        assert sealing.remaining(sealing.plain_rows()) == 0
        assert "rows still in plain text: 0" in _status()
        # Every value reads back through the sealed fields, and the blind index finds it.
        for n in range(5):
            referral = Referral.objects.get(upn_index=indexed("upn", f"A80120000500{n}"))
            assert referral.first_name == f"Plain{n}"
            assert referral.date_of_birth == dt.date(2012, 3, n + 1)
            assert referral.reasons == f"Reason written in plain text {n}"
            assert Carer.objects.get(referral=referral).phone == f"07700 90000{n}"
        # And the columns hold no plain text any more.
        with connection.cursor() as cursor:
            cursor.execute("SELECT reasons, first_name FROM referrals_referral")
            for reasons, first_name in cursor.fetchall():
                assert b"plain text" not in bytes(reasons)
                assert b"Plain" not in bytes(first_name)
    finally:
        call_command("migrate", verbosity=0)
