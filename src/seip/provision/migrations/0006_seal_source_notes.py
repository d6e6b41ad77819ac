"""Step 2 of 3 (ADR 0034): encrypt existing source notes in committed batches. Not atomic:
an interrupted ``migrate`` keeps the batches it finished and carries on from there."""

from django.db import migrations

from seip.keys.sealing import seal_rows


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("provision", "0005_source_note_columns")]

    operations = [
        seal_rows(
            "provision",
            "intervention",
            subject="student__referral_id",
            fields=["source_note"],
        ),
        seal_rows(
            "provision",
            "placementreview",
            subject="placement__intervention__student__referral_id",
            fields=["source_note"],
        ),
    ]
