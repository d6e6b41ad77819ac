"""Writes for sharing: involvements, disclosures and the audit of reads.

Every function writes its audit event in the same transaction as its change (P14), with
ids only: the log never holds the content that was read or disclosed.
"""

import datetime as dt
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.organisations.models import PartnerOrganisation
from seip.referrals.models import Referral
from seip.sharing.models import Disclosure, DisclosureKind, Involvement
from seip.sharing.selectors import disclosing_to, disclosing_to_each, sharing_refusal
from seip.students.models import Student
from seip.students.permissions import ensure_can_write


@transaction.atomic
def involvement_create(
    *,
    student: Student,
    organisation: PartnerOrganisation,
    purpose: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    actor: User,
) -> Involvement:
    """Record that ``organisation`` works with ``student``: the basis of need to know (P08).

    Refused, with the reason, when the organisation is not registered with the student's
    partnership (P13), the family's consent does not cover its category (P07), or it has
    no current data-sharing agreement (P09).
    """
    ensure_can_write(actor, student)
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError({"purpose": "Say what the organisation does with this student"})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date must be on or after the start date"})
    refusal = sharing_refusal(student, organisation, on=starts_on, need_involvement=False)
    if refusal is None and starts_on < timezone.localdate():
        # A back-dated involvement must also be allowed today.
        refusal = sharing_refusal(student, organisation, need_involvement=False)
    if refusal is not None:
        raise ValidationError({"organisation": refusal})
    involvement = Involvement.objects.create(
        student=student,
        organisation=organisation,
        purpose=purpose,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="involvement.create",
        obj=involvement,
        detail={"student": student.pk, "organisation": organisation.pk},
    )
    return involvement


@transaction.atomic
def involvement_end(*, involvement: Involvement, ends_on: dt.date, actor: User) -> Involvement:
    """End an involvement on ``ends_on``; from the day after, the organisation sees nothing."""
    ensure_can_write(actor, involvement.student)
    if ends_on < involvement.starts_on:
        raise ValidationError({"ends_on": "The end date must be on or after the start date"})
    involvement.ends_on = ends_on
    involvement.ended_by = actor
    involvement.save(update_fields=["ends_on", "ended_by"])
    audit_record(
        actor=actor,
        action="involvement.end",
        obj=involvement,
        detail={"student": involvement.student_id, "ends_on": ends_on.isoformat()},
    )
    return involvement


@transaction.atomic
def disclosure_record(
    *,
    actor: User | None,
    student: Student,
    organisation: PartnerOrganisation | None,
    kind: DisclosureKind,
    purpose: str,
    reference: str = "",
    recipient: User | None = None,
) -> Disclosure:
    """Log that ``student``'s information reached ``organisation`` (P14), in the family's
    disclosure log and in the audit chain."""
    disclosure = Disclosure.objects.create(
        student=student,
        organisation=organisation,
        recipient=recipient if recipient is not None else actor,
        kind=kind,
        purpose=purpose[:300],
        reference=reference,
    )
    audit_record(
        actor=actor,
        action=f"disclosure.{kind}",
        obj=disclosure,
        detail={
            "student": student.pk,
            "organisation": organisation.pk if organisation is not None else None,
            "reference": reference,
        },
    )
    return disclosure


@transaction.atomic
def record_read(*, actor: User, student: Student, part: str, download: bool = False) -> None:
    """Audit that ``actor`` read ``part`` of ``student``'s record (P14); when they read from
    outside the partnership team, it is also a disclosure the family can see.

    One audit event either way: for an outside reader it names the disclosure it made, so
    a page view costs one chain append, not two."""
    disclosing = disclosing_to(actor, student)
    detail: dict[str, int] = {}
    if disclosing is not None:
        disclosure = Disclosure.objects.create(
            student=student,
            organisation=disclosing.organisation,
            recipient=actor,
            kind=DisclosureKind.DOWNLOAD if download else DisclosureKind.VIEW,
            purpose=disclosing.purpose[:300],
        )
        detail = {"disclosure": disclosure.pk, "organisation": disclosing.organisation.pk}
    audit_record(actor=actor, action=f"read.{part}", obj=student, detail=detail)


@transaction.atomic
def record_referral_read(
    *, actor: User, referral: Referral, part: str, download: bool = False
) -> None:
    """Audit that ``actor`` read ``part`` of ``referral`` (the referral page, the signed
    scan) (P14). Once the referral has become a student, a read from outside the
    partnership team is also a disclosure the family can see, as a read of the record is.
    """
    student = Student.objects.filter(referral=referral).select_related("school").first()
    audit_record(
        actor=actor,
        action=f"read.{part}",
        obj=referral,
        detail={"student": student.pk if student is not None else None},
    )
    disclosing = disclosing_to(actor, student) if student is not None else None
    if student is not None and disclosing is not None:
        disclosure_record(
            actor=actor,
            student=student,
            organisation=disclosing.organisation,
            kind=DisclosureKind.DOWNLOAD if download else DisclosureKind.VIEW,
            purpose=disclosing.purpose,
        )


@transaction.atomic
def record_list_read(
    *,
    actor: User,
    part: str,
    students: Sequence[Student],
    detail: Mapping[str, object] | None = None,
    kind: DisclosureKind = DisclosureKind.LIST,
) -> None:
    """Audit that ``actor`` saw ``students`` named in a list (P14): one event per page,
    with the ids shown. For a reader outside the partnership team each student listed is
    also a ``list`` disclosure the family can see (``disclosure_days`` folds a day's views
    into one line), or an ``export`` one when the list left the service as a file.
    ``students`` must have been fetched through the actor's scope."""
    disclosing = disclosing_to_each(actor, students)
    Disclosure.objects.bulk_create(
        Disclosure(
            student=student,
            organisation=disclosing[student.pk].organisation,
            recipient=actor,
            kind=kind,
            purpose=disclosing[student.pk].purpose[:300],
        )
        for student in students
        if student.pk in disclosing
    )
    audit_record(
        actor=actor,
        action=f"read.{part}",
        detail={
            **(detail or {}),
            "students": [student.pk for student in students],
            "disclosed": sorted(disclosing),
        },
    )
