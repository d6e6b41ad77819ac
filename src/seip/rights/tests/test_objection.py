"""Objection (P20) and erasure on request (P22): an objection restricts processing at
once (no sharing, no transfer, out of new reports) until the DPO's balancing decision;
an upheld objection or an erasure request lets the DPO erase from the request page."""

import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from seip.conftest import signed_in
from seip.keys import crypto
from seip.retention.models import Erasure, ErasureGround
from seip.rights.models import (
    RequestType,
    Restriction,
    RestrictionOutcome,
    RightsRequest,
    Status,
)
from seip.rights.objections import objection_decide, request_erase
from seip.rights.selectors import restricted_student_ids
from seip.rights.services import rights_complete, rights_request_portal, rights_withdraw
from seip.rights.tests.conftest import make_request
from seip.sharing.selectors import live_involvements, sharing_refusal
from seip.sharing.services import involvement_create
from seip.students.models import Student
from seip.transfers.services import TransferRefused, transfer_export

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _own_master_key(settings):
    settings.MASTER_KEYS = [("test-1", os.urandom(32))]
    crypto.cache_clear()
    yield
    crypto.cache_clear()


@pytest.fixture
def involved(student, county, personas):
    """The provider has a live involvement: it sees Jordan's record."""
    involvement_create(
        student=student, organisation=county.provider, purpose="Farm site",
        starts_on=TODAY(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip
    return student


def ask(county, student, personas, type, **overrides):
    values = {
        "partnership": county.a, "student": student, "actor": personas["coordinator"],
        "identity": True, "received_on": TODAY(), "type": type,
        "parental_responsibility_how": "Named on the referral",
    }  # fmt: skip
    values.update(overrides)
    return make_request(**values)


def record_status(client, student):
    return client.get(reverse("students:detail", args=[student.pk])).status_code


@pytest.mark.promise("P20")
def test_an_objection_restricts_processing_at_once_and_compelling_grounds_restore_it(
    involved, county, personas, login, tmp_path
):
    provider = login(personas["provider"])
    assert record_status(provider, involved) == 200
    school = Client()
    signed_in(school, personas["school_contact"])
    assert record_status(school, involved) == 200

    objection = ask(county, involved, personas, RequestType.OBJECTION)

    assert record_status(provider, involved) == 404  # at once, in the query
    assert record_status(school, involved) == 404  # the school on roll too
    assert not live_involvements().filter(student=involved).exists()
    assert "restricted because of an objection" in sharing_refusal(involved, county.provider)
    with pytest.raises(TransferRefused, match="restricted because of an objection"):
        transfer_export(student=involved, organisation=county.provider, purpose="Placement",
                        actor=personas["coordinator"], out=tmp_path)  # fmt: skip
    assert involved.pk in set(restricted_student_ids())

    with pytest.raises(PermissionDenied):  # the balancing decision is the DPO's
        objection_decide(request=objection, upheld=False, reasons="x",
                         actor=personas["coordinator"])  # fmt: skip
    with pytest.raises(ValidationError, match="balancing decision first"):
        rights_complete(request=objection, completed_on=TODAY(), outcome_notes="done",
                        actor=personas["coordinator"])  # fmt: skip

    objection_decide(request=objection, upheld=False, reasons="Needed to keep Jordan safe",
                     actor=personas["dpo"])  # fmt: skip

    assert record_status(provider, involved) == 200
    assert record_status(school, involved) == 200
    assert sharing_refusal(involved, county.provider) is None
    assert involved.pk not in set(restricted_student_ids())
    objection.refresh_from_db()
    assert objection.status == Status.REFUSED
    assert Restriction.objects.get(request=objection).outcome == RestrictionOutcome.COMPELLING


@pytest.mark.promise("P20")
def test_a_withdrawn_objection_lifts_the_restriction(involved, county, personas):
    objection = ask(county, involved, personas, RequestType.OBJECTION)
    rights_withdraw(request=objection, withdrawn_on=TODAY(), note="", actor=personas["coordinator"])
    assert live_involvements().filter(student=involved).exists()
    assert Restriction.objects.get(request=objection).outcome == RestrictionOutcome.WITHDRAWN


@pytest.mark.promise("P20")
@pytest.mark.promise("P22")
def test_an_upheld_objection_keeps_processing_stopped_and_lets_the_dpo_erase(
    involved, county, personas, login, django_capture_on_commit_callbacks
):
    objection = ask(county, involved, personas, RequestType.OBJECTION)
    dpo = login(personas["dpo"])
    erase = reverse("rights:erase", args=[objection.pk])
    assert "Erasure is not available" in dpo.get(erase).text  # not before the decision

    response = dpo.post(
        reverse("rights:objection", args=[objection.pk]),
        {"outcome": "upheld", "reasons": "No compelling grounds"},
    )
    assert response.status_code == 302
    assert involved.pk in set(restricted_student_ids())  # still stopped
    assert not live_involvements().filter(student=involved).exists()
    assert (
        reverse("rights:erase", args=[objection.pk])
        in dpo.get(reverse("rights:detail", args=[objection.pk])).text
    )
    assert signed_in(Client(), personas["coordinator"]).get(erase).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = dpo.post(erase, {"decision": "erase", "ground": "objection_upheld"})
    assert response.status_code == 302
    erasure = Erasure.objects.get()
    assert erasure.ground == ErasureGround.OBJECTION_UPHELD
    assert erasure.request_reference == f"RR-{objection.pk}"
    assert not Student.objects.filter(pk=involved.pk).exists()
    objection = RightsRequest.objects.get(pk=objection.pk)  # the request survives
    assert objection.student is None
    assert objection.status == Status.COMPLETED


@pytest.mark.promise("P22")
def test_an_erasure_request_is_refused_or_erased_on_a_ground_by_the_dpo(
    student, county, personas, login, django_capture_on_commit_callbacks
):
    request = ask(county, student, personas, RequestType.ERASURE)
    dpo = login(personas["dpo"])
    page = reverse("rights:erase", args=[request.pk])
    response = dpo.post(page, {"decision": "refuse", "reason": ""})
    assert response.status_code == 200
    assert "Give the reason for refusing" in response.text
    with pytest.raises(ValidationError):  # consent is not a ground under public task
        request_erase(request=request, ground="consent_withdrawn", actor=personas["dpo"])
    with pytest.raises(PermissionDenied):
        request_erase(request=request, ground="no_longer_needed", actor=personas["coordinator"])

    with django_capture_on_commit_callbacks(execute=True):
        response = dpo.post(page, {"decision": "erase", "ground": "no_longer_needed"})
    assert response.status_code == 302
    assert Erasure.objects.get().request_reference == f"RR-{request.pk}"
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.student is None


@pytest.mark.promise("P22")
def test_nothing_is_erased_when_the_request_cannot_be_completed(student, county, personas):
    request = ask(county, student, personas, RequestType.ERASURE, identity=False)
    with pytest.raises(ValidationError, match="identity"):
        request_erase(request=request, ground="no_longer_needed", actor=personas["dpo"])
    assert Student.objects.filter(pk=student.pk).exists()
    assert not Erasure.objects.exists()


@pytest.mark.promise("P22")
def test_a_refused_erasure_request_keeps_the_record(student, county, personas, login):
    request = ask(county, student, personas, RequestType.ERASURE)
    response = login(personas["dpo"]).post(
        reverse("rights:erase", args=[request.pk]),
        {"decision": "refuse", "reason": "Held under public task; no ground applies"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REFUSED
    assert Student.objects.filter(pk=student.pk).exists()


@pytest.mark.promise("P20")
def test_an_objection_made_in_the_portal_restricts_at_once(linked, county, personas):
    involvement_create(
        student=linked, organisation=county.provider, purpose="Farm site",
        starts_on=TODAY(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip
    rights_request_portal(
        student=linked, type=RequestType.OBJECTION, details="", actor=personas["parent"]
    )
    assert not live_involvements().filter(student=linked).exists()
    assert linked.pk in set(restricted_student_ids())
