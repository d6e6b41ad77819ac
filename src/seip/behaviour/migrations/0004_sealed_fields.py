"""Step 3 of 3 (ADR 0034): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields


class Migration(migrations.Migration):
    dependencies = [("behaviour", "0003_seal_rows")]

    operations = [
        *swap_to_sealed(
            "incident",
            {
                "description": F.SealedCharField(
                    "short description", max_length=300, subject="student.referral_id"
                ),
            },
        ),
    ]
