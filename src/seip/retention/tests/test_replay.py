"""After restoring a backup taken before an erasure, the erased child's plain rows are
back (their encrypted content is not: the key store is never restored). ``seip retention
replay`` finds them by their lost key-store secret and erases them again (P22)."""

import io

import pytest
from django.core.management import call_command

from seip.keys import crypto
from seip.retention.erasure import PLAN
from seip.retention.models import Erasure, ErasureGround, ErasureSource
from seip.retention.services import student_erase
from seip.students.models import Student

pytestmark = pytest.mark.django_db


@pytest.mark.promise("P22")
def test_replay_erases_again_whoever_a_restored_backup_brought_back(
    erased, kept, personas, tmp_path, django_capture_on_commit_callbacks
):
    backup = tmp_path / "db.json"
    call_command("dumpdata", *[label for label, _ in PLAN], output=str(backup))
    with django_capture_on_commit_callbacks(execute=True):
        student_erase(
            student_or_referral=erased,
            ground=ErasureGround.UNLAWFUL,
            actor=personas["dpo"],
            request_reference="RR-7",
        )
    call_command("loaddata", str(backup), verbosity=0)
    crypto.cache_clear()
    assert Student.objects.filter(pk=erased.pk).exists()  # the restore brought them back

    out = io.StringIO()
    call_command("retention", "replay", stdout=out)
    assert f"referral {erased.referral_id}" in out.getvalue()
    assert f"referral {kept.referral_id}" not in out.getvalue()
    assert Student.objects.filter(pk=erased.pk).exists()  # listing changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "replay", "--apply", stdout=io.StringIO())
    assert not Student.objects.filter(pk=erased.pk).exists()
    assert Student.objects.filter(pk=kept.pk).exists()
    replayed = Erasure.objects.get(source=ErasureSource.REPLAY)
    assert replayed.referral_id == erased.referral_id
    assert replayed.actor_id is None
    out = io.StringIO()
    call_command("retention", "replay", stdout=out)
    assert "Erased since the backup (run with --apply): 0" in out.getvalue()
