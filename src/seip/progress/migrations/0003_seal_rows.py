"""Step 2 of 3 (ADR 0034): encrypt existing rows in committed batches. Not atomic: an
interrupted ``migrate`` keeps the batches it finished and carries on from there."""

from django.db import migrations

from seip.keys.sealing import seal_rows


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("progress", "0002_sealed_columns")]

    operations = [
        seal_rows(
            "progress",
            "review",
            subject="case__student__referral_id",
            fields=[
                "attendance_progress",
                "behaviour_progress",
                "attainment_progress",
                "student_view",
                "parent_view",
                "next_steps",
            ],
        ),
    ]
