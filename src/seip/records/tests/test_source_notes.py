"""A fact's source note is free text staff may type ("told by her nan at the gate"), so on
every model that records where a fact came from (``Sourced``) it is sealed under the
child's own key (P14): the database holds ciphertext, and the model reads the text back,
whichever way the row was written and however the model reaches its child."""

import datetime as dt

import pytest
from django.apps import apps

from seip.attendance.marks import empty_year
from seip.attendance.models import AttendanceYear
from seip.behaviour.tests.factories import (
    AttitudeRatingFactory,
    ExclusionFactory,
    IncidentFactory,
    ResultFactory,
)
from seip.keys.fields import SealedCharField, SealedQueryError, seal_bulk_create
from seip.keys.tests import sealed
from seip.provision.models import InterventionType
from seip.provision.tests.factories import InterventionFactory, PlacementFactory, ReviewFactory
from seip.records import services
from seip.records.models import Need
from seip.records.tests.factories import AgencyFactory, ContactFactory, school_source
from seip.students.sources import Sourced, SourceKind

SENTENCE = "Told by Marnie Quelch-Obadiah's nan at the gate"


def assert_sealed(row) -> None:
    sealed.assert_sealed(type(row), row.pk, ["source_note"], SENTENCE)


def sourced_models() -> set[type]:
    return {
        model
        for model in apps.get_models()
        if issubclass(model, Sourced) and not model._meta.abstract
    }


def test_every_sourced_model_seals_its_note():
    for model in sourced_models():
        field = model._meta.get_field("source_note")
        assert isinstance(field, SealedCharField), model
        assert (field.max_length, field.blank) == (200, True), model


@pytest.mark.promise("P14")
def test_source_notes_are_sealed_under_the_childs_key(active_case, personas):
    student = active_case.student
    note = {"source_note": SENTENCE}
    need = services.need_record(
        student=student, kind="eal", code="Y", detail="Polish", source=school_source(note=SENTENCE),
        actor=personas["key_worker"],
    )  # fmt: skip
    intervention = InterventionFactory(
        student=student, type=InterventionType.AP_PLACEMENT, source_note=SENTENCE
    )
    placement = PlacementFactory(intervention=intervention)
    rows = [
        need,
        ContactFactory(student=student, **note),
        AgencyFactory(student=student, **note),
        IncidentFactory(student=student, **note),
        ExclusionFactory(student=student, **note),
        AttitudeRatingFactory(student=student, **note),
        ResultFactory(student=student, **note),
        intervention,
        # A review reaches its child through the placement's intervention.
        ReviewFactory(placement=placement, **note),
    ]
    year = AttendanceYear(
        student=student, school=student.school, academic_year=2025, marks=empty_year(2025),
        source_kind=SourceKind.SCHOOL_IMPORT, obtained_on=dt.date(2025, 12, 1), **note,
    )  # fmt: skip
    # Written in bulk, as the demo and the CTF import write attendance.
    rows += seal_bulk_create(AttendanceYear, [year])
    assert {type(row) for row in rows} == sourced_models()
    for row in rows:
        assert_sealed(row)
    # The database cannot compare the text: a filter on it is refused, not silently empty.
    with pytest.raises(SealedQueryError):
        Need.objects.filter(source_note=SENTENCE).exists()
    assert not Need.objects.filter(pk=need.pk, source_note="").exists()


@pytest.mark.promise("P14")
def test_a_newer_source_seals_its_note_again(active_case, personas):
    contact = ContactFactory(student=active_case.student, source_note="first")
    changed = services.contact_update(
        contact=contact, changes={"phone": "07700 900999"},
        source=school_source(note=SENTENCE), actor=personas["key_worker"],
    )  # fmt: skip
    assert changed == ["phone"]
    assert_sealed(contact)
