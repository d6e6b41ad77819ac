"""Step 3 of 3 (ADR 0034): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
import seip.core.upn
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields


class Migration(migrations.Migration):
    dependencies = [("referrals", "0003_seal_rows")]

    operations = [
        *swap_to_sealed(
            "referral",
            {
                "upn": F.SealedCharField(
                    "UPN",
                    max_length=13,
                    subject="pk",
                    validators=[seip.core.upn.validate_upn],
                ),
                "first_name": F.SealedCharField(max_length=100, subject="pk"),
                "last_name": F.SealedCharField(max_length=100, subject="pk"),
                "date_of_birth": F.SealedDateField(subject="pk"),
                "reasons": F.SealedTextField(
                    "reasons for referral and concerns", subject="pk"
                ),
                "support_tried": F.SealedTextField("support already tried", subject="pk"),
                "attendance_summary": F.SealedTextField(blank=True, subject="pk"),
                "behaviour_summary": F.SealedTextField(blank=True, subject="pk"),
                "decline_reason": F.SealedTextField(blank=True, subject="pk"),
            },
        ),
        migrations.AlterField(
            "referral",
            "upn_index",
            F.BlindIndexField(purpose="upn", sources=["upn"]),
        ),
        *swap_to_sealed(
            "carer",
            {
                "name": F.SealedCharField(max_length=200, subject="referral_id"),
                "relationship": F.SealedCharField(max_length=100, subject="referral_id"),
                "phone": F.SealedCharField(blank=True, max_length=40, subject="referral_id"),
                "email": F.SealedEmailField(blank=True, subject="referral_id"),
            },
        ),
        *swap_to_sealed(
            "consent",
            {
                "signed_by_name": F.SealedCharField(
                    "signed by", max_length=200, subject="referral_id"
                ),
                "relationship": F.SealedCharField(
                    "relationship to the young person", max_length=100, subject="referral_id"
                ),
            },
        ),
    ]
