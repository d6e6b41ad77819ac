"""The three-step migrations of records, behaviour, provision, progress and attendance
(source notes) seal the rows already there under each child's key (P14, ADR 0034),
through each model's path to its child (a target through its plan, a placement review
through its placement's intervention, a review through its case), and leave no plain text
behind."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from seip.keys import crypto
from seip.keys.sealing import plain_rows

BEFORE = [
    ("records", "0002_seed_codes"),
    ("behaviour", "0001_initial"),
    ("provision", "0001_initial"),
    ("progress", "0001_initial"),
    ("attendance", "0001_initial"),
]
TEXT = "Kept in plain text before the migration"
DAY = dt.date(2026, 10, 5)
SOURCE = {"source_kind": "partnership", "obtained_on": DAY, "source_note": TEXT}


def migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


def raw(table, column, pk) -> bytes:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])  # noqa: S608
        (value,) = cursor.fetchone()
    return bytes(value or b"")


@pytest.mark.promise("P14")
@pytest.mark.django_db(transaction=True)
def test_the_migrations_seal_existing_rows(seeded_codes, active_case, personas):
    student = active_case.student
    try:
        apps = migrate(BEFORE)
        model = apps.get_model
        sid = {"student_id": student.pk}
        contact = model("records", "Contact").objects.create(
            **sid, **SOURCE, name=TEXT, relationship=TEXT, parental_responsibility=True,
            phone=TEXT, email="plain@example.test", address=TEXT,
        )  # fmt: skip
        code = model("records", "NeedCode").objects.get(scheme="yes_no", code="Y")
        need = model("records", "Need").objects.create(
            **sid, **SOURCE, kind="eal", code=code, detail=TEXT, correction_reason=TEXT
        )
        agency = model("records", "StudentAgency").objects.create(
            **sid, **SOURCE, organisation_name=TEXT, worker_name=TEXT, role=TEXT
        )
        plan = model("records", "SupportPlan").objects.create(**sid)
        target = model("records", "Target").objects.create(
            plan=plan, domain="attendance", description=TEXT, measure=TEXT, due_on=DAY
        )
        concern = model("records", "SafeguardingConcern").objects.create(
            **sid, raised_on=DAY, category=model("records", "ConcernCategory").objects.first(),
            details_encrypted=b"", actions_encrypted=b"",
        )  # fmt: skip
        access = model("records", "BreakGlassAccess").objects.create(
            user_id=personas["key_worker"].pk, concern=concern, reason=TEXT
        )
        incident = model("behaviour", "Incident").objects.create(
            **sid, **SOURCE, occurred_on=DAY, category="disruption", severity=1, description=TEXT
        )
        intervention = model("provision", "Intervention").objects.create(
            **sid, **SOURCE, type="ap_placement", description=TEXT, start_date=DAY,
            sessions_planned=10, unit_cost=Decimal("1"), quantity=Decimal("1"),
            total_cost=Decimal("1"), funding_stream="devolved",
        )  # fmt: skip
        placement = model("provision", "Placement").objects.create(
            intervention=intervention, days_per_week=Decimal("2"), site=TEXT
        )
        placement_review = model("provision", "PlacementReview").objects.create(
            **SOURCE, placement=placement, reviewed_on=DAY, attendance_percent=Decimal("90"),
            summary=TEXT, next_steps=TEXT,
        )  # fmt: skip
        year = model("attendance", "AttendanceYear").objects.create(
            **sid, **SOURCE, school_id=student.school_id, academic_year=2025, marks=""
        )
        review = model("progress", "Review").objects.create(
            case_id=active_case.pk, held_on=DAY, attendance_progress=TEXT,
            behaviour_progress=TEXT, attainment_progress=TEXT, student_view=TEXT,
            parent_view="", next_steps=TEXT,
        )  # fmt: skip
        crypto.cache_clear()

        migrate()

        from seip.attendance.models import AttendanceYear
        from seip.behaviour.models import Incident
        from seip.progress.models import Review
        from seip.provision.models import Intervention, Placement, PlacementReview
        from seip.records.models import BreakGlassAccess, Contact, Need, StudentAgency, Target

        sealed = [
            (Contact, contact.pk, ["name", "relationship", "phone", "address", "source_note"]),
            (Need, need.pk, ["detail", "correction_reason", "source_note"]),
            (StudentAgency, agency.pk, ["organisation_name", "worker_name", "role",
                                        "source_note"]),
            (Target, target.pk, ["description", "measure"]),
            (BreakGlassAccess, access.pk, ["reason"]),
            (Incident, incident.pk, ["description", "source_note"]),
            (Intervention, intervention.pk, ["description", "source_note"]),
            (Placement, placement.pk, ["site"]),
            (PlacementReview, placement_review.pk, ["summary", "next_steps", "source_note"]),
            (AttendanceYear, year.pk, ["source_note"]),
            (Review, review.pk, ["attendance_progress", "behaviour_progress",
                                 "attainment_progress", "student_view", "next_steps"]),
        ]  # fmt: skip
        for row_model, pk, columns in sealed:
            row = row_model.objects.get(pk=pk)
            for column in columns:
                stored = raw(row_model._meta.db_table, column, pk)
                assert stored.startswith(crypto.FORMAT_ROW), (row_model, column)
                assert TEXT.encode() not in stored
                assert getattr(row, column) == TEXT, (row_model, column)
        assert Contact.objects.get(pk=contact.pk).email == "plain@example.test"
        assert Review.objects.get(pk=review.pk).parent_view == ""
        mine = {"records", "behaviour", "provision", "progress", "attendance"}
        left = [c for c in plain_rows() if c.label.split(".")[0] in mine and c.rows]
        assert left == []
    finally:
        migrate()
