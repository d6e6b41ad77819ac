"""Step 1 of 3 (ADR 0034): a sealed column beside each plain source note (issue 16)."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns


class Migration(migrations.Migration):
    dependencies = [("behaviour", "0004_sealed_fields"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns("incident", ["source_note"]),
        *add_sealed_columns("exclusion", ["source_note"]),
        *add_sealed_columns("attituderating", ["source_note"]),
        *add_sealed_columns("attainmentresult", ["source_note"]),
    ]
