"""Step 1 of 3 (ADR 0034, 0035): the student a concern is about, sealed columns beside
the plain ones, and the date an erasure cut the concern's details."""

import django.db.models.deletion
from django.db import migrations, models

from seip.keys.sealing import add_sealed_columns

FIELDS = ["name", "contact", "what_happened", "response"]


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0001_initial"),
        ("keys", "0001_initial"),
        ("students", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            "concern",
            "student",
            models.ForeignKey(
                blank=True,
                help_text="The student the concern turned out to be about, linked by the DPO.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="students.student",
            ),
        ),
        migrations.AddField("concern", "details_erased_on", models.DateField(blank=True, null=True)),
        *add_sealed_columns("concern", FIELDS),
    ]
