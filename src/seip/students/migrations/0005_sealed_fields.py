"""Step 3 of 3 (ADR 0034): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields


class Migration(migrations.Migration):
    dependencies = [("students", "0004_seal_rows")]

    operations = [
        migrations.RemoveIndex("student", "students_st_upn_d79a89_idx"),
        migrations.AlterModelOptions("student", {"ordering": ["pk"]}),
        *swap_to_sealed(
            "student",
            {
                "upn": F.SealedCharField("UPN", max_length=13, subject="referral_id"),
                "first_name": F.SealedCharField(max_length=100, subject="referral_id"),
                "last_name": F.SealedCharField(max_length=100, subject="referral_id"),
                "date_of_birth": F.SealedDateField(subject="referral_id"),
            },
        ),
        migrations.AlterField(
            "student", "upn_index", F.BlindIndexField(purpose="upn", sources=["upn"])
        ),
        migrations.AlterField(
            "student",
            "name_dob_index",
            F.BlindIndexField(
                purpose="name-dob", sources=["first_name", "last_name", "date_of_birth"]
            ),
        ),
        *swap_to_sealed(
            "case",
            {
                "risk_assessment_summary": F.SealedTextField(
                    blank=True, subject="student.referral_id"
                )
            },
        ),
        *swap_to_sealed(
            "paperfile",
            {
                "description": F.SealedCharField(max_length=200, subject="student.referral_id"),
                "received_by": F.SealedCharField(
                    "received by", max_length=200, subject="student.referral_id"
                ),
            },
        ),
    ]
