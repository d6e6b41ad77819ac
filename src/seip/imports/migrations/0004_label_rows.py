"""Rewrite the rows written before ADR 0035, in committed batches (not atomic: an
interrupted ``migrate`` carries on where it stopped):

- every run's and match candidate's file name becomes its neutral label (kind, extension
  and day; ``models.file_label``), since a file's own name can name a pupil;
- every UPN a stored report quotes is replaced by ``[a referred pupil]``: the rows do not
  say which student it was, so the pupil keeps only their position in the file.
"""

import re
from typing import Any

from django.db import IntegrityError, migrations, transaction
from django.utils import timezone


from seip.imports.models import UNNAMED, file_label

BATCH = 500
UPN = re.compile(r"\b(?:UPN )?[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]\b")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return UPN.sub(UNNAMED, value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    return value


def _batches(manager: Any, alias: str) -> Any:
    last = 0
    while True:
        with transaction.atomic(using=alias):
            page = list(manager.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not page:
                return
            last = page[-1].pk
            yield page


def forwards(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    runs = apps.get_model("imports", "ImportRun")._base_manager.db_manager(alias)
    for page in _batches(runs, alias):
        for run in page:
            day = timezone.localdate(run.created_at) if run.created_at else None
            label = file_label(run.kind, run.file_name, day)
            report = _scrub(run.report)
            if (label, report) != (run.file_name, run.report):
                runs.filter(pk=run.pk).update(file_name=label, report=report)
    candidates = apps.get_model("imports", "MatchCandidate")._base_manager.db_manager(alias)
    for page in _batches(candidates, alias):
        for candidate in page:
            day = timezone.localdate(candidate.created_at) if candidate.created_at else None
            label = file_label("ctf", candidate.file_name, day)
            if label == candidate.file_name:
                continue
            try:
                with transaction.atomic(using=alias):
                    candidates.filter(pk=candidate.pk).update(file_name=label)
            except IntegrityError:
                # Another open candidate for the same student, school and position from a
                # file of the same kind and day: keep both, told apart by id.
                candidates.filter(pk=candidate.pk).update(file_name=f"{label} ({candidate.pk})")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("imports", "0003_file_labels")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
