"""Imports started in the browser: one :class:`~seip.imports.models.ImportRun` per upload,
imported by a background task while the page shows its progress (issue 7).

The uploaded file may hold a whole school's pupils, most of whom are not referred (P25).
So it is never kept in the database or in the media folder that backups copy: it is
encrypted with the service data key (``seip.core.crypto``, a key kept apart from the
database) into a private folder of the data directory, read back by the task, and
deleted when the task ends, whether the import succeeded, was refused or failed. A file
whose task never ran (the worker was down) is swept away after a day by the next upload.

Progress (pupils done of the total) is written by the task to a small file beside the
upload rather than to the database: the import holds one transaction for the whole file
(so that it is all or nothing), and on SQLite a second connection could not write while
it is open. The web server and the worker must therefore share the data directory, as
they already share the database file.
"""

import datetime as dt
import io
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.core.crypto import decrypt, encrypt
from seip.imports.alerts import import_finished_alert
from seip.imports.mis import attendance_csv_import, attendance_csv_preview
from seip.imports.mis_facts import facts_csv_import, facts_csv_preview
from seip.imports.models import UNNAMED, ImportKind, ImportRun, MappingKind, RunStatus, file_label
from seip.imports.permissions import ensure_can_import
from seip.imports.selectors import importable_students
from seip.imports.services import ImportReport, ctf_import
from seip.imports.validation import ImportValidationError
from seip.organisations.models import School
from seip.students.models import Student

logger = logging.getLogger(__name__)

#: An upload whose task has not run within this time is deleted unread.
STALE_AFTER = dt.timedelta(days=1)
#: A finished run keeps its reasons and warnings (which name referred pupils by position and
#: student id, and may quote what was wrong with a value) this long, then only its counts.
REASONS_KEPT = dt.timedelta(days=30)


def csv_preview(
    kind: str,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    school: School,
    columns: dict[str, str] | None,
    actor: User,
) -> list[str]:
    """The first rows of an MIS CSV of any kind, as its mapping reads them."""
    if kind == MappingKind.ATTENDANCE:
        return attendance_csv_preview(source, school=school, columns=columns, actor=actor)
    return facts_csv_preview(source, kind=kind, school=school, columns=columns, actor=actor)


def csv_import(
    kind: str,
    *,
    source: str | os.PathLike[str] | IO[bytes],
    school: School,
    actor: User,
    columns: dict[str, str] | None = None,
    file_name: str = "",
    valid_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import an MIS CSV of any kind (see :mod:`seip.imports.mis` and
    :mod:`seip.imports.mis_facts`)."""
    if kind == MappingKind.ATTENDANCE:
        return attendance_csv_import(
            source=source, school=school, actor=actor, columns=columns,
            file_name=file_name, valid_only=valid_only, progress=progress,
        )  # fmt: skip
    return facts_csv_import(
        kind=kind, source=source, school=school, actor=actor, columns=columns,
        file_name=file_name, valid_only=valid_only, progress=progress,
    )  # fmt: skip


def upload_dir() -> Path:
    """The private folder for uploads waiting for their task: outside the media folder."""
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _upload_path(token: str) -> Path:
    if not token.isalnum():  # a token is always a uuid hex; never follow a path
        raise ValueError("not an upload token")
    return upload_dir() / f"{token}.enc"


def _progress_path(run_id: int) -> Path:
    return upload_dir() / f"run-{int(run_id)}.progress"


def _sweep(now: float) -> None:
    """Delete uploads and progress files left by tasks that never ran or never ended, and
    old runs' reasons and warnings."""
    cutoff = now - STALE_AFTER.total_seconds()
    for path in upload_dir().iterdir():
        if path.suffix in {".enc", ".progress", ".tmp"} and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
    old = ImportRun.objects.filter(
        finished_at__lt=timezone.now() - REASONS_KEPT, report__has_key="rejected"
    )
    for run in old.only("report"):
        counts_only = {k: v for k, v in run.report.items() if k not in {"rejected", "warnings"}}
        ImportRun.objects.filter(pk=run.pk).update(report=counts_only)


def read_progress(run: ImportRun) -> tuple[int, int]:
    """(pupils done, pupils in the file) of a running import; (0, 0) while it reads."""
    if run.finished:
        return run.done, run.total
    try:
        done, total = _progress_path(run.pk).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return 0, 0


@transaction.atomic
def import_run_read(*, run: ImportRun, actor: User) -> None:
    """Audit that ``actor`` read a finished run's report, which shows the rejected and
    warned pupils by UPN (P14). Ids only: the run says which file and which rows."""
    audit_record(actor=actor, action="read.import_run", obj=run, detail={"run": run.pk})


def import_run_start(
    *,
    school: School,
    kind: str,
    file_name: str,
    content: bytes,
    valid_only: bool,
    columns: dict[str, str] | None,
    actor: User,
) -> ImportRun:
    """Keep an upload encrypted for its task, record the run and queue the import.

    Raises PermissionDenied unless ``actor`` may import the school's files. The audit
    event names the school and the kind of file, never anything in it.
    """
    from seip.imports.tasks import import_run_execute

    ensure_can_import(actor, school)
    _sweep(time.time())
    token = uuid.uuid4().hex
    path = _upload_path(token)
    path.write_bytes(encrypt(content))
    path.chmod(0o600)
    with transaction.atomic():
        run = ImportRun.objects.create(
            school=school,
            kind=kind,
            file_name=file_label(kind, file_name),
            valid_only=valid_only,
            created_by=actor,
        )
        audit_record(actor=actor, action="imports.run.start", obj=run, detail={"kind": kind})
    import_run_execute.enqueue(run.pk, token, columns)
    run.refresh_from_db()
    return run


def _set_progress(run_id: int) -> Callable[[int, int], None]:
    path = _progress_path(run_id)
    last = [0.0]

    def write(done: int, total: int) -> None:
        # At most a few writes a second: the page polls every two seconds.
        now = time.monotonic()
        if done != total and now - last[0] < 0.25:
            return
        last[0] = now
        partial = path.with_suffix(".tmp")
        partial.write_text(f"{done} {total}")
        partial.replace(path)

    return write


#: A UPN as the reports quote it: a letter, 11 digits and a digit or letter (I, O, S never).
_UPN = re.compile(r"\b(?:UPN )?([A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z])\b")
#: How a stored report names a referred pupil's student: by id, never by UPN.
_STUDENT = re.compile(r"\[student:(\d+)\]")


def _students_by_upn(run: ImportRun, upns: set[str]) -> dict[str, int]:
    """The students of the run's school the uploader could import, by UPN, for the UPNs a
    report quotes (the MIS imports do not say which student they matched)."""
    if not upns or run.created_by is None:
        return {}
    found: dict[str, int] = {}
    for student in importable_students(run.school, run.created_by):
        if student.upn in upns:
            found[student.upn] = student.pk
    return found


def report_json(report: ImportReport, run: ImportRun) -> dict[str, object]:
    """What the database keeps of a report: counts, and reasons and warnings that name a
    referred pupil by position and student id (``[student:42]``), not by UPN. So a dump of
    the database quotes no pupil's UPN, and once a student is erased nothing left in the
    report identifies them (P22; ADR 0035). ``report_lines`` shows the UPN again."""
    lines = [*report.rejected, *report.warnings]
    quoted = {m.group(1) for line in lines for m in _UPN.finditer(line)}
    students = {**_students_by_upn(run, quoted - report.students.keys()), **report.students}

    def name(match: re.Match[str]) -> str:
        student = students.get(match.group(1))
        return UNNAMED if student is None else f"[student:{student}]"

    def scrub(items: list[str]) -> list[str]:
        return [_UPN.sub(name, item) for item in items]

    return {
        "version": report.version,
        "pupils": report.pupils,
        "counts": {outcome.value: n for outcome, n in report.counts.items()},
        "rejected": scrub(report.rejected),
        "warnings": scrub(report.warnings),
        "refused": _UPN.sub(name, report.refused),
        "restricted": report.restricted,
    }


def report_lines(lines: list[str]) -> list[str]:
    """A stored report's lines for the page: each ``[student:42]`` becomes the student's
    UPN, read from their (sealed) record, or says the record was erased."""
    ids = {int(m.group(1)) for line in lines for m in _STUDENT.finditer(line)}
    upns = {student.pk: student.upn for student in Student.objects.filter(pk__in=ids)}

    def shown(match: re.Match[str]) -> str:
        upn = upns.get(int(match.group(1)))
        return "a pupil whose record was erased" if upn is None else f"UPN {upn}"

    return [_STUDENT.sub(shown, line) for line in lines]


def import_run_execute_now(run_id: int, token: str, columns: dict[str, str] | None) -> None:
    """The task's body: import the upload as the person who uploaded it, record the report
    on the run, and delete the upload and the progress file whatever happens."""
    path = _upload_path(token)
    try:
        run = ImportRun.objects.select_related("school", "created_by").get(pk=run_id)
        ImportRun.objects.filter(pk=run_id).update(
            status=RunStatus.RUNNING, started_at=timezone.now()
        )
        _execute(run, path, columns)
    finally:
        path.unlink(missing_ok=True)
        _progress_path(run_id).unlink(missing_ok=True)
        _progress_path(run_id).with_suffix(".tmp").unlink(missing_ok=True)


def _execute(run: ImportRun, path: Path, columns: dict[str, str] | None) -> None:
    actor = run.created_by
    report: ImportReport | None = None
    status, refused = RunStatus.FAILED, ""
    try:
        if actor is None or not actor.is_active:
            raise PermissionDenied("The person who uploaded the file can no longer import it.")
        source = io.BytesIO(decrypt(path.read_bytes()))
        progress = _set_progress(run.pk)
        if run.kind == ImportKind.CTF:
            report = ctf_import(
                source=source, actor=actor, file_name=run.file_name, school_urn=run.school.urn,
                valid_only=run.valid_only, progress=progress,
            )  # fmt: skip
        else:
            report = csv_import(
                run.kind, source=source, school=run.school, actor=actor, columns=columns,
                file_name=run.file_name, valid_only=run.valid_only, progress=progress,
            )  # fmt: skip
        status = RunStatus.DONE if report.applied else RunStatus.REFUSED
    except (ImportValidationError, PermissionDenied) as exc:
        status, refused = RunStatus.REFUSED, str(exc)
    except Exception as exc:  # the run must end, and say so, whatever broke
        # Only the type is logged: a message could quote a value from the file.
        logger.error("Import run %s failed: %s", run.pk, type(exc).__name__)
        refused = "The import stopped unexpectedly and nothing was changed; try again later."
    values = report_json(report, run) if report is not None else {"refused": refused}
    if report is not None and not report.applied and refused:
        values["refused"] = refused
    ImportRun.objects.filter(pk=run.pk).update(
        status=status,
        report=values,
        done=report.pupils if report is not None else 0,
        total=report.pupils if report is not None else 0,
        finished_at=timezone.now(),
    )
    import_finished_alert(run_id=run.pk)


INTERRUPTED_IMPORT = (
    "The import was interrupted (the server stopped while it ran) and nothing was changed. "
    "Upload the file again."
)


def import_run_interrupted(args: Sequence[Any]) -> None:
    """An import whose worker died (``core.recovery``): its run says so, and its upload is
    deleted unread (P25: it holds pupils who were never referred)."""
    run_id, token = args[:2]
    ImportRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.FAILED,
        report={"refused": INTERRUPTED_IMPORT},
        done=0,
        total=0,
        finished_at=timezone.now(),
    )

    def delete_files() -> None:
        for path in (_upload_path(token), _progress_path(run_id)):
            path.unlink(missing_ok=True)
            path.with_suffix(".tmp").unlink(missing_ok=True)

    transaction.on_commit(delete_files)
