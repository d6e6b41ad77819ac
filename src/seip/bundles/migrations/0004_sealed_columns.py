"""Step 1 of 3 (ADR 0034): sealed columns beside the plain ones."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns


class Migration(migrations.Migration):
    dependencies = [("bundles", "0003_withhold_without_saying_so"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns("flaggeditem", ["reason"]),
    ]
