"""Step 3 of 3 (ADR 0034, 0035): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.rights.fields
from seip.keys.sealing import swap_to_sealed

L = seip.rights.fields
S = "student.referral_id"


class Migration(migrations.Migration):
    dependencies = [("concerns", "0003_seal_rows")]

    operations = [
        *swap_to_sealed(
            "concern",
            {
                "name": L.LinkedSealedCharField(
                    "their name", max_length=200, blank=True, subject=S
                ),
                "contact": L.LinkedSealedCharField(
                    "how to reply", max_length=300, blank=True, subject=S
                ),
                "what_happened": L.LinkedSealedTextField(max_length=5000, blank=True, subject=S),
                "response": L.LinkedSealedTextField(max_length=5000, blank=True, subject=S),
            },
        ),
    ]
