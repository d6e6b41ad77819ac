"""Step 1 of 3 (ADR 0034): sealed columns beside the plain ones."""

from django.db import migrations

from seip.keys.sealing import add_sealed_columns

REFERRAL = ["upn", "first_name", "last_name", "date_of_birth", "reasons", "support_tried",
            "attendance_summary", "behaviour_summary", "decline_reason"]  # fmt: skip
CARER = ["name", "relationship", "phone", "email"]
CONSENT = ["signed_by_name", "relationship"]
INDEXES = [("upn_index", "upn", ("upn",))]


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("keys", "0001_initial")]

    operations = [
        *add_sealed_columns("referral", REFERRAL, indexes=INDEXES),
        *add_sealed_columns("carer", CARER),
        *add_sealed_columns("consent", CONSENT),
    ]
