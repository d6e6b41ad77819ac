"""Accepting a referral carries what the school wrote into the record (issue 19, P11):
the parents and carers become contacts, and the reasons, the support tried and the
school's summaries are shown on the record, each with its source."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.keys.tests import sealed
from seip.organisations.models import OrganisationType
from seip.records.models import Contact
from seip.records.selectors import panel_context
from seip.records.services import referral_accept
from seip.referrals.models import ReferralStatus
from seip.referrals.services import CarerDetails, referral_draft_create
from seip.referrals.tests.factories import pupil
from seip.referrals.tests.test_referral_services import sign
from seip.sharing.services import involvement_create
from seip.students.sources import SourceKind

TWO_CARERS = [
    CarerDetails(
        name="Sam Example", relationship="Mother", parental_responsibility=True,
        phone="07700 900123", email="sam@example.test",
    ),
    CarerDetails(name="Alex Example", relationship="Grandfather", parental_responsibility=False),
]  # fmt: skip


@pytest.fixture
def signed_two_carers(personas, county):
    referral = referral_draft_create(
        school=county.school_a, pupil=pupil(), carers=TWO_CARERS, actor=personas["school_contact"]
    )
    sign(
        referral,
        personas["school_contact"],
        categories={OrganisationType.SCHOOL, OrganisationType.ALTERNATIVE_PROVIDER},
    )
    referral.refresh_from_db()
    return referral


def accept(referral, actor):
    return referral_accept(
        referral=referral, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=actor,
    )  # fmt: skip


@pytest.mark.promise("P11")
def test_accepting_carries_the_contacts_with_their_source(signed_two_carers, personas, county):
    case = accept(signed_two_carers, personas["coordinator"])
    signed_on = timezone.localdate(signed_two_carers.signed_at)
    contacts = list(case.student.contacts.order_by("priority"))
    assert [(c.name, c.relationship, c.parental_responsibility, c.priority) for c in contacts] == [
        ("Sam Example", "Mother", True, 1),
        ("Alex Example", "Grandfather", False, 2),
    ]
    first = contacts[0]
    assert (first.phone, first.email) == ("07700 900123", "sam@example.test")
    for contact in contacts:
        assert contact.source_kind == SourceKind.SCHOOL_ENTRY
        assert contact.source_organisation == county.school_a.organisation
        assert contact.source_note == "The signed referral form"
        assert contact.obtained_on == signed_on
        assert contact.source_label == "School (entered): Alpha Academy"
    # Names and contact details are sealed under the child's key like any contact (P14).
    sealed.assert_sealed(Contact, first.pk, ["name"], "Sam Example")
    event = AuditEvent.objects.get(action="records.contacts.from_referral")
    assert event.detail == {"contacts": 2, "referral": signed_two_carers.pk}


@pytest.mark.promise("P11")
def test_the_record_shows_reasons_support_and_summaries_with_their_source(
    signed_two_carers, personas
):
    case = accept(signed_two_carers, personas["coordinator"])
    records = panel_context(case.student, personas["coordinator"])["records"]
    signed_on = timezone.localdate(signed_two_carers.signed_at)
    assert [(f.label, f.text) for f in records["background"]] == [
        ("Reasons for referral", "Repeated suspensions this term."),
        ("Support already tried", "Mentoring in school; report card."),
        ("Attendance (the school's summary)", "86% this year"),
        ("Behaviour (the school's summary)", "Two suspensions"),
    ]
    for fact in records["background"]:
        assert fact.source == "School (entered): Alpha Academy (the signed referral form)"
        assert fact.obtained_on == signed_on
    assert [c.name for c in records["contacts"]] == ["Sam Example", "Alex Example"]


def test_the_record_page_no_longer_says_no_contacts(signed_two_carers, personas, login):
    case = accept(signed_two_carers, personas["coordinator"])
    body = (
        login(personas["coordinator"])
        .get(reverse("students:detail", args=[case.student_id]))
        .content.decode()
    )
    assert "No contacts recorded yet" not in body
    assert "Alex Example" in body
    assert "Repeated suspensions this term." in body
    assert "School (entered): Alpha Academy (the signed referral form)" in body


@pytest.mark.promise("P08")
def test_the_reasons_are_shown_to_the_school_on_roll_not_to_a_provider(
    signed_two_carers, personas, county
):
    case = accept(signed_two_carers, personas["coordinator"])
    school = panel_context(case.student, personas["school_contact"])["records"]
    assert len(school["background"]) == 4
    # The provider reaches Jordan through a live involvement, and sees the record's
    # contacts, but not why the school referred him.
    involvement_create(
        student=case.student, organisation=county.provider, purpose="Alternative provision",
        starts_on=timezone.localdate(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip
    provider = panel_context(case.student, personas["provider"])["records"]
    assert provider["background"] == []
    assert provider["access"].organisation_types == {"alternative_provider"}


def test_the_accept_page_carries_the_contacts(signed_two_carers, personas, login):
    response = login(personas["coordinator"]).post(
        reverse("referrals:accept", args=[signed_two_carers.pk]), {"tier": "2"}
    )
    assert response.status_code == 302
    signed_two_carers.refresh_from_db()
    assert signed_two_carers.status == ReferralStatus.ACCEPTED
    assert signed_two_carers.student.contacts.count() == 2


def test_only_the_coordinator_accepts_and_nothing_is_carried_otherwise(signed_two_carers, personas):
    with pytest.raises(PermissionDenied):
        accept(signed_two_carers, personas["key_worker"])
    assert not Contact.objects.exists()
