"""Crypto-shredding: once a student's key is shredded, their notes, attachments, concerns
and signed referral scan cannot be read, live or from a backup taken before (P14, P22)."""

import shutil

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.audit.selectors import verify
from seip.keys import crypto
from seip.keys.models import DataKey
from seip.keys.services import ShredReason, data_key_shred
from seip.keys.tests.conftest import give_history
from seip.records.models import CaseNote, NoteAttachment, SafeguardingConcern
from seip.records.selectors import chronology, decrypt_concerns
from seip.referrals.tests.factories import PDF

pytestmark = pytest.mark.django_db

BACKED_UP = [
    "keys.datakey",
    "records.casenote",
    "records.noteattachment",
    "records.safeguardingconcern",
]


@pytest.fixture
def two_students(case, other_student, personas):
    coordinator = personas["coordinator"]
    give_history(case.student, coordinator)
    give_history(other_student, coordinator)
    return case.student, other_student


def shred(referral, actor, capture):
    with capture(execute=True):
        data_key_shred(actor=actor, referral=referral, reason=ShredReason.ERASURE)


def unreadable(student, user):
    """Every encrypted part of the student's record raises; return the exceptions."""
    raised = []
    attachment = NoteAttachment.objects.get(note__student=student)
    consent = student.referral.consents.get()
    for attempt in (
        lambda: chronology(student, user),
        lambda: decrypt_concerns(list(SafeguardingConcern.objects.filter(student=student))),
        lambda: crypto.read_encrypted_for(student.referral_id, attachment.stored_as),
        lambda: crypto.read_encrypted_for(student.referral, consent.form_file),
    ):
        with pytest.raises(crypto.DataUnavailable) as error:
            attempt()
        raised.append(error.value)
    return raised


def readable(student, user):
    (note,) = chronology(student, user)
    assert note.text.startswith("Home visit")
    assert note.attachments[0].name == "plan.txt"
    (concern,) = decrypt_concerns(list(SafeguardingConcern.objects.filter(student=student)))
    assert concern.details == "Arrived hungry again."
    consent = student.referral.consents.get()
    assert crypto.read_encrypted_for(student.referral, consent.form_file) == PDF.content


@pytest.mark.promise("P14")
@pytest.mark.promise("P22")
def test_a_shredded_students_record_cannot_be_decrypted_and_others_still_can(
    two_students, personas, django_capture_on_commit_callbacks
):
    shredded, other = two_students
    coordinator = personas["coordinator"]
    readable(shredded, coordinator)  # warms the cache, which shredding must empty
    shred(shredded.referral, personas["dpo"], django_capture_on_commit_callbacks)

    assert all(isinstance(e, crypto.KeyShredded) for e in unreadable(shredded, coordinator))
    blob = bytes(CaseNote.objects.get(student=shredded).text_encrypted)
    with pytest.raises(crypto.KeyShredded):
        crypto.decrypt_for(shredded.referral_id, blob)
    readable(other, coordinator)
    key = DataKey.objects.get(referral=shredded.referral)
    assert bytes(key.wrapped) == b""
    assert key.shredded_at is not None
    assert not crypto.store_exists(key.store_id)


@pytest.mark.promise("P22")
def test_no_new_key_is_made_for_a_shredded_subject(
    two_students, personas, django_capture_on_commit_callbacks
):
    shredded, _ = two_students
    shred(shredded.referral, personas["dpo"], django_capture_on_commit_callbacks)
    with pytest.raises(crypto.KeyShredded):
        crypto.encrypt_for(shredded.referral, b"a new note")
    assert DataKey.objects.filter(referral=shredded.referral).count() == 1


def test_a_subject_shredded_before_any_key_never_gets_one(
    unsigned, personas, django_capture_on_commit_callbacks
):
    shred(unsigned, personas["dpo"], django_capture_on_commit_callbacks)
    with pytest.raises(crypto.KeyShredded):
        crypto.encrypt_for(unsigned, b"anything")


def test_pages_say_the_content_was_erased(
    two_students, personas, login, django_capture_on_commit_callbacks
):
    shredded, _ = two_students
    shred(shredded.referral, personas["dpo"], django_capture_on_commit_callbacks)
    client = login(personas["coordinator"])
    attachment = NoteAttachment.objects.get(note__student=shredded)
    consent = shredded.referral.consents.get()
    for url in (
        reverse("records:attachment", args=[shredded.pk, attachment.pk]),
        reverse("referrals:signed_form", args=[shredded.referral_id, consent.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 410
        assert b"was erased" in response.content


def test_only_the_dpo_shreds_and_only_for_a_known_reason(two_students, personas):
    shredded, _ = two_students
    for role in ("coordinator", "key_worker", "safeguarding_lead", "school_contact"):
        with pytest.raises(PermissionDenied):
            data_key_shred(actor=personas[role], referral=shredded.referral, reason="erasure")
    with pytest.raises(ValidationError):
        data_key_shred(actor=personas["dpo"], referral=shredded.referral, reason="Jordan asked")
    assert not DataKey.objects.filter(shredded_at__isnull=False).exists()


def test_shredding_is_audited_without_personal_data_and_keeps_the_chain_valid(
    two_students, personas, django_capture_on_commit_callbacks
):
    shredded, _ = two_students
    shred(shredded.referral, personas["dpo"], django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(action="keys.shred")
    assert event.detail == {"reason": "erasure"}
    assert event.actor == personas["dpo"]
    assert event.object_id == str(DataKey.objects.get(referral=shredded.referral).pk)
    # Shredding again changes nothing and is not audited twice.
    shred(shredded.referral, personas["dpo"], django_capture_on_commit_callbacks)
    assert AuditEvent.objects.filter(action="keys.shred").count() == 1
    assert verify().ok


def take_backup(settings, target):
    """What an operator's backup holds: the database (here the tables that matter, with
    dumpdata) and the media files. Not the key store, which backups exclude."""
    target.mkdir()
    call_command("dumpdata", *BACKED_UP, output=str(target / "db.json"))
    shutil.copytree(settings.MEDIA_ROOT, target / "media")


def restore_backup(settings, source):
    """Put the backup's rows and files back, replacing what is there now."""
    NoteAttachment.objects.all().delete()
    CaseNote.objects.all().delete()
    SafeguardingConcern.objects.all().delete()
    DataKey.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    shutil.copytree(source / "media", settings.MEDIA_ROOT)
    call_command("loaddata", str(source / "db.json"), verbosity=0)
    crypto.cache_clear()


@pytest.mark.promise("P14")
@pytest.mark.promise("P22")
def test_a_backup_taken_before_shredding_cannot_be_read_after_it(
    two_students, personas, settings, tmp_path, django_capture_on_commit_callbacks
):
    shredded, other = two_students
    coordinator = personas["coordinator"]
    take_backup(settings, tmp_path / "backup")
    shred(shredded.referral, personas["dpo"], django_capture_on_commit_callbacks)

    restore_backup(settings, tmp_path / "backup")
    key = DataKey.objects.get(referral=shredded.referral)
    # The backup brought back the wrapped key as it was before shredding...
    assert key.shredded_at is None
    assert bytes(key.wrapped)
    # ...yet nothing the system now holds unwraps it: not the master key with any secret
    # left in the key store.
    for path in settings.KEY_STORE_DIR.iterdir():
        with pytest.raises(crypto.KeyMissing):
            crypto.unwrap_key(key, path.read_bytes())
    errors = unreadable(shredded, coordinator)
    assert all(isinstance(e, crypto.KeyMissing) for e in errors)
    # The same backup still restores everyone else's record.
    readable(other, coordinator)


def test_the_guarantee_rests_on_the_key_store_staying_out_of_backups(
    two_students, personas, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Why operations must keep the key store out of backups: with a copy of it, a
    pre-shredding backup would be readable again. This is the assumption, made explicit."""
    shredded, _ = two_students
    take_backup(settings, tmp_path / "backup")
    shutil.copytree(settings.KEY_STORE_DIR, tmp_path / "keys-copy")
    shred(shredded.referral, personas["dpo"], django_capture_on_commit_callbacks)
    restore_backup(settings, tmp_path / "backup")
    shutil.copytree(tmp_path / "keys-copy", settings.KEY_STORE_DIR, dirs_exist_ok=True)
    readable(shredded, personas["coordinator"])
