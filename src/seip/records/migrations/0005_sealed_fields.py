"""Step 3 of 3 (ADR 0034): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields
STUDENT = "student.referral_id"


class Migration(migrations.Migration):
    dependencies = [("records", "0004_seal_rows")]

    operations = [
        *swap_to_sealed(
            "need",
            {
                "detail": F.SealedCharField(blank=True, max_length=100, subject=STUDENT),
                "correction_reason": F.SealedCharField(
                    blank=True,
                    help_text="Set when this row corrects an earlier value.",
                    max_length=300,
                    subject=STUDENT,
                ),
            },
        ),
        *swap_to_sealed(
            "contact",
            {
                "name": F.SealedCharField(max_length=200, subject=STUDENT),
                "relationship": F.SealedCharField(max_length=100, subject=STUDENT),
                "phone": F.SealedCharField(blank=True, max_length=40, subject=STUDENT),
                "email": F.SealedEmailField(blank=True, subject=STUDENT),
                "address": F.SealedTextField(blank=True, subject=STUDENT),
            },
        ),
        *swap_to_sealed(
            "studentagency",
            {
                "organisation_name": F.SealedCharField(
                    blank=True,
                    help_text="For an agency that is not registered here.",
                    max_length=200,
                    subject=STUDENT,
                ),
                "worker_name": F.SealedCharField(blank=True, max_length=200, subject=STUDENT),
                "role": F.SealedCharField(blank=True, max_length=100, subject=STUDENT),
            },
        ),
        *swap_to_sealed(
            "target",
            {
                "description": F.SealedTextField(subject="plan.student.referral_id"),
                "measure": F.SealedCharField(
                    help_text="How we will know it is met.",
                    max_length=300,
                    subject="plan.student.referral_id",
                ),
            },
        ),
        *swap_to_sealed(
            "breakglassaccess",
            {"reason": F.SealedTextField(subject="concern.student.referral_id")},
        ),
    ]
