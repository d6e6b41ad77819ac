"""The register's text in the database (P14, P22; ADR 0035): under the child's own key when
the request names a student, under the service key until then, and moved to the child's
key when the request is linked."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from seip.keys.fields import Unreadable
from seip.rights.fields import SERVICE_FORMAT
from seip.rights.models import ClockPause, PauseReason, RightsRequest
from seip.rights.services import rights_pause, rights_request_link_student
from seip.rights.tests.conftest import make_request

pytestmark = pytest.mark.django_db


def raw(model, pk: int, column: str) -> bytes:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        value = cursor.fetchone()[0]
    return bytes(value) if value is not None else b""


def unlinked(county, personas):
    return make_request(
        partnership=county.a,
        student=None,
        subject_details="Jo Bloggs, born 3 March 2012",
        actor=personas["coordinator"],
    )


def test_a_request_about_a_student_is_sealed_under_their_key(access_request):
    for column in ("requester_name", "requester_contact", "details"):
        blob = raw(RightsRequest, access_request.pk, column)
        assert blob[:2] == b"v2"
        assert b"Sam" not in blob
    assert RightsRequest.objects.get(pk=access_request.pk).requester_name == "Sam Example"


def test_a_request_about_no_student_is_sealed_with_the_service_key(county, personas):
    request = unlinked(county, personas)
    blob = raw(RightsRequest, request.pk, "subject_details")
    assert blob.startswith(SERVICE_FORMAT)
    assert b"Bloggs" not in blob
    again = RightsRequest.objects.get(pk=request.pk)
    assert again.subject_details == "Jo Bloggs, born 3 March 2012"
    assert again.requester_contact == "sam@example.test"


def test_a_service_token_copied_to_another_row_or_field_does_not_open(county, personas):
    first, second = unlinked(county, personas), unlinked(county, personas)
    blob = raw(RightsRequest, first.pk, "requester_name")
    table = connection.ops.quote_name(RightsRequest._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET details = %s WHERE id = %s", [blob, first.pk])  # noqa: S608
        cursor.execute(
            f"UPDATE {table} SET requester_name = %s WHERE id = %s",  # noqa: S608
            [blob, second.pk],
        )
    assert isinstance(RightsRequest.objects.get(pk=first.pk).details, Unreadable)
    assert isinstance(RightsRequest.objects.get(pk=second.pk).requester_name, Unreadable)


def test_linking_the_student_moves_the_text_under_their_key(county, student, personas):
    request = unlinked(county, personas)
    pause = rights_pause(
        request=request,
        reason=PauseReason.CLARIFICATION,
        asked_on=request.received_on,
        note="Asked which school",
        actor=personas["coordinator"],
    )
    assert raw(ClockPause, pause.pk, "note").startswith(SERVICE_FORMAT)
    rights_request_link_student(request=request, student=student, actor=personas["coordinator"])
    again = RightsRequest.objects.get(pk=request.pk)
    assert again.student == student
    assert again.subject_details == ""
    assert raw(RightsRequest, request.pk, "requester_name")[:2] == b"v2"
    assert raw(ClockPause, pause.pk, "note")[:2] == b"v2"
    assert again.requester_name == "Sam Example"
    assert ClockPause.objects.get(pk=pause.pk).note == "Asked which school"
    with pytest.raises(ValidationError):
        rights_request_link_student(request=again, student=student, actor=personas["dpo"])


def test_the_coordinator_names_the_student_from_the_request_page(county, student, personas, login):
    from django.urls import reverse

    request = unlinked(county, personas)
    client = login(personas["coordinator"])
    detail = client.get(reverse("rights:detail", args=[request.pk])).content.decode()
    assert reverse("rights:link", args=[request.pk]) in detail
    page = client.get(reverse("rights:link", args=[request.pk]))
    assert page.status_code == 200
    response = client.post(reverse("rights:link", args=[request.pk]), {"student": student.pk})
    assert response.status_code == 302
    assert RightsRequest.objects.get(pk=request.pk).student == student
    assert raw(RightsRequest, request.pk, "details")[:2] == b"v2"
