"""Step 3 of 3 (ADR 0034): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields


class Migration(migrations.Migration):
    dependencies = [("bundles", "0005_seal_rows")]

    operations = [
        *swap_to_sealed(
            "flaggeditem",
            {
                "reason": F.SealedTextField(blank=True, subject="bundle.student.referral_id"),
            },
        ),
    ]
