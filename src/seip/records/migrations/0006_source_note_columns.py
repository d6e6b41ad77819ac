"""Step 1 of 3 (ADR 0034): a sealed column beside each plain source note (issue 16)."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns


class Migration(migrations.Migration):
    dependencies = [("records", "0005_sealed_fields"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns("need", ["source_note"]),
        *add_sealed_columns("contact", ["source_note"]),
        *add_sealed_columns("studentagency", ["source_note"]),
    ]
