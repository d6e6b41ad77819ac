"""Reads for retention: what is due, what is held, and the logs (P17, P22).

What these return carries ids and dates only, so the sweep's output and its dry run can be
printed and kept without holding anyone's name.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.keys.crypto import preload
from seip.organisations.models import Partnership
from seip.records.models import Need, NeedKind, SafeguardingConcern
from seip.referrals.models import Referral, ReferralStatus
from seip.retention.models import Disposal, Erasure, LegalHold, RecordType
from seip.retention.schedule import schedules_for, student_due
from seip.students.models import Student

#: Who may read the schedule, the holds and the logs of a partnership.
READERS = (Role.COORDINATOR, Role.DPO)


@dataclass(frozen=True)
class Due:
    """A subject whose retention period has ended (or, with ``action`` review, whose
    record now needs the DPO's decision)."""

    partnership_id: int
    referral_id: int
    student_id: int | None
    record_type: str
    due_on: dt.date
    action: str
    held: bool


def _live_hold() -> Exists:
    return Exists(LegalHold.objects.filter(referral=OuterRef("pk"), lifted_at__isnull=True))


def _sen() -> Exists:
    """An SEN file exists once any SEN value other than "no SEN" was ever recorded,
    current or superseded: the history is part of the file."""
    return Exists(
        Need.objects.filter(student=OuterRef("pk")).filter(
            Q(kind__in=[NeedKind.SEN_PRIMARY, NeedKind.SEN_SECONDARY])
            | (Q(kind=NeedKind.SEN_PROVISION) & ~Q(code__code="N"))
        )
    )


def retention_due(*, today: dt.date, partnership: Partnership | None = None) -> list[Due]:
    """Everything whose retention period ended on or before ``today``, held or not.

    - archived students: from the date of birth, by the longest rule that applies to
      their record (general record, SEN file, safeguarding record);
    - declined referrals, from the decision, and referrals withdrawn before any case
      opened, from the withdrawal.
    Students still on the working list are never due: a record in use is not disposed of.
    """
    partnerships = Partnership.objects.all()
    if partnership is not None:
        partnerships = partnerships.filter(pk=partnership.pk)
    schedules = schedules_for(partnerships)
    found: list[Due] = []
    students = (
        Student.objects.filter(archived_at__isnull=False, partnership__in=partnerships)
        .annotate(
            sen=_sen(),
            safeguarding=Exists(SafeguardingConcern.objects.filter(student=OuterRef("pk"))),
            held=Exists(
                LegalHold.objects.filter(referral=OuterRef("referral"), lifted_at__isnull=True)
            ),
        )
        .only("pk", "referral_id", "partnership_id", "date_of_birth")
        .order_by("pk")
    )
    # The date of birth is sealed (ADR 0034): each archived student's is opened here, their
    # keys a batch at a time. Only archived records are looked at.
    for batch in _batches(students, 1000):
        preload(s.referral_id for s in batch)
        for s in batch:
            due = student_due(
                date_of_birth=s.date_of_birth,
                rules=schedules[s.partnership_id],
                sen=s.sen,  # type: ignore[attr-defined]
                safeguarding=s.safeguarding,  # type: ignore[attr-defined]
            )
            if due.due_on <= today:
                found.append(
                    Due(s.partnership_id, s.referral_id, s.pk, due.record_types[-1],
                        due.due_on, due.action, s.held)  # type: ignore[attr-defined]
                )  # fmt: skip
    referrals = (
        Referral.objects.filter(partnership__in=partnerships, student__isnull=True)
        .filter(
            Q(status=ReferralStatus.DECLINED, decided_at__isnull=False)
            | Q(status=ReferralStatus.WITHDRAWN, withdrawn_at__isnull=False)
        )
        .annotate(held=_live_hold())
        .values_list("pk", "partnership_id", "status", "decided_at", "withdrawn_at", "held")
        .order_by("pk")
    )
    for pk, partnership_id, status, decided_at, withdrawn_at, held in referrals.iterator():
        if status == ReferralStatus.DECLINED:
            record_type, start = RecordType.DECLINED_REFERRAL, decided_at
        else:
            record_type, start = RecordType.WITHDRAWN_REFERRAL, withdrawn_at
        rule = schedules[partnership_id][record_type]
        due_on = rule.due(timezone.localdate(start))
        if due_on <= today:
            found.append(Due(partnership_id, pk, None, record_type, due_on, rule.action, held))
    return found


def erased_since_backup() -> list[int]:
    """Referral ids whose live data key has lost its key-store secret.

    After restoring a database backup, these are the subjects shredded (erased or
    disposed of) since the backup was taken: the key store is never restored from a
    backup, so their secrets stay gone while their rows came back. A key store lost by
    accident looks the same, which is why replaying is a deliberate operator step.
    """
    from seip.keys import crypto
    from seip.keys.models import DataKey

    live = DataKey.objects.filter(shredded_at__isnull=True).values_list("referral_id", "store_id")
    return sorted(
        referral_id
        for referral_id, store_id in live.iterator()
        if not crypto.store_exists(store_id)
    )


def expired_draft_count(*, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=settings.DRAFT_RETENTION_DAYS)
    return Referral.objects.filter(status=ReferralStatus.DRAFT, created_at__lt=cutoff).count()


def can_read_retention(user: User, partnership: Partnership) -> bool:
    return has_role(user, READERS, partnership=partnership)


def can_change_retention(user: User, partnership: Partnership) -> bool:
    """Only the DPO changes the schedule, places or lifts holds, and erases (P17, P22)."""
    return has_role(user, [Role.DPO], partnership=partnership)


def live_holds(partnership: Partnership) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(
        referral__partnership=partnership, lifted_at__isnull=True
    ).order_by("placed_at", "pk")


def erasures_of(partnership: Partnership) -> QuerySet[Erasure]:
    return Erasure.objects.filter(partnership=partnership)


def disposals_of(partnership: Partnership) -> QuerySet[Disposal]:
    return Disposal.objects.filter(Q(partnership=partnership) | Q(partnership__isnull=True))


def _batches(rows: QuerySet[Student], size: int) -> Iterator[list[Student]]:
    batch: list[Student] = []
    for row in rows.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
