"""Step 1 of 3 (ADR 0034, 0035): sealed columns beside the plain ones, and the date an
erasure emptied a request down to its tombstone."""

from django.db import migrations, models

from seip.keys.sealing import add_sealed_columns

REQUEST = ["subject_details", "details", "requester_name", "requester_contact",
           "identity_check_method", "parental_responsibility_how", "child_view",
           "extension_reason", "outcome_notes"]  # fmt: skip
CORRECTION = ["description", "proposed_value", "reason", "decision_reason", "value_before",
              "value_after"]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0002_proposedcorrection_rectificationnotice_restriction"),
        ("keys", "0001_initial"),
    ]

    operations = [
        *add_sealed_columns("rightsrequest", REQUEST),
        *add_sealed_columns("clockpause", ["note"]),
        *add_sealed_columns("proposedcorrection", CORRECTION),
        *add_sealed_columns("rectificationnotice", ["note"]),
        *add_sealed_columns("restriction", ["reasons"]),
        migrations.AddField(
            "rightsrequest", "details_erased_on", models.DateField(blank=True, null=True)
        ),
    ]
