import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from seip.audit.models import AuditEvent
from seip.core import crypto
from seip.keys import crypto as keys_crypto
from seip.organisations.models import OrganisationType
from seip.referrals.models import Consent, ConsentGrant, Referral, ReferralStatus
from seip.referrals.selectors import draft_count, referrals_visible_to
from seip.referrals.services import (
    SignedForm,
    consent_extend,
    consent_withdraw,
    drafts_purge,
    referral_decline,
    referral_draft_create,
    referral_sign,
)
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from seip.students.models import Student


def sign(referral, actor, **overrides):
    values = {
        "referral": referral,
        "signed_by_name": "Sam Example",
        "relationship": "Mother",
        "has_parental_responsibility": True,
        "signed_on": dt.date(2026, 11, 20),
        "notice_version": notice_for(referral.partnership),
        "categories": {OrganisationType.SCHOOL},
        "form": PDF,
        "actor": actor,
    }
    values.update(overrides)
    return referral_sign(**values)


def test_draft_belongs_to_the_partnership_of_the_school(draft, county):
    assert draft.partnership == county.a
    assert draft.status == ReferralStatus.DRAFT


@pytest.mark.promise("P25")
@pytest.mark.parametrize(
    "persona", ["coordinator", "key_worker", "safeguarding_lead", "dpo", "admin"]
)
def test_partnership_staff_cannot_see_a_draft(draft, personas, persona):
    assert not referrals_visible_to(personas[persona]).filter(pk=draft.pk).exists()
    assert not Student.objects.exists()


@pytest.mark.promise("P25")
def test_staff_see_only_a_count_of_drafts(draft, county):
    assert draft_count(county.a) == 1


def test_school_sees_its_own_draft_but_not_another_schools(draft, personas):
    assert referrals_visible_to(personas["school_contact"]).filter(pk=draft.pk).exists()
    assert not referrals_visible_to(personas["school_b"]).filter(pk=draft.pk).exists()


def test_only_the_pupils_school_can_start_a_referral(personas, county):
    with pytest.raises(PermissionDenied):
        referral_draft_create(
            school=county.school_a, pupil=pupil(), carers=carers(), actor=personas["school_b"]
        )
    with pytest.raises(PermissionDenied):
        referral_draft_create(
            school=county.school_a, pupil=pupil(), carers=carers(), actor=personas["coordinator"]
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"upn": "B207000016049"}, "upn"),
        ({"upn": "123"}, "upn"),
        ({"date_of_birth": dt.date(2030, 1, 1)}, "date_of_birth"),
        ({"date_of_birth": dt.date(1990, 1, 1)}, "date_of_birth"),
        ({"nc_year": 3}, "nc_year"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_bad_pupil_details_are_refused_and_nothing_is_written(personas, county, overrides, field):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        referral_draft_create(
            school=county.school_a,
            pupil=pupil(**overrides),
            carers=carers(),
            actor=personas["school_contact"],
        )
    assert field in error.value.message_dict
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_carer_with_parental_responsibility_is_required(personas, county):
    from seip.referrals.services import CarerDetails

    with pytest.raises(ValidationError) as error:
        referral_draft_create(
            school=county.school_a,
            pupil=pupil(),
            carers=[CarerDetails(name="Aunt", relationship="Aunt", parental_responsibility=False)],
            actor=personas["school_contact"],
        )
    assert "carers" in error.value.message_dict
    assert not Referral.objects.exists()


@pytest.mark.promise("P07")
def test_signed_consent_names_the_notice_version_shown(draft, personas, county):
    notice_for(county.a, 1)
    second = notice_for(county.a, 2)
    consent = sign(draft, personas["school_contact"], notice_version=second)
    assert consent.notice_version.number == 2
    assert consent.notice_version.partnership == county.a
    assert consent.choices == {
        "school": True, "local_authority": False, "health": False,
        "alternative_provider": False, "voluntary": False,
    }  # fmt: skip
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SIGNED


@pytest.mark.promise("P07")
def test_consent_cannot_name_another_partnerships_notice(draft, personas, county):
    with pytest.raises(ValidationError) as error:
        sign(draft, personas["school_contact"], notice_version=notice_for(county.b))
    assert "notice_version" in error.value.message_dict
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"signed_by_name": "  "}, "signed_by_name"),
        ({"relationship": ""}, "relationship"),
        ({"has_parental_responsibility": False}, "has_parental_responsibility"),
        ({"signed_on": dt.date(2031, 1, 1)}, "signed_on"),
        ({"form": SignedForm(content=b"<html>", content_type="text/html")}, "form"),
        ({"form": SignedForm(content=b"not a pdf", content_type="application/pdf")}, "form"),
    ],
)
def test_a_consent_with_no_signer_or_bad_form_changes_nothing(draft, personas, overrides, field):
    with pytest.raises(ValidationError) as error:
        sign(draft, personas["school_contact"], **overrides)
    assert field in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT
    assert not Consent.objects.exists()
    assert not ConsentGrant.objects.exists()


def test_signed_form_is_encrypted_at_rest_with_its_hash_kept(signed):
    from django.core.files.storage import default_storage

    consent = signed.consents.get()
    with default_storage.open(consent.form_file, "rb") as handle:
        stored = handle.read()
    assert b"%PDF" not in stored
    assert keys_crypto.read_encrypted_for(signed, consent.form_file) == PDF.content
    assert consent.form_sha256 == crypto.sha256(PDF.content)


def test_a_signed_referral_cannot_be_signed_again(signed, personas):
    with pytest.raises(ValidationError):
        sign(signed, personas["school_contact"])


def test_signed_referral_reaches_the_partnership(signed, personas):
    assert referrals_visible_to(personas["coordinator"]).filter(pk=signed.pk).exists()
    assert not referrals_visible_to(personas["school_b"]).filter(pk=signed.pk).exists()


def test_decline_needs_a_reason_and_the_coordinator(signed, personas):
    with pytest.raises(PermissionDenied):
        referral_decline(referral=signed, reason="Not eligible", actor=personas["key_worker"])
    with pytest.raises(ValidationError):
        referral_decline(referral=signed, reason=" ", actor=personas["coordinator"])
    referral_decline(
        referral=signed, reason="Better met by the school's own plan", actor=personas["coordinator"]
    )
    signed.refresh_from_db()
    assert signed.status == ReferralStatus.DECLINED
    assert not Student.objects.exists()


def test_consent_can_be_extended_with_a_new_signature(signed, personas):
    consent_extend(
        referral=signed,
        signed_by_name="Sam Example",
        relationship="Mother",
        has_parental_responsibility=True,
        signed_on=dt.date(2026, 11, 25),
        notice_version=notice_for(signed.partnership),
        categories={OrganisationType.HEALTH},
        form=None,
        actor=personas["coordinator"],
    )
    live = set(signed.grants.filter(withdrawn_at__isnull=True).values_list("category", flat=True))
    assert live == {"school", "alternative_provider", "health"}
    assert signed.consents.count() == 2


def test_withdrawing_one_category_keeps_the_others(signed, personas):
    consent_withdraw(
        referral=signed, categories={"alternative_provider"}, actor=personas["coordinator"]
    )
    live = set(signed.grants.filter(withdrawn_at__isnull=True).values_list("category", flat=True))
    assert live == {"school"}
    assert signed.grants.get(category="alternative_provider").withdrawn_at is not None


def test_drafts_are_purged_after_the_retention_period(draft):
    from django.utils import timezone

    assert drafts_purge(now=timezone.now()) == 0
    assert drafts_purge(now=timezone.now() + dt.timedelta(days=31)) == 1
    assert not Referral.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.filter(action="referral.drafts_purged").latest("id")
    assert event.detail == {"count": 1, "older_than_days": 30}
    assert event.object_id == ""


def test_purge_keeps_signed_referrals(signed):
    from django.utils import timezone

    assert drafts_purge(now=timezone.now() + dt.timedelta(days=365)) == 0
    assert Referral.objects.filter(pk=signed.pk).exists()


def test_purge_command_reports_only_a_count(draft):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("purge_drafts", stdout=out)
    assert out.getvalue().strip() == "Purged 0 unsigned drafts older than 30 days."
    assert "Jordan" not in out.getvalue()
