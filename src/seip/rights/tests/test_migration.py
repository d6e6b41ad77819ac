"""The three-step migration seals every existing request (ADR 0034, 0035): a request that
names a student under the student's key, one that does not with the service key."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from seip.keys.sealing import plain_rows
from seip.rights.fields import SERVICE_FORMAT

BEFORE = [("rights", "0002_proposedcorrection_rectificationnotice_restriction")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def raw(pk: int, column: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM rights_rightsrequest WHERE id = %s", [pk])  # noqa: S608
        return bytes(cursor.fetchone()[0])


@pytest.mark.promise("P22")
@pytest.mark.django_db(transaction=True)
def test_existing_requests_are_sealed_with_or_without_a_student(active_case):
    student = active_case.student
    apps = migrate(BEFORE)
    try:
        model = apps.get_model("rights", "RightsRequest")
        common = {
            "partnership_id": student.partnership_id, "type": "access",
            "requester_kind": "parent_carer", "received_via": "email",
            "received_on": dt.date(2026, 10, 1), "requester_contact": "sam@example.test",
        }  # fmt: skip
        on_record = model.objects.create(
            student_id=student.pk, requester_name="Sam Example", details="All of it", **common
        )
        unknown = model.objects.create(
            subject_details="Jo Bloggs, 3 March 2012", requester_name="Kim Other", **common
        )
        latest()
        from seip.rights.models import RightsRequest

        assert raw(on_record.pk, "requester_name")[:2] == b"v2"
        assert raw(unknown.pk, "subject_details").startswith(SERVICE_FORMAT)
        assert b"Jo Bloggs" not in raw(unknown.pk, "subject_details")
        assert RightsRequest.objects.get(pk=on_record.pk).details == "All of it"
        again = RightsRequest.objects.get(pk=unknown.pk)
        assert again.subject_details == "Jo Bloggs, 3 March 2012"
        assert again.requester_name == "Kim Other"
        assert not [c for c in plain_rows() if c.label.startswith("rights.") and c.rows]
    finally:
        latest()
