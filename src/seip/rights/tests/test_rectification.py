"""Rectification (P19): a request becomes proposed corrections, a staff decision applies
an approved one through the record's own service (keeping the value before and after),
and every organisation that received the old value is listed and its notice recorded."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.behaviour.models import Incident, IncidentCategory
from seip.behaviour.services import incident_record
from seip.records.models import Need
from seip.records.services import need_record
from seip.records.tests.factories import school_source
from seip.rights.corrections import (
    correction_decide,
    correction_notice_record,
    correction_propose,
    organisations_to_tell,
)
from seip.rights.models import Decision, NoticeMethod, RectificationNotice, RequestType
from seip.rights.tests.conftest import make_request
from seip.sharing.models import Disclosure, DisclosureKind
from seip.sharing.services import disclosure_record, involvement_create

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
OBTAINED = TODAY() - dt.timedelta(days=20)


@pytest.fixture
def need(student, personas):
    return need_record(
        student=student, kind="sen_primary", code="SEMH",
        source=school_source(obtained_on=OBTAINED), actor=personas["coordinator"],
    )  # fmt: skip


@pytest.fixture
def rectification(county, student, personas):
    return make_request(
        partnership=county.a, student=student, actor=personas["coordinator"], identity=True,
        received_on=TODAY(), type=RequestType.RECTIFICATION,
        details="Jordan's need is wrong.", parental_responsibility_how="Named on the referral",
    )  # fmt: skip


@pytest.fixture
def disclosed(student, county, personas):
    """The provider received the record after the need was obtained; the school saw it
    only before, so it never saw the wrong value."""
    involvement_create(
        student=student, organisation=county.provider, purpose="Farm site",
        starts_on=TODAY(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip
    disclosure_record(
        actor=personas["provider"], student=student, organisation=county.provider,
        kind=DisclosureKind.VIEW, purpose="Farm site",
    )  # fmt: skip
    old = disclosure_record(
        actor=personas["school_contact"], student=student,
        organisation=county.school_a.organisation, kind=DisclosureKind.VIEW, purpose="On roll",
    )  # fmt: skip
    Disclosure.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))


def propose_code(rectification, need, actor, value="MLD"):
    return correction_propose(
        request=rectification, fact=("records", "need", need.pk, "code"), description="",
        proposed_value=value, reason="The assessment found MLD", actor=actor,
    )  # fmt: skip


@pytest.mark.promise("P19")
def test_an_approved_correction_goes_through_the_service_and_keeps_both_values(
    rectification, need, disclosed, personas, county
):
    coordinator = personas["coordinator"]
    correction = propose_code(rectification, need, coordinator)
    assert correction.obtained_on == OBTAINED
    assert Need.objects.get(pk=need.pk).superseded_at is None  # nothing changes yet

    correction_decide(correction=correction, approve=True, reason="Report seen", actor=coordinator)

    correction.refresh_from_db()
    old = Need.objects.get(pk=need.pk)
    new = Need.objects.get(student=need.student, kind="sen_primary", superseded_at__isnull=True)
    assert old.superseded_by == new
    assert old.code.code == "SEMH"
    assert new.code.code == "MLD"
    assert new.correction_reason == "Report seen"
    assert correction.decision == Decision.APPROVED
    assert correction.value_before.startswith("SEMH")
    assert correction.value_after.startswith("MLD")
    assert AuditEvent.objects.filter(action="records.need.correct").exists()

    # Art 19: the provider received the record after the value was obtained; the school
    # only before, so only the provider is listed.
    assert list(organisations_to_tell(correction)) == [county.provider]
    with pytest.raises(ValidationError):
        correction_notice_record(
            correction=correction, organisation=county.school_a.organisation,
            method=NoticeMethod.EMAIL, note="", actor=coordinator,
        )  # fmt: skip
    correction_notice_record(correction=correction, organisation=county.provider,
                             method=NoticeMethod.EMAIL, note="", actor=coordinator)  # fmt: skip
    with pytest.raises(ValidationError, match="already been told"):
        correction_notice_record(correction=correction, organisation=county.provider,
                                 method=NoticeMethod.EMAIL, note="", actor=coordinator)  # fmt: skip

    details = " ".join(
        str(e.detail) for e in AuditEvent.objects.filter(action__startswith="rights.correction")
    )
    assert "MLD" not in details
    assert "SEMH" not in details
    assert "assessment" not in details


@pytest.mark.promise("P19")
def test_a_rejected_correction_changes_nothing_and_tells_nobody(
    rectification, need, disclosed, personas
):
    correction = propose_code(rectification, need, personas["coordinator"])
    correction_decide(
        correction=correction, approve=False, reason="The school's assessment stands",
        actor=personas["dpo"],
    )  # fmt: skip
    assert Need.objects.get(pk=need.pk).superseded_at is None
    with pytest.raises(ValidationError, match="Only an approved"):
        correction_notice_record(
            correction=correction, organisation=correction.request.student.involvements.get()
            .organisation, method=NoticeMethod.EMAIL, note="", actor=personas["coordinator"],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="already been decided"):
        correction_decide(correction=correction, approve=True, reason="x",
                          actor=personas["coordinator"])  # fmt: skip


@pytest.mark.promise("P19")
def test_the_dpo_cannot_apply_a_change_to_the_record(rectification, need, personas):
    """The DPO decides but may not write to records: applying needs the co-ordinator."""
    correction = propose_code(rectification, need, personas["coordinator"])
    with pytest.raises(PermissionDenied, match="co-ordinator"):
        correction_decide(correction=correction, approve=True, reason="ok", actor=personas["dpo"])
    correction.refresh_from_db()
    assert correction.decision == Decision.PENDING
    assert Need.objects.get(pk=need.pk).superseded_at is None


@pytest.mark.promise("P19")
def test_a_behaviour_fact_is_corrected_in_place_with_the_values_kept_on_the_correction(
    rectification, student, personas
):
    coordinator = personas["coordinator"]
    incident = incident_record(
        student=student, occurred_on=TODAY() - dt.timedelta(days=3),
        category=IncidentCategory.values[0], severity=3, description="Left the lesson",
        actor=coordinator,
    )  # fmt: skip
    correction = correction_propose(
        request=rectification, fact=("behaviour", "incident", incident.pk, "severity"),
        description="", proposed_value="1", reason="It was minor", actor=coordinator,
    )  # fmt: skip
    correction_decide(correction=correction, approve=True, reason="Agreed", actor=coordinator)
    correction.refresh_from_db()
    assert Incident.objects.get(pk=incident.pk).severity == 1
    assert (correction.value_before, correction.value_after) == ("3", "1")


def test_a_fact_of_another_student_or_an_unknown_field_is_refused(rectification, need, personas):
    with pytest.raises(ValidationError):
        correction_propose(
            request=rectification, fact=("records", "need", need.pk, "kind"), description="",
            proposed_value="x", reason="", actor=personas["coordinator"],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        correction_propose(
            request=rectification, fact=("records", "need", need.pk + 999, "code"),
            description="", proposed_value="MLD", reason="", actor=personas["coordinator"],
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        propose_code(rectification, need, personas["key_worker"])


@pytest.mark.promise("P19")
def test_the_pages_propose_decide_and_record_who_was_told(
    rectification, need, disclosed, personas, county, login
):
    client = login(personas["coordinator"])
    detail = client.get(reverse("rights:detail", args=[rectification.pk]))
    assert reverse("rights:corrections", args=[rectification.pk]) in detail.text
    page = reverse("rights:corrections", args=[rectification.pk])
    response = client.post(page, {
        "fact": f"records.need:{need.pk}", "field": "code", "description": "",
        "proposed_value": "MLD", "reason": "Wrong type",
    })  # fmt: skip
    assert response.status_code == 302
    correction = rectification.corrections.get()
    decide = reverse("rights:correction_decide", args=[rectification.pk, correction.pk])
    response = client.post(decide, {"decision": "approve", "reason": "Agreed"})
    notices = reverse("rights:correction_notices", args=[rectification.pk, correction.pk])
    assert response.status_code == 302
    assert response.url == notices
    page = client.get(notices)
    assert county.provider.name in page.text
    assert county.school_a.organisation.name not in page.text
    response = client.post(notices, {"organisation": county.provider.pk, "method": "letter"})
    assert response.status_code == 302
    assert RectificationNotice.objects.get().method == NoticeMethod.LETTER
    assert "Record that they were told" not in client.get(notices).text


@pytest.mark.promise("P19")
def test_the_dpo_is_told_on_the_form_to_ask_the_coordinator(rectification, need, personas, login):
    correction = propose_code(rectification, need, personas["coordinator"])
    page = reverse("rights:correction_decide", args=[rectification.pk, correction.pk])
    response = login(personas["dpo"]).post(page, {"decision": "approve", "reason": "ok"})
    assert response.status_code == 200
    assert "co-ordinator" in response.text
    correction.refresh_from_db()
    assert correction.decision == Decision.PENDING
