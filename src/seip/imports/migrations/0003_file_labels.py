"""File names become neutral labels (ADR 0035): only the help text changes here; the
rows are rewritten by 0004."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0002_import_runs'),
    ]

    operations = [
        migrations.AlterField(
            model_name='importrun',
            name='file_name',
            field=models.CharField(help_text='A neutral label for the file (``file_label``), never its name', max_length=200),
        ),
        migrations.AlterField(
            model_name='matchcandidate',
            name='file_name',
            field=models.CharField(help_text='A neutral label for the file (``file_label``), never its name', max_length=200),
        ),
    ]
