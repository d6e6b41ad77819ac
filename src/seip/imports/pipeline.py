"""One import pipeline for every school file: read, match, apply (issue 7, 21; P11, P20,
P25; ADR 0051).

A reader (:mod:`seip.imports.services` for the CTF, :mod:`seip.imports.mis` and
:mod:`seip.imports.mis_facts` for the MIS CSVs) turns a file into
:class:`~seip.imports.facts.FileFacts` and calls :func:`import_facts`, which does the
rest the same way for every format:

1. **Match** each pupil (:class:`~seip.imports.matcher.Matcher`): UPN, then former UPN.
   A pupil with no match is counted as "not referred" and nothing about them is
   written to the database, a log or the report (P25); one whose names and date of
   birth match is queued for the co-ordinator to check, never imported on it.
2. **Report the file's problems**, each naming its place; a problem of a pupil who is not
   referred is described by the reader without identifying them. A file with problems
   changes nothing unless the user chose ``valid_only``.
3. **Apply** in one transaction, under an :class:`~seip.students.permissions.ImportGrant`
   issued for this run: each matched pupil in their own savepoint (all of their facts,
   or none) through the parts of :mod:`seip.imports.applier`. A restricted student gets
   nothing written (P20). Without ``valid_only`` a pupil who cannot be written undoes
   the whole import.
4. **Audit** the import as one event with counts, the school and the grant's run, never a
   pupil's data; every write it made names the same run.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.imports.applier import Part, Pending, Run
from seip.imports.facts import FileFacts, PupilFacts
from seip.imports.matcher import Matcher
from seip.imports.models import ImportKind, MatchCandidate, file_label
from seip.imports.report import ImportReport, Outcome, Rollback, refused_for_errors
from seip.imports.validation import Problem
from seip.keys.crypto import preload
from seip.organisations.models import School
from seip.records.services import Source, facts_create
from seip.students.models import Student
from seip.students.permissions import ImportGrant, ensure_can_write
from seip.students.sources import SourceKind


def import_grant(school: School, actor: User) -> ImportGrant:
    """The grant for one run of ``school``'s own file by ``actor``. Only the pipeline
    issues one; the import's audit event records its run, as does every write under it."""
    return ImportGrant(
        run=uuid.uuid4().hex, school_id=school.pk, school_urn=school.urn, actor_id=actor.pk
    )


@dataclass(frozen=True)
class Format:
    """What the pipeline needs to know of a reader's format."""

    #: The audit action of the import ("imports.ctf", "imports.csv").
    action: str
    #: The parts that write this format's facts, in order.
    parts: Callable[[], list[Part]]
    #: A problem for the report: with the pupil's UPN when referred; otherwise without
    #: anything that identifies the pupil (P25).
    describe: Callable[[Problem, bool], str]
    #: The source note on every fact written (P11).
    note: str
    #: The kind of file a queued name match names.
    kind: str = ImportKind.CTF


def import_facts(
    read: FileFacts,
    *,
    fmt: Format,
    school: School,
    actor: User,
    report: ImportReport,
    detail: dict[str, object],
    valid_only: bool,
    progress: Callable[[int, int], None] | None = None,
    before: Callable[[], None] | None = None,
) -> ImportReport:
    """Match, report and apply a file read by a reader (see the module docstring).
    ``before`` runs first inside the import's transaction (a column mapping to remember)."""
    matcher = Matcher(school, actor)
    matched, duplicates = matcher.match_all(read.pupils)
    for index, student in matched.items():
        report.students[read.pupils[index].upn] = student.pk
    for problem, at in [*read.problems, *duplicates]:
        report.rejected.append(fmt.describe(problem, at is not None and at in matched))
    for index in matched:
        report.warnings += [p.describe() for p in read.pupils[index].warnings]
    if refused_for_errors(
        report, sum(not pupil.valid for pupil in read.pupils), valid_only=valid_only
    ):
        return report
    grant = import_grant(school, actor)
    today = timezone.localdate()
    run = Run(
        actor=actor,
        school=school,
        grant=grant,
        source=Source(
            kind=SourceKind.SCHOOL_IMPORT,
            obtained_on=today,
            organisation=school.organisation,
            note=fmt.note[:200],
        ),
        today=today,
        report=report,
    )

    def apply() -> None:
        if before is not None:
            before()
        _apply_all(read, matched, matcher, run, fmt, valid_only, progress)

    return apply_atomically(
        report,
        school=school,
        actor=actor,
        action=fmt.action,
        detail={**detail, **grant.audit()},
        apply=apply,
    )


def apply_atomically(
    report: ImportReport,
    *,
    school: School,
    actor: User,
    action: str,
    detail: dict[str, object],
    apply: Callable[[], None],
) -> ImportReport:
    """Every import's last step: ``apply`` in one transaction, audited with counts only.
    A ``Rollback`` undoes the lot and the report says why."""
    try:
        with transaction.atomic():
            apply()
            audit_record(
                actor=actor,
                action=action,
                obj=school,
                detail={
                    **detail,
                    "pupils": report.pupils,
                    **{outcome.name.lower(): n for outcome, n in report.counts.items()},
                },
            )
    except Rollback as exc:
        report.counts = dict.fromkeys(Outcome, 0)
        report.restricted = 0
        report.rejected = exc.reasons
        report.refused = "a pupil could not be imported; correct the file, or import the valid "
        report.refused += "pupils only"
    return report


def _apply_all(
    read: FileFacts,
    matched: dict[int, Student],
    matcher: Matcher,
    run: Run,
    fmt: Format,
    valid_only: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    students = list({student.pk: student for student in matched.values()}.values())
    # Facts' text is sealed under each student's key: open the file's keys in one query,
    # and load each row with its student, so reading a value costs no query.
    preload(student.referral_id for student in students)
    parts = fmt.parts()
    for part in parts:
        part.load(students, run)
    report = run.report
    total = len(read.pupils)
    for done, pupil in enumerate(read.pupils, 1):
        student = matched.get(done - 1)
        if not pupil.valid:
            report.counts[Outcome.REJECTED] += 1
        elif student is None:
            if (candidate := matcher.candidate(pupil)) is not None:
                _queue(candidate, pupil.position, run, fmt.kind, report.file_name)
                report.counts[Outcome.QUEUED] += 1
            else:
                # "Not referred" is what any other unmatched pupil gets, a restricted
                # student's name match too: it reveals nothing.
                report.counts[Outcome.NOT_REFERRED] += 1
        elif student.pk in matcher.restricted:
            report.not_imported(pupil.label)
        else:
            try:
                with transaction.atomic():
                    outcome = _apply_pupil(student, pupil, parts, run)
            except (ValidationError, PermissionDenied, IntegrityError) as exc:
                reasons = [f"{pupil.label}: {message}" for message in _messages(exc)]
                if not valid_only:
                    raise Rollback(reasons) from None
                report.rejected += reasons
                outcome = Outcome.REJECTED
            report.counts[outcome] += 1
        if progress is not None:
            progress(done, total)
    for part in parts:
        part.finish(run)


def _apply_pupil(student: Student, pupil: PupilFacts, parts: list[Part], run: Run) -> Outcome:
    # Checked before anything is compared, so a pupil the actor may not write is refused
    # even when nothing would change.
    ensure_can_write(run.actor, student, grant=run.grant)
    pending = Pending()
    changes, before = 0, False
    for part in parts:
        change = part.write(student, pupil, run, pending)
        changes += change.changes
        before = before or change.before
    if pending:
        facts_create(
            student=student,
            needs=pending.needs,
            contacts=pending.contacts,
            years=pending.years,
            detail={"source": SourceKind.SCHOOL_IMPORT, "school": run.school.urn},
            actor=run.actor,
            grant=run.grant,
        )
    if not changes + len(pending):
        return Outcome.UNCHANGED
    return Outcome.UPDATED if before else Outcome.IMPORTED


def _messages(exc: ValidationError | PermissionDenied | IntegrityError) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    if isinstance(exc, IntegrityError):
        # Another change to the record landed during the import: never a file problem.
        return ["the record changed while the file was imported; import the file again"]
    return [str(exc)]


def _queue(student: Student, position: int, run: Run, kind: str, file_name: str) -> None:
    """Ask the co-ordinator to check a name-and-birthday match (never imported on it)."""
    candidate, created = MatchCandidate.objects.get_or_create(
        student=student,
        school=run.school,
        file_name=file_label(kind, file_name),
        position=position,
        resolved_at=None,
        defaults={"created_by": run.actor},
    )
    if created:
        audit_record(actor=run.actor, action="imports.match.queue", obj=candidate)
