"""Step 1 of 3 (ADR 0034): a sealed column beside each plain source note (issue 16)."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns("attendanceyear", ["source_note"]),
    ]
