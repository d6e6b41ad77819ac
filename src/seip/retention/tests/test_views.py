"""The retention page and its changes: allowed, forbidden (403) and invisible (404)."""

import pytest
from django.urls import reverse

from seip.retention.models import LegalHold, RecordType, RetentionRule
from seip.retention.services import legal_hold_place

pytestmark = [pytest.mark.django_db, pytest.mark.urls("seip.retention.tests.urls")]


def url(name, *args):
    return reverse(f"retention:{name}", args=args)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("dpo", 200),
        ("key_worker", 403),
        ("safeguarding_lead", 403),
        ("school_contact", 403),
        ("provider", 403),
        ("parent", 403),
        ("school_b", 404),
        ("nobody", 404),
    ],
)
def test_who_sees_the_schedule(county, personas, login, persona, status):
    client = login(personas[persona])
    assert client.get(url("schedule", county.a.slug)).status_code == status
    assert client.get(url("ropa", county.a.slug, "md")).status_code == status


def test_the_page_shows_the_live_schedule_and_only_the_dpo_may_change_it(county, personas, login):
    RetentionRule.objects.create(
        partnership=county.a, record_type=RecordType.SEN_FILE, years=33, days=0
    )
    page = login(personas["coordinator"]).get(url("schedule", county.a.slug))
    text = page.content.decode()
    assert "33 years after the date of birth" in text
    assert "25 years after the date of birth" in text
    assert url("rule_edit", county.a.slug, "sen_file") not in text
    assert login(personas["dpo"]).get(url("schedule", county.a.slug)).content.decode().count(
        "Change<span"
    ) == len(RecordType)


@pytest.mark.promise("P17")
def test_the_dpo_changes_a_period_and_others_cannot(county, personas, login):
    target = url("rule_edit", county.a.slug, "pupil_record")
    refused = login(personas["coordinator"]).post(target, {"years": 2, "days": 0})
    assert refused.status_code == 403
    client = login(personas["dpo"])
    assert client.get(target).status_code == 200
    invalid = client.post(target, {"years": "", "days": 0})
    assert invalid.status_code == 200
    assert "Enter the number of years" in invalid.content.decode()
    response = client.post(target, {"years": 21, "days": 10})
    assert response.status_code == 302
    rule = RetentionRule.objects.get(partnership=county.a, record_type="pupil_record")
    assert (rule.years, rule.days, rule.changed_by) == (21, 10, personas["dpo"])
    assert client.get(url("rule_edit", county.a.slug, "nonsense")).status_code == 404


def test_the_dpo_places_and_lifts_a_hold(county, personas, login, case):
    student = case.student
    client = login(personas["dpo"])
    place = url("hold_place", county.a.slug, student.pk)
    assert login(personas["coordinator"]).get(place).status_code == 403
    client = login(personas["dpo"])
    assert client.post(place, {"reason": "Tribunal claim"}).status_code == 302
    hold = LegalHold.objects.get(referral=student.referral, lifted_at__isnull=True)
    assert "Tribunal claim" in client.get(url("schedule", county.a.slug)).content.decode()
    lift = url("hold_lift", county.a.slug, hold.pk)
    assert login(personas["coordinator"]).post(lift).status_code == 403
    client = login(personas["dpo"])
    assert client.post(lift).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == personas["dpo"]


def test_a_hold_on_another_partnerships_student_is_invisible(county, personas, login, case):
    hold = legal_hold_place(
        student_or_referral=case.student, reason="Inquiry", actor=personas["dpo"]
    )
    client = login(personas["dpo"])
    assert client.post(url("hold_lift", county.b.slug, hold.pk)).status_code == 404
    assert client.get(url("hold_place", county.b.slug, case.student.pk)).status_code == 404


def test_ropa_downloads_as_csv(county, personas, login):
    response = login(personas["dpo"]).get(url("ropa", county.a.slug, "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "Bridgeway AP" in response.content.decode()
