"""Step 1 of 3 (ADR 0034): sealed columns beside the plain ones."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns


class Migration(migrations.Migration):
    dependencies = [("behaviour", "0001_initial"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns("incident", ["description"]),
    ]
