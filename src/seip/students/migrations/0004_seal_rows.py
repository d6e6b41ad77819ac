"""Step 2 of 3 (ADR 0034): encrypt existing rows in committed batches. Not atomic: an
interrupted ``migrate`` keeps the batches it finished and carries on from there."""

from django.db import migrations

from seip.keys.sealing import seal_rows


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("students", "0003_sealed_columns")]

    operations = [
        seal_rows(
            "students",
            "student",
            subject="referral_id",
            fields=["upn", "first_name", "last_name", "date_of_birth"],
            indexes=[
                ("upn_index", "upn", ("upn",)),
                ("name_dob_index", "name-dob", ("first_name", "last_name", "date_of_birth")),
            ],
        ),
        seal_rows(
            "students", "case", subject="student__referral_id", fields=["risk_assessment_summary"]
        ),
        seal_rows(
            "students",
            "paperfile",
            subject="student__referral_id",
            fields=["description", "received_by"],
        ),
    ]
