"""Step 3 of 3 (ADR 0034): the plain source notes go; the sealed ones take their name."""

from django.db import migrations

import seip.keys.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields


def note(subject: str) -> seip.keys.fields.SealedCharField:
    return F.SealedCharField(
        blank=True,
        help_text="For example the file name of an import.",
        max_length=200,
        subject=subject,
    )


class Migration(migrations.Migration):
    dependencies = [("behaviour", "0006_seal_source_notes")]

    operations = [
        *swap_to_sealed("incident", {"source_note": note("student.referral_id")}),
        *swap_to_sealed("exclusion", {"source_note": note("student.referral_id")}),
        *swap_to_sealed("attituderating", {"source_note": note("student.referral_id")}),
        *swap_to_sealed("attainmentresult", {"source_note": note("student.referral_id")}),
    ]
