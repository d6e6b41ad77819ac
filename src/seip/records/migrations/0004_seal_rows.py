"""Step 2 of 3 (ADR 0034): encrypt existing rows in committed batches. Not atomic: an
interrupted ``migrate`` keeps the batches it finished and carries on from there."""

from django.db import migrations

from seip.keys.sealing import seal_rows

STUDENT = "student__referral_id"


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("records", "0003_sealed_columns")]

    operations = [
        seal_rows("records", "need", subject=STUDENT, fields=["detail", "correction_reason"]),
        seal_rows(
            "records",
            "contact",
            subject=STUDENT,
            fields=["name", "relationship", "phone", "email", "address"],
        ),
        seal_rows(
            "records",
            "studentagency",
            subject=STUDENT,
            fields=["organisation_name", "worker_name", "role"],
        ),
        seal_rows(
            "records",
            "target",
            subject="plan__student__referral_id",
            fields=["description", "measure"],
        ),
        seal_rows(
            "records",
            "breakglassaccess",
            subject="concern__student__referral_id",
            fields=["reason"],
        ),
    ]
