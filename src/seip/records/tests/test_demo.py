import pytest

from seip.audit.models import AuditEvent
from seip.keys import crypto
from seip.records.demo import build_history
from seip.records.models import (
    CaseNote,
    Contact,
    Need,
    SafeguardingConcern,
    StudentAgency,
    SupportPlan,
    Target,
)
from seip.records.services import NOTE_TEXT


def snapshot():
    # Details and contacts are sealed (P14): read through the models, not values_list.
    return (
        sorted((n.kind, n.code.code, n.detail) for n in Need.objects.select_related("code")),
        sorted((c.name, c.relationship, c.priority) for c in Contact.objects.all()),
        sorted(Target.objects.values_list("domain", "due_on", "status")),
        sorted(CaseNote.objects.values_list("kind", "happened_on")),
    )


def wipe():
    for model in (Target, SupportPlan, CaseNote, SafeguardingConcern, StudentAgency, Contact):
        model.objects.all().delete()
    Need.objects.all().delete()


@pytest.mark.django_db
def test_build_history_gives_a_full_profile(case, personas):
    build_history([case.student], seed=7)
    student = case.student
    kinds = set(student.needs.values_list("kind", flat=True))
    assert {"sen_provision", "eal", "looked_after", "fsm", "fsm6"} <= kinds
    assert 1 <= student.contacts.count() <= 2
    assert student.contacts.filter(parental_responsibility=True).exists()
    assert Target.objects.filter(plan__student=student).count() == 3
    notes = list(student.case_notes.all())
    assert 3 <= len(notes) <= 10
    assert crypto.decrypt_for(
        student.referral_id, bytes(notes[0].text_encrypted), aad=NOTE_TEXT,
        row=crypto.row_id(notes[0]),
    )  # fmt: skip
    assert AuditEvent.objects.get(action="demo.records").detail == {"students": 1}


@pytest.mark.django_db
def test_build_history_is_deterministic_and_idempotent(case):
    build_history([case.student], seed=3)
    first = snapshot()
    build_history([case.student], seed=3)
    assert snapshot() == first
    wipe()
    build_history([case.student], seed=3)
    assert snapshot() == first
