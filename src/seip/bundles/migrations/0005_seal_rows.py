"""Step 2 of 3 (ADR 0034): encrypt existing rows in committed batches. Not atomic: an
interrupted ``migrate`` keeps the batches it finished and carries on from there."""

from django.db import migrations

from seip.keys.sealing import seal_rows


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("bundles", "0004_sealed_columns")]

    operations = [
        seal_rows(
            "bundles", "flaggeditem", subject="bundle__student__referral_id", fields=["reason"]
        ),
    ]
