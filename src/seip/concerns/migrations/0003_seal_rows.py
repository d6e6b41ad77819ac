"""Step 2 of 3 (ADR 0034, 0035): encrypt existing rows in committed batches. Not atomic:
an interrupted ``migrate`` keeps the batches it finished and carries on from there. No
concern is linked to a student yet, so all are sealed with the service key."""

from django.db import migrations

from seip.rights.fields import seal_linked_rows


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("concerns", "0002_sealed_columns")]

    operations = [
        seal_linked_rows(
            "concerns",
            "concern",
            subject="student__referral_id",
            fields=["name", "contact", "what_happened", "response"],
        ),
    ]
