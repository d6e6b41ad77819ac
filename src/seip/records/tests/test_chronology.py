import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.records import selectors, services
from seip.records.models import CaseNote, NoteAttachment

TEXT = "Home visit: mum worried about sleep"


@pytest.fixture
def student(active_case):
    """A student on the key worker's caseload."""
    return active_case.student


def add_note(client, student, **extra):
    return client.post(
        reverse("records:note_new", args=[student.pk]),
        {"kind": "home_visit", "happened_on": "2026-11-27", "text": TEXT, **extra},
    )


def test_notes_are_encrypted_in_the_database(login, personas, student):
    assert add_note(login(personas["key_worker"]), student).status_code == 302
    note = CaseNote.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text_encrypted FROM {CaseNote._meta.db_table}")  # noqa: S608
        (raw,) = cursor.fetchone()
    assert b"mum worried" not in bytes(raw)
    assert selectors.chronology(student, personas["key_worker"])[0].text == TEXT
    assert TEXT not in str(AuditEvent.objects.get(action="records.note.add").detail)
    assert note.author == personas["key_worker"]


def test_chronology_lists_notes_for_staff(login, personas, student):
    client = login(personas["key_worker"])
    add_note(client, student)
    body = client.get(reverse("records:chronology", args=[student.pk])).content.decode()
    assert TEXT in body
    assert "Home visit" in body


def test_attachment_is_encrypted_and_downloadable_by_staff(client, login, personas, student):
    staff = login(personas["key_worker"])
    upload = SimpleUploadedFile("letter.pdf", b"%PDF secret letter", "application/pdf")
    assert add_note(staff, student, attachments=upload).status_code == 302
    attachment = NoteAttachment.objects.get()
    with default_storage.open(attachment.stored_as, "rb") as handle:
        assert b"secret letter" not in handle.read()
    assert len(attachment.sha256) == 64
    url = reverse("records:attachment", args=[student.pk, attachment.pk])
    body = staff.get(reverse("records:chronology", args=[student.pk])).content.decode()
    assert "letter.pdf" in body
    response = staff.get(url)
    assert b"".join(response.streaming_content) == b"%PDF secret letter"
    assert response["Cache-Control"] == "no-store"
    client.logout()
    assert login(personas["school_contact"]).get(url).status_code == 404


def test_attachment_of_another_student_is_404(login, personas, student, county):
    services.note_add(
        student=student, kind="meeting", happened_on=student.created_at.date(), text="x",
        attachments=[services.Upload("a.txt", "text/plain", b"abc")],
        actor=personas["key_worker"],
    )  # fmt: skip
    attachment = NoteAttachment.objects.get()
    url = reverse("records:attachment", args=[student.pk, attachment.pk + 1])
    assert login(personas["key_worker"]).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "safeguarding_lead", "dpo"])
def test_staff_read_the_chronology(login, personas, student, persona):
    url = reverse("records:chronology", args=[student.pk])
    assert login(personas[persona]).get(url).status_code == 200


@pytest.mark.parametrize("persona", ["school_contact", "school_b", "provider", "parent", "nobody"])
def test_others_get_404_for_the_chronology(login, personas, student, persona):
    client = login(personas[persona])
    assert client.get(reverse("records:chronology", args=[student.pk])).status_code == 404
    assert client.get(reverse("records:note_new", args=[student.pk])).status_code == 404


def test_dpo_may_not_add_notes(login, personas, student):
    assert add_note(login(personas["dpo"]), student).status_code == 403
    assert not CaseNote.objects.exists()


def test_an_empty_note_is_refused(login, personas, student):
    response = login(personas["key_worker"]).post(
        reverse("records:note_new", args=[student.pk]), {"kind": "meeting"}
    )
    body = response.content.decode()
    assert "Enter the note" in body
    assert "Enter the date" in body
    assert not CaseNote.objects.exists()


@pytest.fixture
def other_key_worker(county):
    """A key worker of the same partnership who does not hold this student's case."""
    from seip.accounts.models import Membership, Role
    from seip.accounts.tests.factories import UserFactory

    user = UserFactory(email="other-kw@seip.test", full_name="Other Keyworker")
    Membership.objects.create(user=user, role=Role.KEY_WORKER, partnership=county.a)
    return user


@pytest.mark.promise("P08")
def test_a_key_worker_reads_only_their_own_caseloads_chronology(
    login, personas, student, other_key_worker
):
    services.note_add(
        student=student, kind="meeting", happened_on=student.created_at.date(), text=TEXT,
        attachments=[services.Upload("a.txt", "text/plain", b"abc")],
        actor=personas["key_worker"],
    )  # fmt: skip
    attachment = NoteAttachment.objects.get()
    client = login(other_key_worker)
    # They may know the record exists (the same partnership's team) ...
    profile = client.get(reverse("records:profile", args=[student.pk]))
    assert profile.status_code == 200
    assert reverse("records:chronology", args=[student.pk]) not in profile.content.decode()
    # ... but not read its chronology or its attachments.
    chronology = client.get(reverse("records:chronology", args=[student.pk]))
    assert chronology.status_code == 403
    assert TEXT not in chronology.content.decode()
    url = reverse("records:attachment", args=[student.pk, attachment.pk])
    assert client.get(url).status_code == 403
    assert selectors.chronology(student, other_key_worker) == []
    assert selectors.attachment_for(student, other_key_worker, attachment.pk) is None
    # The profile they opened is a read; the refused chronology and attachment are not.
    reads = AuditEvent.objects.filter(action__startswith="read.", actor=other_key_worker)
    assert list(reads.values_list("action", flat=True)) == ["read.profile_page"]
