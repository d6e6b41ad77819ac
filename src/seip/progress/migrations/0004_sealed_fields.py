"""Step 3 of 3 (ADR 0034): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields


class Migration(migrations.Migration):
    dependencies = [("progress", "0003_seal_rows")]

    operations = [
        *swap_to_sealed(
            "review",
            {
                "attendance_progress": F.SealedTextField(
                    "progress in attendance", subject="case.student.referral_id"
                ),
                "behaviour_progress": F.SealedTextField(
                    "progress in attitude and behaviour", subject="case.student.referral_id"
                ),
                "attainment_progress": F.SealedTextField(
                    "progress in school subjects", subject="case.student.referral_id"
                ),
                "student_view": F.SealedTextField(
                    "the student's view", blank=True, subject="case.student.referral_id"
                ),
                "parent_view": F.SealedTextField(
                    "the parent or carer's view", blank=True, subject="case.student.referral_id"
                ),
                "next_steps": F.SealedTextField(subject="case.student.referral_id"),
            },
        ),
    ]
