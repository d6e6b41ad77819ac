"""Concerns to the DPO (P23): anyone may raise one, signed in or not; the DPO is told in
the app and by email, and acknowledgement within 30 days and the response are tracked."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AnonymousEvent, AuditEvent
from seip.concerns.models import MAX_TEXT, Concern, RaisedVia
from seip.concerns.services import (
    concern_acknowledge,
    concern_raise_portal,
    concern_raise_public,
    concern_respond,
)
from seip.conftest import signed_in
from seip.progress.models import PortalLink, PortalRelationship

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
FORM = {
    "name": "Alex Member",
    "contact": "alex@example.test",
    "what_happened": "A letter about my son went to the wrong house.",
}


def raise_one(county, **overrides):
    values = {"partnership": county.a, **FORM, **overrides}
    return concern_raise_public(**values)


@pytest.mark.promise("P23")
def test_the_public_raises_a_concern_without_signing_in_and_the_dpo_is_told(
    county, personas, django_capture_on_commit_callbacks
):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("concerns:public_new"))
    assert page.status_code == 200
    # The ICO's details and the DPO route are shown, with the warning about detail.
    assert "0303 123 1113" in page.text
    assert county.a.dpo_route in page.text
    assert "Do not include more detail about a child" in page.text
    token = page.cookies["csrftoken"].value

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("concerns:public_new"),
            {**FORM, "partnership": county.a.pk, "csrfmiddlewaretoken": token},
        )
    assert response.status_code == 302
    assert response.url == reverse("concerns:sent")
    concern = Concern.objects.get()
    assert concern.raised_via == RaisedVia.PUBLIC
    assert concern.raised_by is None
    assert concern.acknowledge_by == TODAY() + dt.timedelta(days=30)

    [email] = mail.outbox
    assert county.a.dpo_email in email.to
    assert personas["dpo"].email in email.to
    assert "wrong house" not in email.body
    assert "Alex" not in email.body
    # Raised by anyone: off the audit chain's lock, counted into the chain later.
    assert not AuditEvent.objects.filter(action="concerns.raise").exists()
    event = AnonymousEvent.objects.get(action="concerns.raise")
    assert (event.object_type, event.object_id) == ("concerns.concern", str(concern.pk))
    assert "Alex" not in str(event.detail)
    assert "wrong house" not in str(event.detail)

    # The DPO sees it in the app; the co-ordinator does not (it may be about them).
    dpo = signed_in(Client(), personas["dpo"])
    assert f"Concern {concern.pk}" in dpo.get(reverse("concerns:list")).text
    assert "Data-protection concerns" in dpo.get(reverse("core:home")).text
    coordinator = signed_in(Client(), personas["coordinator"])
    assert coordinator.get(reverse("concerns:detail", args=[concern.pk])).status_code == 404


@pytest.mark.promise("P23")
def test_the_public_form_refuses_a_missing_token_and_overlong_text(county):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("concerns:public_new"), {**FORM, "partnership": county.a.pk})
    assert response.status_code == 403
    response = Client().post(
        reverse("concerns:public_new"),
        {**FORM, "partnership": county.a.pk, "what_happened": "x" * (MAX_TEXT + 1)},
    )
    assert response.status_code == 200
    assert "characters" in response.text
    with pytest.raises(ValidationError):
        raise_one(county, what_happened="x" * (MAX_TEXT + 1))
    assert not Concern.objects.exists()


@pytest.mark.promise("P23")
def test_a_family_raises_a_concern_in_the_portal(active_case, county, personas, login):
    parent = personas["parent"]
    assert login(parent).get(reverse("concerns:portal_new")).status_code == 403  # no child yet
    PortalLink.objects.create(
        user=parent, student=active_case.student,
        relationship=PortalRelationship.PARENT_CARER, parental_responsibility=True,
    )  # fmt: skip
    client = login(parent)
    assert "0303 123 1113" in client.get(reverse("concerns:portal_new")).text
    response = client.post(
        reverse("concerns:portal_new"),
        {"partnership": county.a.pk, "what_happened": FORM["what_happened"], "contact": ""},
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.raised_via == RaisedVia.PORTAL
    assert concern.raised_by == parent
    assert concern.contact == parent.email
    with pytest.raises(PermissionDenied):
        concern_raise_portal(partnership=county.b, what_happened="x", actor=parent)


@pytest.mark.promise("P23")
def test_acknowledgement_within_30_days_is_tracked_and_the_response_recorded(
    county, personas, login
):
    late = raise_one(county)
    Concern.objects.filter(pk=late.pk).update(
        received_at=timezone.now() - dt.timedelta(days=40),
        acknowledge_by=TODAY() - dt.timedelta(days=10),
    )
    late.refresh_from_db()
    fresh = raise_one(county)
    assert late.is_overdue()
    assert not fresh.is_overdue()
    dpo = login(personas["dpo"])
    listing = dpo.get(reverse("concerns:list")).text
    assert listing.count("Overdue") == 1

    with pytest.raises(PermissionDenied):
        concern_acknowledge(concern=fresh, acknowledged_on=TODAY(), actor=personas["coordinator"])
    response = dpo.post(
        reverse("concerns:acknowledge", args=[late.pk]), {"acknowledged_on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.acknowledged_on == TODAY()
    assert not late.is_overdue()
    assert AuditEvent.objects.get(action="concerns.acknowledge").detail["late"] is True

    concern_respond(concern=fresh, response="We have written to the school.",
                    responded_on=TODAY(), actor=personas["dpo"])  # fmt: skip
    fresh.refresh_from_db()
    assert fresh.acknowledged_on == TODAY()
    assert fresh.responded_on == TODAY()
    with pytest.raises(ValidationError):
        concern_respond(concern=fresh, response="Again", responded_on=TODAY(),
                        actor=personas["dpo"])  # fmt: skip
    assert "Answered" in dpo.get(reverse("concerns:list")).text


def raw_column(concern: Concern, column: str) -> bytes:
    from django.db import connection

    table = connection.ops.quote_name(Concern._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [concern.pk])  # noqa: S608
        return bytes(cursor.fetchone()[0])


@pytest.mark.promise("P22")
def test_a_concern_is_sealed_and_moves_under_the_student_key_when_the_dpo_links_it(
    county, personas, active_case
):
    from seip.concerns.services import concern_link_student
    from seip.rights.fields import SERVICE_FORMAT

    concern = raise_one(county)
    assert raw_column(concern, "name").startswith(SERVICE_FORMAT)
    assert b"Alex" not in raw_column(concern, "name")
    with pytest.raises(PermissionDenied):
        concern_link_student(
            concern=concern, student=active_case.student, actor=personas["coordinator"]
        )
    concern_link_student(concern=concern, student=active_case.student, actor=personas["dpo"])
    assert raw_column(concern, "what_happened")[:2] == b"v2"
    again = Concern.objects.get(pk=concern.pk)
    assert again.student == active_case.student
    assert again.name == "Alex Member"
    assert again.what_happened == FORM["what_happened"]
    assert AuditEvent.objects.filter(action="concerns.link_student").exists()
    with pytest.raises(ValidationError):
        concern_link_student(concern=again, student=active_case.student, actor=personas["dpo"])


def test_the_dpo_names_the_student_from_the_concern_page(county, personas, active_case, login):
    concern = raise_one(county)
    client = login(personas["dpo"])
    detail = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert reverse("concerns:link", args=[concern.pk]) in detail
    assert client.get(reverse("concerns:link", args=[concern.pk])).status_code == 200
    response = client.post(
        reverse("concerns:link", args=[concern.pk]), {"student": active_case.student.pk}
    )
    assert response.status_code == 302
    assert Concern.objects.get(pk=concern.pk).student == active_case.student
    detail = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert active_case.student.last_name in detail
