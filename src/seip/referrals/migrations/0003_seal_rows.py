"""Step 2 of 3 (ADR 0034): encrypt existing rows in committed batches. Not atomic: an
interrupted ``migrate`` keeps the batches it finished and carries on from there."""

from django.db import migrations

from seip.keys.sealing import seal_rows


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("referrals", "0002_sealed_columns")]

    operations = [
        seal_rows(
            "referrals",
            "referral",
            subject="pk",
            fields=["upn", "first_name", "last_name", "date_of_birth", "reasons",
                    "support_tried", "attendance_summary", "behaviour_summary",
                    "decline_reason"],  # fmt: skip
            indexes=[("upn_index", "upn", ("upn",))],
        ),
        seal_rows(
            "referrals",
            "carer",
            subject="referral_id",
            fields=["name", "relationship", "phone", "email"],
        ),
        seal_rows(
            "referrals", "consent", subject="referral_id", fields=["signed_by_name", "relationship"]
        ),
    ]
