"""Free text about a child and every contact detail are sealed under the child's own key
(P14): the database holds ciphertext, and the model reads the text back."""

import pytest
from django.utils import timezone

from seip.keys.tests.sealed import assert_sealed, raw
from seip.records import services
from seip.records.models import BreakGlassAccess, Contact, Need, StudentAgency, Target
from seip.records.tests.factories import ConcernFactory, PlanFactory, school_source

SENTENCE = "Marnie Quelch-Obadiah lives at 17 Larkspur Row with her nan"


@pytest.mark.promise("P14")
def test_contacts_details_agencies_targets_and_reasons_are_sealed(active_case, personas):
    student = active_case.student
    actor = personas["key_worker"]
    contact = services.contact_add(
        student=student, name=SENTENCE, relationship=SENTENCE, parental_responsibility=True,
        phone="07700 987654", email="marnie.quelch@example.test", address=SENTENCE,
        source=school_source(), actor=actor,
    )  # fmt: skip
    assert_sealed(Contact, contact.pk, ["name", "relationship", "address"], SENTENCE)
    assert b"987654" not in raw(Contact, contact.pk, "phone")
    assert b"quelch" not in raw(Contact, contact.pk, "email")
    assert Contact.objects.get(pk=contact.pk).email == "marnie.quelch@example.test"
    need = services.need_record(
        student=student, kind="eal", code="Y", detail=SENTENCE, source=school_source(),
        actor=actor,
    )  # fmt: skip
    assert_sealed(Need, need.pk, ["detail"], SENTENCE)
    corrected = services.correct_fact(
        fact=need, code="Y", detail="Polish", source=school_source(), reason=SENTENCE,
        actor=actor,
    )  # fmt: skip
    assert_sealed(Need, corrected.pk, ["correction_reason"], SENTENCE)
    agency = services.agency_add(
        student=student, organisation=None, organisation_name=SENTENCE, worker_name=SENTENCE,
        role=SENTENCE, source=school_source(), actor=actor,
    )  # fmt: skip
    assert_sealed(StudentAgency, agency.pk, ["organisation_name", "worker_name", "role"], SENTENCE)
    target = services.target_add(
        plan=PlanFactory(student=student), domain="attendance", description=SENTENCE,
        measure=SENTENCE, due_on=timezone.localdate(), actor=actor,
    )  # fmt: skip
    assert_sealed(Target, target.pk, ["description", "measure"], SENTENCE)


@pytest.mark.promise("P14")
def test_a_break_glass_reason_is_sealed(active_case, personas):
    student = active_case.student
    ConcernFactory(student=student, raised_by=personas["safeguarding_lead"])
    services.concern_break_glass(student=student, reason=SENTENCE, actor=personas["key_worker"])
    access = BreakGlassAccess.objects.get()
    assert_sealed(BreakGlassAccess, access.pk, ["reason"], SENTENCE)
