"""Step 1 of 3 (ADR 0034): sealed columns beside the plain ones, and blind indexes."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns


class Migration(migrations.Migration):
    dependencies = [("students", "0002_student_ethnicity"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns(
            "student",
            ["upn", "first_name", "last_name", "date_of_birth"],
            indexes=[
                ("upn_index", "upn", ("upn",)),
                ("name_dob_index", "name-dob", ("first_name", "last_name", "date_of_birth")),
            ],
        ),
        *add_sealed_columns("case", ["risk_assessment_summary"]),
        *add_sealed_columns("paperfile", ["description", "received_by"]),
    ]
