"""Step 3 of 3 (ADR 0034): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields


class Migration(migrations.Migration):
    dependencies = [("provision", "0003_seal_rows")]

    operations = [
        *swap_to_sealed(
            "intervention",
            {
                "description": F.SealedCharField(
                    blank=True, max_length=200, subject="student.referral_id"
                ),
            },
        ),
        *swap_to_sealed(
            "placement",
            {
                "site": F.SealedCharField(
                    max_length=200, subject="intervention.student.referral_id"
                ),
            },
        ),
        *swap_to_sealed(
            "placementreview",
            {
                "summary": F.SealedTextField(subject="placement.intervention.student.referral_id"),
                "next_steps": F.SealedTextField(
                    subject="placement.intervention.student.referral_id"
                ),
            },
        ),
    ]
