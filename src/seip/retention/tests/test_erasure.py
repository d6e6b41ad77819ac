"""Erasure (P22): the student is gone from every list, table and file; their encrypted
content in a backup taken before cannot be read; the audit chain still verifies; and the
tombstone holds nothing that identifies them."""

import io
import json

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.audit.selectors import verify
from seip.concerns.models import Concern
from seip.keys import crypto
from seip.keys.fields import sealed_fields
from seip.keys.models import DataKey
from seip.records.models import CaseNote, NoteAttachment
from seip.records.services import NOTE_TEXT
from seip.referrals.models import Referral
from seip.referrals.selectors import referrals_visible_to
from seip.retention.erasure import KEPT, PLAN, reaching_models
from seip.retention.models import Erasure, ErasureGround, ErasureSource, LegalHold
from seip.retention.services import student_erase
from seip.retention.tests.conftest import identifiers
from seip.rights.models import ClockPause, RightsRequest
from seip.students.models import Student
from seip.students.selectors import archived_students_visible_to, students_visible_to

pytestmark = pytest.mark.django_db


def erase(student, actor, capture, **kwargs):
    kwargs.setdefault("ground", ErasureGround.OBJECTION_UPHELD)
    with capture(execute=True):
        return student_erase(student_or_referral=student, actor=actor, **kwargs)


def rows_of(referral_id: int) -> dict[str, int]:
    counts = {}
    for label, lookup in PLAN:
        model = apps.get_model(label)
        counts[label] = model._default_manager.filter(**{lookup: referral_id}).count()
    return counts


def test_every_model_that_reaches_a_student_is_erased_or_deliberately_kept():
    """A new model with a foreign key to a student, a referral, or anything under them
    must be added to the plan (or to KEPT, with a reason), or this fails."""
    planned = {label for label, _ in PLAN}
    installed = {model._meta.label for model in apps.get_models()}
    missing = reaching_models() - planned - KEPT.keys()
    assert not missing, f"not covered by erasure: {sorted(missing)}"
    assert planned <= installed
    assert "records.Target" in reaching_models()  # two steps away, through SupportPlan


@pytest.mark.promise("P22")
def test_erasure_removes_every_row_and_file_and_leaves_others_alone(
    erased, kept, personas, django_capture_on_commit_callbacks
):
    referral_id = erased.referral_id
    before = rows_of(referral_id)
    empty = [label for label, n in before.items() if n == 0]
    assert not empty, f"the fixture should fill every table: {empty}"
    kept_before = rows_of(kept.referral_id)
    files = [a.stored_as for a in NoteAttachment.objects.filter(note__student=erased)]
    files += [c.form_file for c in erased.referral.consents.all()]
    assert all(default_storage.exists(name) for name in files)

    erasure = erase(erased, personas["dpo"], django_capture_on_commit_callbacks)

    assert all(n == 0 for n in rows_of(referral_id).values())
    assert rows_of(kept.referral_id) == kept_before
    assert not any(default_storage.exists(name) for name in files)
    assert not Student.objects.filter(pk=erased.pk).exists()
    assert not Referral.objects.filter(pk=referral_id).exists()
    assert erasure.counts["students.student"] == 1
    assert erasure.counts["records.casenote"] == 1
    assert {s["store"] for s in erasure.stores} >= {
        "database", "media files", "key store", "backups"
    }  # fmt: skip


@pytest.mark.promise("P22")
def test_the_erased_student_is_in_no_list_or_search_for_anyone(
    erased, kept, personas, django_capture_on_commit_callbacks
):
    erase(erased, personas["dpo"], django_capture_on_commit_callbacks)
    for name, user in personas.items():
        for visible in (students_visible_to, archived_students_visible_to):
            pks = set(visible(user).values_list("pk", flat=True))
            assert erased.pk not in pks, name
        assert not referrals_visible_to(user).filter(pk=erased.referral_id).exists()
    assert kept in students_visible_to(personas["coordinator"])
    # Names are sealed: the database cannot be asked for one, so look at every row.
    assert "Quillfeather" not in [s.last_name for s in Student.objects.all()]


@pytest.mark.promise("P22")
def test_a_backup_taken_before_erasure_cannot_decrypt_the_notes(
    erased, kept, personas, django_capture_on_commit_callbacks
):
    buffer = io.StringIO()
    call_command("dumpdata", "keys.datakey", "records.casenote", stdout=buffer)
    backup = json.loads(buffer.getvalue())

    erase(erased, personas["dpo"], django_capture_on_commit_callbacks)
    crypto.cache_clear()

    def restored(model: str, referral_id: int) -> dict:
        for row in backup:
            fields = row["fields"]
            if row["model"] == model and fields.get("referral") == referral_id:
                return fields
        raise AssertionError(model)

    def note_blob(student) -> bytes:
        for row in backup:
            if row["model"] == "records.casenote" and row["fields"]["student"] == student.pk:
                return bytes(DataKey._meta.get_field("wrapped").to_python(
                    row["fields"]["text_encrypted"]))  # fmt: skip
        raise AssertionError("no note in the backup")

    def note_row(student) -> bytes:
        """The note's row identity, which its ciphertext names (crypto.row_id)."""
        for row in backup:
            if row["model"] == "records.casenote" and row["fields"]["student"] == student.pk:
                return f"records.casenote:{row['pk']}".encode()
        raise AssertionError("no note in the backup")

    def key_from_backup(referral_id: int) -> DataKey:
        fields = restored("keys.datakey", referral_id)
        return DataKey(
            referral_id=referral_id,
            store_id=fields["store_id"],
            master_key_id=fields["master_key_id"],
            wrapped=DataKey._meta.get_field("wrapped").to_python(fields["wrapped"]),
        )

    # The erased student's wrapped key is in the backup, but its key-store secret is gone
    # and no other secret unwraps it, so their note's ciphertext stays sealed.
    gone = key_from_backup(erased.referral_id)
    assert bytes(gone.wrapped)
    assert crypto.store_read(gone.store_id) is None
    secrets = [path.read_bytes() for path in crypto._store_path("x").parent.iterdir()]
    assert secrets
    for secret in secrets:
        with pytest.raises(crypto.KeyMissing):
            crypto.unwrap_key(gone, secret)
    with pytest.raises(crypto.DataUnavailable):
        crypto.decrypt_for(
            erased.referral_id, note_blob(erased), aad=NOTE_TEXT, row=note_row(erased)
        )
    # The same backup still opens the other student's note.
    other = key_from_backup(kept.referral_id)
    key = crypto.unwrap_key(other, crypto.store_read(other.store_id) or b"")
    plaintext = crypto.Sealer(kept.referral_id, key).decrypt(
        note_blob(kept), aad=NOTE_TEXT, row=note_row(kept)
    )
    assert plaintext.startswith(b"Home visit")


@pytest.mark.promise("P22")
def test_the_audit_chain_still_verifies_after_erasure(
    erased, kept, personas, django_capture_on_commit_callbacks
):
    # Events written before erasure name the subject by id: they stay, and still chain.
    named = AuditEvent.objects.filter(
        object_type="referrals.referral", object_id=str(erased.referral_id)
    )
    assert named.exists()
    erasure = erase(erased, personas["dpo"], django_capture_on_commit_callbacks)
    assert verify().ok
    call_command("audit", "verify", stdout=io.StringIO())
    event = AuditEvent.objects.get(action="retention.erase")
    assert event.object_id == str(erasure.pk)
    assert event.detail["referral_id"] == erased.referral_id
    assert event.actor == personas["dpo"]
    assert named.exists()


@pytest.mark.promise("P22")
def test_nothing_identifying_survives_anywhere_in_the_database(
    erased, kept, personas, django_capture_on_commit_callbacks
):
    needles = [*identifiers(erased), "Morwenna"]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    # The identity and contacts are sealed, so even before the erasure the dump holds
    # ciphertext; what remains readable (the check can fail) is read through the models.
    assert erased.last_name in [s.last_name for s in Student.objects.all()]

    erase(
        erased,
        personas["dpo"],
        django_capture_on_commit_callbacks,
        request_reference="RR-2026-014",
    )
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue()
    found = [needle for needle in needles if needle in text]
    assert not found
    kept_row = Student.objects.get(pk=kept.pk)
    assert identifiers(kept_row) == identifiers(kept)  # the others read as before
    tombstone = Erasure.objects.get()
    assert tombstone.request_reference == "RR-2026-014"
    assert tombstone.ground == ErasureGround.OBJECTION_UPHELD
    assert tombstone.actor_id == personas["dpo"].pk


def test_only_the_dpo_erases(erased, personas):
    for role in ("coordinator", "key_worker", "safeguarding_lead", "school_contact", "admin"):
        with pytest.raises(PermissionDenied):
            student_erase(
                student_or_referral=erased, ground="no_longer_needed", actor=personas[role]
            )
    with pytest.raises(PermissionDenied):
        student_erase(student_or_referral=erased, ground="no_longer_needed", actor=None)
    assert Student.objects.filter(pk=erased.pk).exists()


@pytest.mark.parametrize(
    ("ground", "says"),
    [("consent_withdrawn", "public task"), ("because", "objection was upheld")],
)
def test_grounds_that_do_not_apply_under_public_task_are_refused(erased, personas, ground, says):
    with pytest.raises(ValidationError) as error:
        student_erase(student_or_referral=erased, ground=ground, actor=personas["dpo"])
    assert says in str(error.value)
    assert Student.objects.filter(pk=erased.pk).exists()


def test_a_legal_hold_stops_erasure(erased, personas):
    LegalHold.objects.create(referral=erased.referral, reason="Inquiry", placed_by=personas["dpo"])
    with pytest.raises(ValidationError, match="legal hold"):
        student_erase(
            student_or_referral=erased.referral,
            ground=ErasureGround.UNLAWFUL,
            actor=personas["dpo"],
        )
    assert Student.objects.filter(pk=erased.pk).exists()
    assert DataKey.objects.get(referral=erased.referral).shredded_at is None


def test_a_declined_referral_with_no_student_can_be_erased(
    county, personas, django_capture_on_commit_callbacks
):
    from seip.referrals.services import referral_decline
    from seip.retention.tests.conftest import ERASED, make_referral

    referral = make_referral(county, personas, ERASED, 7)
    referral_decline(referral=referral, reason="Not eligible", actor=personas["coordinator"])
    erasure = erase(
        referral,
        None,
        django_capture_on_commit_callbacks,
        ground=ErasureGround.NO_LONGER_NEEDED,
        source=ErasureSource.RETENTION,
    )
    assert erasure.student_id is None
    assert not Referral.objects.filter(pk=referral.pk).exists()
    assert not CaseNote.objects.exists()


def test_another_partnerships_dpo_cannot_erase(erased, county):
    from seip.accounts.models import Membership, Role
    from seip.accounts.tests.factories import UserFactory

    other_dpo = UserFactory(email="dpo-b@seip.test", full_name="Other Dpo")
    Membership.objects.create(user=other_dpo, role=Role.DPO, partnership=county.b)
    with pytest.raises(PermissionDenied):
        student_erase(student_or_referral=erased, ground="unlawful", actor=other_dpo)


def test_the_request_reference_is_a_code_not_a_name(erased, personas):
    with pytest.raises(ValidationError):
        student_erase(
            student_or_referral=erased,
            ground=ErasureGround.OBJECTION_UPHELD,
            actor=personas["dpo"],
            request_reference="Zebedee Quillfeather",
        )
    assert DataKey.objects.get(referral=erased.referral).shredded_at is None
    assert Student.objects.filter(pk=erased.pk).exists()


def raw_rows(model, **lookup) -> list[dict[str, object]]:
    """A model's rows as the database holds them (what a dump would copy)."""
    table = connection.ops.quote_name(model._meta.db_table)
    pks = list(model._base_manager.filter(**lookup).values_list("pk", flat=True))
    found = []
    with connection.cursor() as cursor:
        for pk in pks:
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
            names = [column[0] for column in cursor.description]
            found.append(dict(zip(names, cursor.fetchone(), strict=True)))
    return found


def as_text(row: dict[str, object]) -> str:
    return " ".join(
        bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
        for v in row.values()
    )


@pytest.mark.promise("P22")
def test_a_kept_rights_request_and_concern_are_emptied_to_their_tombstone(
    erased, kept, personas, django_capture_on_commit_callbacks
):
    needles = ["Morwenna", "morwenna@family.test", "Zebedee", "Quillfeather", "Passport",
               "Birth certificate"]  # fmt: skip
    requests = list(RightsRequest.objects.filter(student=erased).order_by("pk"))
    pause = ClockPause.objects.get(request__student=erased)
    concern = Concern.objects.get(student=erased)
    assert requests[0].child_view == "Zebedee agrees"
    # Before: sealed under the student's key, so a dump taken now holds no plain text.
    before = [*raw_rows(RightsRequest, student=erased), *raw_rows(ClockPause, pk=pause.pk),
              *raw_rows(Concern, pk=concern.pk)]  # fmt: skip
    assert bytes(before[0]["requester_name"])[:2] == b"v2"
    assert not [n for n in needles for row in before if n in as_text(row)]

    erasure = erase(erased, personas["dpo"], django_capture_on_commit_callbacks)

    sealed = {f.column for f in sealed_fields(RightsRequest)}
    for request in requests:
        row = raw_rows(RightsRequest, pk=request.pk)[0]
        assert row["student_id"] is None
        assert row["requester_user_id"] is None
        assert all(not row[column] for column in sealed), row
        request.refresh_from_db()
        assert request.details_erased_on == timezone.localdate()
        # What shows the erasure was done stays.
        assert request.received_on
        assert request.type
        assert request.status
    assert RightsRequest.objects.get(pk=requests[0].pk).identity_checked_on is not None
    assert not raw_rows(ClockPause, pk=pause.pk)[0]["note"]
    row = raw_rows(Concern, pk=concern.pk)[0]
    assert row["student_id"] is None
    assert not any(row[c] for c in ("name", "contact", "what_happened", "response"))
    assert Concern.objects.get(pk=concern.pk).details_erased_on == timezone.localdate()
    assert erasure.counts["rights.rightsrequest (emptied)"] == 2
    assert erasure.counts["concerns.concern (emptied)"] == 1
    # The other student's request is untouched and still reads.
    other = RightsRequest.objects.filter(student=kept).order_by("pk").first()
    assert other.requester_name == "Alex Otterburn"
    assert other.details_erased_on is None
    # The ciphertext a dump kept from before cannot be opened: the key is shredded.
    crypto.cache_clear()
    blob = bytes(before[0]["requester_name"])
    with pytest.raises(crypto.DataUnavailable):
        crypto.decrypt_for(
            erased.referral_id, blob, aad=b"rights.rightsrequest.requester_name",
            row=f"rights.rightsrequest:{requests[0].pk}".encode(),
        )  # fmt: skip
