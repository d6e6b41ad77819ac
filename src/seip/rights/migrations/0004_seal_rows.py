"""Step 2 of 3 (ADR 0034, 0035): encrypt existing rows in committed batches. Not atomic:
an interrupted ``migrate`` keeps the batches it finished and carries on from there. A
request that names no student is sealed with the service key (``rights.fields``)."""

from django.db import migrations

from seip.keys.sealing import seal_rows
from seip.rights.fields import seal_linked_rows


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("rights", "0003_sealed_columns")]

    operations = [
        seal_linked_rows(
            "rights",
            "rightsrequest",
            subject="student__referral_id",
            fields=["subject_details", "details", "requester_name", "requester_contact",
                    "identity_check_method", "parental_responsibility_how", "child_view",
                    "extension_reason", "outcome_notes"],  # fmt: skip
        ),
        seal_linked_rows(
            "rights", "clockpause", subject="request__student__referral_id", fields=["note"]
        ),
        seal_linked_rows(
            "rights",
            "proposedcorrection",
            subject="request__student__referral_id",
            fields=["description", "proposed_value", "reason", "decision_reason",
                    "value_before", "value_after"],  # fmt: skip
        ),
        seal_linked_rows(
            "rights",
            "rectificationnotice",
            subject="correction__request__student__referral_id",
            fields=["note"],
        ),
        seal_rows("rights", "restriction", subject="student__referral_id", fields=["reasons"]),
    ]
