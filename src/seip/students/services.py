"""The case lifecycle: accept, assign a key worker, close, leave and archive.

Each transition is one audited service call, and the allowed moves are one table, so an
invalid move is refused the same way wherever it is attempted from.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.core.upn import clean_upn
from seip.organisations.models import School
from seip.referrals.models import Referral, ReferralStatus, Tier
from seip.students.models import Case, CaseStatus, Destination, Outcome, PaperFile, Student
from seip.students.permissions import ImportGrant, ensure_can_write, grant_detail

#: The case lifecycle. The referral's own "signed" status is the "referred" stage.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.ACCEPTED: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.ACTIVE: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.LEFT}),
    CaseStatus.LEFT: frozenset(),
}


def _check_coordinator(actor: User, student_or_referral: Student | Referral) -> None:
    if not has_role(actor, [Role.COORDINATOR], partnership=student_or_referral.partnership):
        raise PermissionDenied("Only the partnership's co-ordinator can do this.")


def _check_editable(student: Student) -> None:
    """Archived records are read-only (P17). Same rule and message as
    :func:`seip.students.permissions.ensure_can_write`."""
    if student.is_archived:
        raise ValidationError("This record is archived and cannot be changed.")


def _move(case: Case, to: CaseStatus) -> None:
    if to not in TRANSITIONS[case.status]:
        raise ValidationError(
            f"A case that is {case.get_status_display().lower()} cannot become {to.label.lower()}."
        )
    case.status = to


@transaction.atomic
def case_open(
    *,
    referral: Referral,
    tier: Tier,
    risk_assessment_on: dt.date | None,
    risk_assessment_summary: str,
    actor: User,
) -> Case:
    """Accept a signed referral: create the student record and open the case.

    This is the first moment the partnership keeps a record of its own (P25). Tier 4
    (programme management) needs a completed risk assessment.
    """
    _check_coordinator(actor, referral)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.SIGNED:
        raise ValidationError("Only a signed referral awaiting a decision can be accepted.")
    if tier == Tier.PROGRAMME and (
        risk_assessment_on is None or not risk_assessment_summary.strip()
    ):
        raise ValidationError(
            {"risk_assessment_on": "Tier 4 needs a completed risk assessment: give its date "
             "and a summary"}
        )  # fmt: skip
    if risk_assessment_on and risk_assessment_on > timezone.localdate():
        raise ValidationError({"risk_assessment_on": "The risk assessment date is in the future"})
    upn = clean_upn(referral.upn)
    student = Student(
        partnership=referral.partnership,
        school=referral.school,
        referral=referral,
        upn=upn.value,
        upn_is_temporary=upn.temporary,
        first_name=referral.first_name,
        last_name=referral.last_name,
        date_of_birth=referral.date_of_birth,
        sex=referral.sex,
        nc_year=referral.nc_year,
    )
    student.full_clean()
    student.save()
    case = Case(
        student=student,
        status=CaseStatus.ACCEPTED,
        tier=tier,
        risk_assessment_on=risk_assessment_on,
        risk_assessment_summary=risk_assessment_summary.strip(),
        opened_at=timezone.now(),
    )
    case.full_clean()
    case.save()
    referral.status = ReferralStatus.ACCEPTED
    referral.decided_at = timezone.now()
    referral.decided_by = actor
    referral.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    audit_record(actor=actor, action="case.accept", obj=case, detail={"tier": int(tier)})
    return case


@transaction.atomic
def case_assign_key_worker(*, case: Case, key_worker: User, actor: User) -> Case:
    """Give the case its key worker; the case becomes active."""
    student = case.student
    _check_coordinator(actor, student)
    _check_editable(student)
    if not has_role(
        key_worker, [Role.KEY_WORKER, Role.COORDINATOR], partnership=student.partnership
    ):
        raise ValidationError({"key_worker": "Choose a key worker from this partnership"})
    if case.status != CaseStatus.ACTIVE:
        _move(case, CaseStatus.ACTIVE)
    case.key_worker = key_worker
    case.save(update_fields=["key_worker", "status"])
    audit_record(actor=actor, action="case.key_worker", obj=case)
    return case


@transaction.atomic
def case_close(*, case: Case, outcome: Outcome, destination: Destination, actor: User) -> Case:
    _check_coordinator(actor, case.student)
    _check_editable(case.student)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome"})
    if destination not in Destination.values:
        raise ValidationError({"destination": "Choose the destination"})
    _move(case, CaseStatus.CLOSED)
    case.outcome = outcome
    case.destination = destination
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "outcome", "destination", "closed_at"])
    audit_record(
        actor=actor,
        action="case.close",
        obj=case,
        detail={"outcome": str(outcome), "destination": str(destination)},
    )
    return case


def case_close_on_withdrawal(*, referral: Referral, actor: User) -> None:
    """Withdrawing the whole referral closes the open case (called inside its service)."""
    student = Student.objects.filter(referral=referral).first()
    if student is None:
        return
    for case in student.cases.filter(status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE]):
        _move(case, CaseStatus.CLOSED)
        case.outcome = Outcome.CONSENT_WITHDRAWN
        case.destination = Destination.STAYED
        case.closed_at = timezone.now()
        case.save(update_fields=["status", "outcome", "destination", "closed_at"])
        audit_record(actor=actor, action="case.close", obj=case, detail={"outcome": case.outcome})


@transaction.atomic
def student_leave(
    *,
    case: Case,
    paper_files: list[str],
    returned_to: School | None,
    returned_on: dt.date,
    received_by: str,
    receipt_confirmed: bool,
    actor: User,
) -> Student:
    """The student leaves: register each paper file's return (P16), archive the record (P17).

    The case must be closed first, so that outcome and destination are recorded.
    """
    student = case.student
    _check_coordinator(actor, student)
    _check_editable(student)
    school = returned_to or student.school
    errors: dict[str, str] = {}
    files = [line.strip() for line in paper_files if line.strip()]
    if not files:
        errors["paper_files"] = "List each paper file returned to the school, one per line"
    if not received_by.strip():
        errors["received_by"] = "Enter who at the school received the files"
    if not receipt_confirmed:
        errors["receipt_confirmed"] = "The school must confirm it received the files"
    if returned_on > timezone.localdate():
        errors["returned_on"] = "The date returned must be today or in the past"
    if school.partnership_id != student.partnership_id and school != student.school:
        errors["returned_to"] = "Return files to the school where the student is on roll"
    if errors:
        raise ValidationError(errors)
    _move(case, CaseStatus.LEFT)
    now = timezone.now()
    case.left_at = now
    case.save(update_fields=["status", "left_at"])
    for description in files:
        paper = PaperFile(
            student=student,
            description=description,
            returned_to=school,
            returned_on=returned_on,
            received_by=received_by.strip(),
            receipt_confirmed=receipt_confirmed,
            recorded_by=actor,
        )
        paper.full_clean()
        paper.save()
    student.archived_at = now
    student.save(update_fields=["archived_at"])
    audit_record(
        actor=actor, action="student.leave", obj=student, detail={"paper_files": len(files)}
    )
    return student


@transaction.atomic
def student_identity_update(
    *,
    student: Student,
    upn: str | None = None,
    nc_year: int | None = None,
    ethnicity: str | None = None,
    actor: User,
    grant: ImportGrant | None = None,
) -> list[str]:
    """Bring a student's UPN, NC year and ethnicity up to date from the school's data
    (issue 7, P11).

    A temporary UPN gives way to a permanent one; a permanent UPN is never replaced here
    (another permanent UPN is another child, or a correction for the co-ordinator to
    make). Names and date of birth stay as the signed referral gave them. Returns the
    fields changed; the audit event names the fields, never their values.
    """
    ensure_can_write(actor, student, grant=grant)
    changed: list[str] = []
    if upn is not None and upn != student.upn and student.upn_is_temporary:
        cleaned = clean_upn(upn)
        if not cleaned.temporary:
            student.upn, student.upn_is_temporary = cleaned.value, cleaned.temporary
            changed += ["upn", "upn_is_temporary"]
    if nc_year is not None and nc_year != student.nc_year:
        student.nc_year = nc_year
        changed.append("nc_year")
    if ethnicity is not None and ethnicity != student.ethnicity:
        student.ethnicity = ethnicity
        changed.append("ethnicity")
    if changed:
        # The foreign keys and the referral are unchanged, so they are not checked again.
        student.full_clean(exclude=["partnership", "school", "referral"], validate_unique=False)
        # The UPN's blind index follows it (ADR 0034); it is not a fact the audit names.
        student.save(update_fields=[*changed, *(["upn_index"] if "upn" in changed else [])])
        audit_record(
            actor=actor,
            action="students.identity.import",
            obj=student,
            detail={"fields": changed, **grant_detail(grant)},
        )
    return changed
