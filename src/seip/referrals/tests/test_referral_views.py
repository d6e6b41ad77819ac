import pytest
from django.urls import reverse

from seip.referrals.models import Referral, ReferralStatus
from seip.referrals.tests.factories import notice_for
from seip.students.models import Student

NEW = reverse("referrals:new")


def referral_post(**overrides):
    data = {
        "upn": "B801200005001",
        "first_name": "Jordan",
        "last_name": "Example",
        "date_of_birth": "2012-03-14",
        "sex": "M",
        "nc_year": "9",
        "reasons": "Repeated suspensions.",
        "support_tried": "Mentoring.",
        "attendance_summary": "",
        "behaviour_summary": "",
        "requested_tier": "2",
        "carer_1_name": "Sam Example",
        "carer_1_relationship": "Mother",
        "carer_1_parental_responsibility": "on",
        "carer_1_phone": "",
        "carer_1_email": "",
        "carer_2_name": "",
        "carer_2_relationship": "",
    }
    data.update(overrides)
    return data


def test_school_contact_starts_a_draft(login, personas, county):
    response = login(personas["school_contact"]).post(NEW, referral_post())
    referral = Referral.objects.get()
    assert response.url == reverse("referrals:detail", args=[referral.pk])
    assert referral.school == county.school_a
    assert referral.status == ReferralStatus.DRAFT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"upn": "B207000016049"}, "check letter is wrong: B should be P"),
        ({"date_of_birth": "2031-01-01"}, "Date of birth must be in the past"),
        ({"carer_1_parental_responsibility": ""}, "must hold parental responsibility"),
        ({"first_name": ""}, "Enter the pupil&#x27;s first name"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_saved(login, personas, overrides, message):
    response = login(personas["school_contact"]).post(NEW, referral_post(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in body
    assert not Referral.objects.exists()


@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "parent", "provider"])
def test_only_school_contacts_start_referrals(login, personas, persona):
    assert login(personas[persona]).get(NEW).status_code == 403


@pytest.mark.promise("P25")
@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "dpo", "school_b", "la_officer"])
def test_a_draft_is_invisible_to_the_partnership_and_other_schools(login, personas, draft, persona):
    client = login(personas[persona])
    assert client.get(reverse("referrals:detail", args=[draft.pk])).status_code == 404
    assert "Jordan" not in client.get(reverse("referrals:list")).content.decode()


@pytest.mark.promise("P25")
def test_the_partnership_sees_only_how_many_drafts_there_are(login, personas, draft):
    body = login(personas["coordinator"]).get(reverse("referrals:list")).content.decode()
    assert "1 unsigned draft" in body
    assert "Jordan" not in body
    assert "B801200005001" not in body


def test_school_records_the_signature_with_a_scan(login, personas, draft, county):
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = notice_for(county.a)
    response = login(personas["school_contact"]).post(
        reverse("referrals:sign", args=[draft.pk]),
        {
            "signed_by_name": "Sam Example",
            "relationship": "Mother",
            "has_parental_responsibility": "on",
            "signed_on": "2026-11-20",
            "notice_version": str(version.pk),
            "categories": ["school", "health"],
            "form_file": SimpleUploadedFile(
                "form.pdf", b"%PDF-1.4 scan", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SIGNED
    assert draft.consents.get().notice_version == version


def test_a_signature_without_a_signer_is_refused_on_the_page(login, personas, draft, county):
    response = login(personas["school_contact"]).post(
        reverse("referrals:sign", args=[draft.pk]),
        {"signed_on": "2026-11-20", "notice_version": str(notice_for(county.a).pk)},
    )
    body = response.content.decode()
    assert "Enter the name of the person who signed the form" in body
    assert "Consent must be signed by someone with parental responsibility" in body
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT


def test_coordinator_accepts_and_lands_on_the_student(login, personas, signed):
    client = login(personas["coordinator"])
    assert "Jordan" in client.get(reverse("referrals:detail", args=[signed.pk])).content.decode()
    response = client.post(reverse("referrals:accept", args=[signed.pk]), {"tier": "2"})
    student = Student.objects.get()
    assert response.url == reverse("students:detail", args=[student.pk])


def test_tier_4_without_risk_assessment_shows_the_reason(login, personas, signed):
    response = login(personas["coordinator"]).post(
        reverse("referrals:accept", args=[signed.pk]), {"tier": "4"}
    )
    assert "Tier 4 needs a completed risk assessment" in response.content.decode()
    assert not Student.objects.exists()


@pytest.mark.parametrize("persona", ["key_worker", "dpo", "school_contact"])
def test_only_the_coordinator_decides(login, personas, signed, persona):
    client = login(personas[persona])
    assert client.get(reverse("referrals:accept", args=[signed.pk])).status_code == 403
    assert (
        client.post(
            reverse("referrals:decline", args=[signed.pk]), {"decline_reason": "x"}
        ).status_code
        == 403
    )


def test_decline_with_reason(login, personas, signed):
    client = login(personas["coordinator"])
    client.post(
        reverse("referrals:decline", args=[signed.pk]), {"decline_reason": "Met by school plan"}
    )
    signed.refresh_from_db()
    assert signed.status == ReferralStatus.DECLINED


def test_signed_form_download_is_decrypted_for_the_coordinator_only(login, personas, signed):
    consent = signed.consents.get()
    url = reverse("referrals:signed_form", args=[signed.pk, consent.pk])
    response = login(personas["coordinator"]).get(url)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"


def test_key_worker_cannot_download_the_signed_form(login, personas, signed):
    consent = signed.consents.get()
    url = reverse("referrals:signed_form", args=[signed.pk, consent.pk])
    assert login(personas["key_worker"]).get(url).status_code == 403
