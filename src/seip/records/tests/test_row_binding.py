"""Each ciphertext names its row, not only the student and the field (P14): a note's
text copied into another note of the same student does not open. Old ciphertexts (v1)
stay readable until ``seip keys rebind`` re-seals them."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.keys import crypto
from seip.records import selectors, services
from seip.records.models import CaseNote, ConcernCategory, NoteAttachment, SafeguardingConcern
from seip.records.tests.factories import ConcernFactory, NoteFactory


@pytest.fixture
def student(active_case):
    return active_case.student


def _note(student, personas, text, **extra):
    return services.note_add(
        student=student, kind="meeting", happened_on=timezone.localdate(), text=text,
        actor=personas["key_worker"], **extra,
    )  # fmt: skip


def _copy(model, source, target, column):
    value = getattr(model.objects.get(pk=source.pk), column)
    model.objects.filter(pk=target.pk).update(**{column: value})


@pytest.mark.promise("P14")
def test_a_note_copied_into_another_note_of_the_same_student_fails_its_check(
    login, personas, student
):
    secret = _note(student, personas, "Disclosed a worry about home")
    decoy = _note(student, personas, "Attendance plan agreed")
    assert bytes(decoy.text_encrypted).startswith(crypto.FORMAT_ROW)
    _copy(CaseNote, secret, decoy, "text_encrypted")
    with pytest.raises(crypto.DecryptionFailed, match="Integrity check failed"):
        selectors.chronology(student, personas["key_worker"])
    page = login(personas["key_worker"]).get(reverse("records:chronology", args=[student.pk]))
    body = page.content.decode()
    assert "failed its integrity check" in body
    assert "Disclosed a worry" not in body


@pytest.mark.promise("P14")
def test_attachment_names_and_concerns_are_bound_to_their_rows(personas, student):
    note = _note(
        student, personas, "Two letters",
        attachments=[services.Upload("a.txt", "text/plain", b"a"),
                     services.Upload("b.txt", "text/plain", b"b")],
    )  # fmt: skip
    first, second = NoteAttachment.objects.filter(note=note).order_by("pk")
    _copy(NoteAttachment, first, second, "name_encrypted")
    with pytest.raises(crypto.DecryptionFailed):
        selectors.chronology(student, personas["coordinator"])
    category = ConcernCategory.objects.get(code="neglect")
    concerns = [
        services.concern_raise(
            student=student,
            raised_on=timezone.localdate(),
            category=category,
            details=text,
            actions_taken="Spoke to the DSL",
            actor=personas["key_worker"],
        )
        for text in ("About the uncle", "Came in hungry")
    ]
    _copy(SafeguardingConcern, concerns[0], concerns[1], "details_encrypted")
    with pytest.raises(crypto.DecryptionFailed):
        selectors.decrypt_concerns(list(SafeguardingConcern.objects.filter(pk=concerns[1].pk)))


def test_old_ciphertext_stays_readable(personas, student):
    """Rows sealed before v2 (the factories write v1, as the old code did)."""
    NoteFactory(student=student)
    ConcernFactory(student=student)
    (view,) = selectors.chronology(student, personas["coordinator"])
    assert view.text == "Met with the student."
    concerns = list(SafeguardingConcern.objects.filter(student=student))
    assert selectors.decrypt_concerns(concerns)[0].details == "Arrived hungry again."


def test_a_row_bound_blob_cannot_be_opened_as_an_old_one(personas, student):
    """Relabelling a v2 blob as v1 (to drop the row from the check) fails too."""
    note = _note(student, personas, "Bound to its row")
    blob = b"v1" + bytes(note.text_encrypted)[2:]
    CaseNote.objects.filter(pk=note.pk).update(text_encrypted=blob)
    with pytest.raises(crypto.DecryptionFailed):
        selectors.chronology(student, personas["coordinator"])


@pytest.mark.promise("P14")
def test_rebind_reseals_old_rows_and_can_be_run_again(personas, student):
    old_notes = [NoteFactory(student=student) for _ in range(3)]
    ConcernFactory(student=student)
    new = _note(student, personas, "Already bound")
    before_new = bytes(CaseNote.objects.get(pk=new.pk).text_encrypted)
    out = io.StringIO()
    call_command("keys", "rebind", "--batch", "2", stdout=out)
    assert "Re-sealed 4 rows" in out.getvalue()
    for note in old_notes:
        assert bytes(CaseNote.objects.get(pk=note.pk).text_encrypted).startswith(b"v2")
    assert bytes(CaseNote.objects.get(pk=new.pk).text_encrypted) == before_new
    views = selectors.chronology(student, personas["coordinator"])
    assert sorted(v.text for v in views) == ["Already bound", *["Met with the student."] * 3]
    concern = SafeguardingConcern.objects.get()
    assert bytes(concern.details_encrypted).startswith(b"v2")
    assert bytes(concern.actions_encrypted).startswith(b"v2")
    # Now bound: a copy between the re-sealed notes fails as for new ones.
    _copy(CaseNote, old_notes[0], old_notes[1], "text_encrypted")
    with pytest.raises(crypto.DecryptionFailed):
        selectors.chronology(student, personas["coordinator"])
    # Resumable and idempotent: nothing left to do the second time.
    again = io.StringIO()
    call_command("keys", "rebind", stdout=again)
    assert "Re-sealed 0 rows" in again.getvalue()
    events = AuditEvent.objects.filter(action="keys.rebind").order_by("seq")
    assert [e.detail["resealed"] for e in events] == [4, 0]
