"""Step 1 of 3 (ADR 0034): sealed columns beside the plain ones."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns

NEED = ["detail", "correction_reason"]
CONTACT = ["name", "relationship", "phone", "email", "address"]
AGENCY = ["organisation_name", "worker_name", "role"]
TARGET = ["description", "measure"]
BREAK_GLASS = ["reason"]


class Migration(migrations.Migration):
    dependencies = [("records", "0002_seed_codes"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns("need", NEED),
        *add_sealed_columns("contact", CONTACT),
        *add_sealed_columns("studentagency", AGENCY),
        *add_sealed_columns("target", TARGET),
        *add_sealed_columns("breakglassaccess", BREAK_GLASS),
    ]
