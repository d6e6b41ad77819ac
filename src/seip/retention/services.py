"""Erasure, legal holds, the retention schedule and the daily sweep (P17, P22)."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.keys.services import ShredReason, data_key_shred
from seip.organisations.models import Partnership
from seip.referrals.models import Referral
from seip.referrals.services import drafts_purge
from seip.retention.erasure import delete_subject_rows, tombstone_kept_rows
from seip.retention.models import (
    Disposal,
    Erasure,
    ErasureGround,
    ErasureSource,
    LegalHold,
    RecordType,
    RetentionRule,
)
from seip.retention.schedule import Action
from seip.retention.selectors import (
    Due,
    can_change_retention,
    erased_since_backup,
    expired_draft_count,
    retention_due,
)
from seip.students.models import Student

#: Grounds of Article 17(1) that someone may ask for but that cannot apply under public
#: task, with the reason given back.
REFUSED_GROUNDS: dict[str, str] = {
    "consent_withdrawn": (
        "Article 17(1)(b) does not apply: the partnership processes this record under "
        "public task (Article 6(1)(e)), not consent. Record an objection instead; if it is "
        "upheld, erase on ground 17(1)(c)."
    ),
    "online_service": (
        "Article 17(1)(f) does not apply: the record was not collected through an online "
        "service offered to a child."
    ),
    "legal_obligation": (
        "Article 17(1)(e) does not apply: no legal obligation requires this record's erasure."
    ),
}


def _subject(student_or_referral: Student | Referral) -> Referral:
    if isinstance(student_or_referral, Student):
        return student_or_referral.referral
    return student_or_referral


def _check_ground(ground: str) -> None:
    if ground in REFUSED_GROUNDS:
        raise ValidationError({"ground": REFUSED_GROUNDS[ground]})
    if ground not in ErasureGround.values:
        raise ValidationError(
            {"ground": "Erasure applies under public task only when an objection was upheld, "
             "the data is no longer needed, or it was processed unlawfully."}
        )  # fmt: skip


def _stores(files: int, rows: int, tables: int, emptied: int) -> list[dict[str, str]]:
    """Which stores the erasure reached, and how: the erasure log the issue asks for."""
    return [
        {"store": "database", "how": f"{rows} rows deleted from {tables} tables"},
        {
            "store": "kept rows",
            "how": f"{emptied} rights requests, waits and concerns emptied to their tombstone",
        },
        {"store": "media files", "how": f"{files} encrypted files deleted after commit"},
        {"store": "key store", "how": "data key shredded; its secret destroyed after commit"},
        {
            "store": "backups",
            "how": "encrypted content unreadable via key shredding; plaintext rows leave "
            "with the backups' own expiry, and a restore must replay erasures",
        },
        {"store": "audit trail", "how": "kept: events name ids, never content"},
    ]


@transaction.atomic
def student_erase(
    *,
    student_or_referral: Student | Referral,
    ground: str,
    actor: User | None,
    request_reference: str = "",
    source: str = ErasureSource.REQUEST,
) -> Erasure:
    """Erase a data subject everywhere the system keeps them (P22).

    Allowed only on a ground that applies under public task (``ErasureGround``), and only
    for the partnership's DPO, or the system itself (``actor=None``) when the retention
    schedule disposes of a record. A subject under a live legal hold is refused.

    In one transaction: shred the subject's data key (so every copy of their encrypted
    content, in backups too, becomes unreadable), empty the kept rows about them down to
    their tombstone (``retention.erasure.TOMBSTONES``), delete every row about them
    (``retention.erasure.PLAN``), write the ``Erasure`` tombstone and its audit event. The
    encrypted files are deleted once the transaction commits: deleting them earlier would
    lose them if the erasure then rolled back.
    """
    referral = Referral.objects.select_for_update().get(pk=_subject(student_or_referral).pk)
    partnership = referral.partnership
    if actor is None:
        if source not in (ErasureSource.RETENTION, ErasureSource.REPLAY):
            raise PermissionDenied("Only the data protection officer can erase a record.")
    elif not can_change_retention(actor, partnership):
        raise PermissionDenied("Only the data protection officer can erase a record.")
    _check_ground(ground)
    if actor is None and ground != ErasureGround.NO_LONGER_NEEDED:
        raise ValidationError({"ground": "The system erases only on ground 17(1)(a)."})
    hold = LegalHold.objects.filter(referral=referral, lifted_at__isnull=True).first()
    if hold is not None:
        raise ValidationError(
            f"This record is under a legal hold placed on {hold.placed_at:%d %B %Y}. "
            "Lift the hold before erasing it."
        )
    erasure = Erasure(
        erased_at=timezone.now(),
        ground=ground,
        source=source,
        request_reference=request_reference.strip(),
        actor_id=actor.pk if actor is not None else None,
        partnership=partnership,
        referral_id=referral.pk,
        student_id=Student.objects.filter(referral=referral).values_list("pk", flat=True).first(),
    )
    erasure.full_clean(exclude=["counts", "stores"])
    reason = ShredReason.ERASURE if source == ErasureSource.REQUEST else ShredReason.RETENTION
    # The kept rows are emptied first, while they still name the student (ADR 0035).
    emptied = tombstone_kept_rows(referral)
    data_key_shred(actor=actor, referral=referral, reason=reason)
    deleted = delete_subject_rows(referral)
    erasure.counts = {
        **deleted.counts,
        **{f"{k} (emptied)": n for k, n in emptied.items()},
    }
    erasure.stores = _stores(
        len(deleted.files),
        sum(deleted.counts.values()),
        len(deleted.counts),
        sum(emptied.values()),
    )
    erasure.save()
    names = list(deleted.files)
    transaction.on_commit(lambda: _delete_files(names))
    audit_record(
        actor=actor,
        action="retention.erase",
        obj=erasure,
        detail={
            "ground": ground,
            "source": source,
            "referral_id": erasure.referral_id,
            "student_id": erasure.student_id,
            "rows": sum(deleted.counts.values()),
            "files": len(names),
        },
    )
    return erasure


def _delete_files(names: list[str]) -> None:
    for name in names:
        # Idempotent: a file already gone (a retried erasure) is not an error.
        default_storage.delete(name)


# Legal holds -------------------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(
    *, student_or_referral: Student | Referral, reason: str, actor: User
) -> LegalHold:
    """Stop the record's disposal and erasure until the hold is lifted (P17). DPO only."""
    referral = Referral.objects.select_for_update().get(pk=_subject(student_or_referral).pk)
    if not can_change_retention(actor, referral.partnership):
        raise PermissionDenied("Only the data protection officer can place a legal hold.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the record must be kept"})
    if LegalHold.objects.filter(referral=referral, lifted_at__isnull=True).exists():
        raise ValidationError("This record is already under a legal hold.")
    hold = LegalHold(referral=referral, reason=reason.strip(), placed_by=actor)
    hold.full_clean()
    hold.save()
    audit_record(actor=actor, action="retention.hold_place", obj=hold)
    return hold


@transaction.atomic
def legal_hold_lift(*, hold: LegalHold, actor: User) -> LegalHold:
    """Lift a hold: the record is disposed of by the next sweep if its period has ended."""
    hold = LegalHold.objects.select_for_update().select_related("referral").get(pk=hold.pk)
    if not can_change_retention(actor, hold.referral.partnership):
        raise PermissionDenied("Only the data protection officer can lift a legal hold.")
    if hold.lifted_at is not None:
        raise ValidationError("This hold was already lifted.")
    hold.lifted_at = timezone.now()
    hold.lifted_by = actor
    hold.save(update_fields=["lifted_at", "lifted_by"])
    audit_record(actor=actor, action="retention.hold_lift", obj=hold)
    return hold


# The schedule ------------------------------------------------------------------------------


@transaction.atomic
def retention_rule_set(
    *, partnership: Partnership, record_type: str, years: int, days: int, actor: User
) -> RetentionRule:
    """Set the partnership's own period for one record type (P17). DPO only."""
    if not can_change_retention(actor, partnership):
        raise PermissionDenied("Only the data protection officer can change the schedule.")
    if record_type not in RecordType.values:
        raise ValidationError({"record_type": "Choose a record type from the schedule"})
    if years < 0 or days < 0 or (years == 0 and days == 0):
        raise ValidationError({"years": "Enter a period longer than zero"})
    rule, _ = RetentionRule.objects.select_for_update().get_or_create(
        partnership=partnership,
        record_type=record_type,
        defaults={"years": years, "days": days, "changed_by": actor},
    )
    before = {"years": rule.years, "days": rule.days}
    rule.years, rule.days, rule.changed_by = years, days, actor
    rule.full_clean()
    rule.save()
    audit_record(
        actor=actor,
        action="retention.rule_set",
        obj=rule,
        detail={"record_type": record_type, "before": before, "years": years, "days": days},
    )
    return rule


# The sweep ---------------------------------------------------------------------------------


@dataclass
class SweepResult:
    today: dt.date
    dry_run: bool
    disposed: list[Due] = field(default_factory=list)
    held: list[Due] = field(default_factory=list)
    review: list[Due] = field(default_factory=list)
    drafts: int = 0


def retention_sweep(*, now: dt.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Dispose of everything whose retention period has ended (P17). Safe to run daily.

    Held subjects are skipped; records needing review are listed, not disposed of. Each
    subject is erased in its own transaction (``student_erase``, ground 17(1)(a)) with a
    ``Disposal`` row, so one failure leaves the others done and a rerun finds only what is
    still due: disposed subjects no longer exist. ``dry_run`` changes nothing.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult(today=today, dry_run=dry_run)
    for due in retention_due(today=today):
        if due.held:
            result.held.append(due)
        elif due.action == Action.REVIEW:
            result.review.append(due)
        else:
            result.disposed.append(due)
    if dry_run:
        result.drafts = expired_draft_count(now=now)
        return result
    for due in result.disposed:
        _dispose(due, now)
    result.drafts = _purge_drafts(now)
    with transaction.atomic():
        audit_record(
            actor=None,
            action="retention.sweep",
            detail={
                "disposed": len(result.disposed),
                "held": len(result.held),
                "review": len(result.review),
                "drafts": result.drafts,
            },
        )
    return result


@transaction.atomic
def _dispose(due: Due, now: dt.datetime) -> None:
    erasure = student_erase(
        student_or_referral=Referral.objects.get(pk=due.referral_id),
        ground=ErasureGround.NO_LONGER_NEEDED,
        actor=None,
        source=ErasureSource.RETENTION,
    )
    Disposal.objects.create(
        at=now,
        partnership_id=due.partnership_id,
        record_type=due.record_type,
        referral_id=due.referral_id,
        due_on=due.due_on,
        erasure=erasure,
    )


@transaction.atomic
def _purge_drafts(now: dt.datetime) -> int:
    count = drafts_purge(now=now)
    if count:
        Disposal.objects.create(
            at=now,
            record_type="draft_referral",
            due_on=timezone.localdate(now) - dt.timedelta(days=settings.DRAFT_RETENTION_DAYS),
            count=count,
        )
    return count


def erasures_replay(*, apply: bool = False) -> list[int]:
    """After restoring a backup, erase again every subject erased since it was taken.

    Those subjects are found by their data key, whose secret is gone from the key store
    (``selectors.erased_since_backup``); their encrypted content is already unreadable,
    but their plain rows (name, UPN, date of birth) came back with the backup. With
    ``apply`` they are erased as the system, on ground 17(1)(a), source ``replay``.
    A subject under a legal hold is left for the DPO. Returns the referral ids found.
    """
    found = erased_since_backup()
    if apply:
        for referral_id in found:
            referral = Referral.objects.filter(pk=referral_id).first()
            if referral is None or referral.legal_holds.filter(lifted_at__isnull=True).exists():
                continue
            student_erase(
                student_or_referral=referral,
                ground=ErasureGround.NO_LONGER_NEEDED,
                actor=None,
                source=ErasureSource.REPLAY,
            )
    return found
