"""Sending notifications: the daily digest and the immediate alerts (issue 19).

Each alert is asked for by the service that writes its event, inside that service's
transaction, and sent by ``transaction.on_commit``: an alert about a change that rolled
back is never sent, and the sending (a network call that may be slow or fail) never holds
the change's transaction open or undoes it. A failure to send is recorded, not raised,
and the callbacks are ``robust``: whatever goes wrong in one is logged, and the request or
task that made the change still ends as it would have.

What an email says is counts, a kind of event and a link: never a child's name, UPN,
date of birth, a reason someone typed, or a file's name (P14, P15). Links point at pages
that check, as every page does, that the reader may see what they show. Each message is
recorded (``SentMessage``: recipient, kind, day, status, counts) and audited, without its
text.
"""

import datetime as dt
import logging
import smtplib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Membership, Role, User
from seip.audit.services import audit_record
from seip.notifications.models import Kind, Preferences, SentMessage, Status
from seip.notifications.selectors import (
    DigestCounts,
    digest_counts,
    digest_recipients,
    preferences_of,
)
from seip.students.models import Case, CaseStatus, Student

logger = logging.getLogger(__name__)

#: Where the digest sends people: the list of their tasks, built from the same records.
TASKS_PATH = "/tasks/"


@dataclass(frozen=True)
class Message:
    kind: Kind
    subject: str
    body: str
    counts: dict[str, int]


def site_link(path: str) -> str:
    """The absolute address an email gives for ``path`` (emails are read outside SEIP)."""
    return f"{settings.SITE_URL}{path}"


def _body(text: str) -> str:
    choices = site_link(reverse("notifications:preferences"))
    return (
        f"{text}\n\n"
        "This email does not name anyone: sign in to SEIP to see the details.\n"
        f"Choose which emails SEIP sends you: {choices}\n"
    )


# --- choices ------------------------------------------------------------------------------


@transaction.atomic
def preferences_update(*, user: User, kinds: Iterable[str], actor: User) -> Preferences:
    """Switch on exactly ``kinds`` among the kinds shown to ``user``; only they may change
    their own choices. The audit event lists the kinds switched on."""
    if actor.pk != user.pk:
        raise PermissionError("People change only their own notification choices.")
    chosen = {Kind(kind) for kind in kinds}
    preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
    for kind in Kind:
        setattr(preferences, kind.value, kind in chosen)
    preferences.full_clean()
    preferences.save()
    audit_record(
        actor=actor,
        action="notifications.preferences",
        obj=preferences,
        detail={"on": sorted(kind.value for kind in chosen)},
    )
    return preferences


# --- recording and sending ------------------------------------------------------------------


@transaction.atomic
def _claim(user: User, message: Message, day: dt.date) -> SentMessage | None:
    """Record the message before it is sent. A digest is unique per person and day: when
    one is recorded already, this returns None, unless the earlier one failed to send, in
    which case it is tried again. One that may have gone (still "sending": a worker died
    mid-send) is never sent twice."""
    try:
        with transaction.atomic():
            record = SentMessage.objects.create(
                recipient=user, kind=message.kind, day=day, counts=message.counts
            )
    except IntegrityError:
        record = SentMessage.objects.select_for_update().get(
            recipient=user, kind=message.kind, day=day
        )
        if record.status != Status.FAILED:
            return None
        record.status, record.counts = Status.SENDING, message.counts
        record.save(update_fields=["status", "counts"])
    audit_record(
        actor=None,
        action="notifications.message.record",
        obj=record,
        detail={"kind": message.kind, "recipient": user.pk},
    )
    return record


@transaction.atomic
def _finish(record: SentMessage, status: Status) -> None:
    record.status = status
    record.sent_at = timezone.now() if status == Status.SENT else None
    record.save(update_fields=["status", "sent_at"])
    audit_record(
        actor=None,
        action=f"notifications.message.{status.value}",
        obj=record,
        detail={"kind": record.kind},
    )


def _send(record: SentMessage, user: User, message: Message) -> SentMessage:
    email = EmailMessage(subject=message.subject, body=_body(message.body), to=[user.email])
    try:
        email.send()
    except (smtplib.SMTPException, OSError):
        # The kind and the record's id only: the recipient's address is personal data.
        logger.warning("Could not send %s message %s", message.kind, record.pk)
        _finish(record, Status.FAILED)
    else:
        _finish(record, Status.SENT)
    return record


def deliver(
    message: Message, recipients: Iterable[User], *, day: dt.date | None = None
) -> list[SentMessage]:
    """Send ``message`` to each recipient who is active and has not switched its kind
    off; return the records of those tried. Outside any transaction: each message is
    recorded, sent and its outcome recorded on its own."""
    on = day or timezone.localdate()
    tried = []
    for user in recipients:
        if not user.is_active or not user.email or not preferences_of(user).wants(message.kind):
            continue
        record = _claim(user, message, on)
        if record is not None:
            tried.append(_send(record, user, message))
    return tried


def _members(partnership_id: int, role: Role) -> list[User]:
    ids = Membership.objects.filter(partnership_id=partnership_id, role=role).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


# --- the daily digest -------------------------------------------------------------------


def digest_message(counts: DigestCounts) -> Message:
    lines = "\n".join(f"- {line}" for line in counts.lines())
    return Message(
        kind=Kind.DIGEST,
        subject="SEIP: what is due today",
        body=f"Today in SEIP:\n\n{lines}\n\nSee your tasks: {site_link(TASKS_PATH)}",
        counts=counts.as_dict(),
    )


def digests_send(*, today: dt.date | None = None) -> int:
    """Send each member of staff today's digest, once a day: a second run the same day
    sends nothing again (``SentMessage`` allows one digest per person and day). Nobody
    with nothing due gets an email. Returns how many digests were sent."""
    day = today or timezone.localdate()
    sent = 0
    for user in digest_recipients():
        if SentMessage.objects.filter(
            recipient=user, kind=Kind.DIGEST, day=day, status__in=[Status.SENT, Status.SENDING]
        ).exists():
            continue  # sent already: not even the counts are worked out again
        counts = digest_counts(user, today=day)
        if not counts.anything:
            continue
        records = deliver(digest_message(counts), [user], day=day)
        sent += sum(record.status == Status.SENT for record in records)
    return sent


# --- immediate alerts ---------------------------------------------------------------------


def break_glass_alert(*, student: Student, actor: User) -> None:
    """Tell the partnership's safeguarding leads that someone opened a student's
    safeguarding concerns without being a designated reader (P02). Call inside the
    transaction that records the read; the email goes once it commits. It names neither
    the student nor the reason given: the link opens the record for those allowed."""
    partnership_id, actor_id = student.partnership_id, actor.pk
    at = timezone.localtime()
    record = site_link(reverse("records:concerns", args=[student.pk]))
    message = Message(
        kind=Kind.BREAK_GLASS,
        subject="SEIP: restricted safeguarding records were opened",
        body=(
            f"At {at:%H:%M} on {at:%-d %B %Y} a member of staff who is not a designated "
            "safeguarding reader gave a reason and opened a student's safeguarding concerns "
            f"(break glass).\n\nCheck who and why: {record}"
        ),
        counts={"opened": 1},
    )

    def send() -> None:
        leads = [u for u in _members(partnership_id, Role.SAFEGUARDING_LEAD) if u.pk != actor_id]
        deliver(message, leads)

    transaction.on_commit(send, robust=True)


def referral_signed_alert(*, referral_id: int, partnership_id: int) -> None:
    """Tell the partnership's co-ordinators that a referral was signed and waits for
    their decision. Call inside the signing transaction; sent once it commits.

    Nobody is told about a referral decided before the email would go (it needs no
    decision), nor told again what an email sent after the signing already counted: many
    referrals signed in one transaction make one email, not one each."""

    def send() -> None:
        from seip.referrals.models import Referral, ReferralStatus

        referral = Referral.objects.filter(pk=referral_id, status=ReferralStatus.SIGNED).first()
        if referral is None or referral.signed_at is None:
            return
        told = set(
            SentMessage.objects.filter(
                kind=Kind.REFERRAL_SIGNED, created_at__gte=referral.signed_at
            ).values_list("recipient", flat=True)
        )
        coordinators = [u for u in _members(partnership_id, Role.COORDINATOR) if u.pk not in told]
        if not coordinators:
            return
        waiting = Referral.objects.filter(
            partnership_id=partnership_id, status=ReferralStatus.SIGNED
        ).count()
        message = Message(
            kind=Kind.REFERRAL_SIGNED,
            subject="SEIP: a referral was signed and waits for your decision",
            body=(
                "A school has sent a signed referral to the partnership. "
                f"{waiting} referral{'' if waiting == 1 else 's'} now wait for a decision.\n\n"
                f"Read it: {site_link(reverse('referrals:detail', args=[referral_id]))}\n"
                f"All referrals: {site_link(reverse('referrals:list'))}"
            ),
            counts={"awaiting": waiting},
        )
        deliver(message, coordinators)

    transaction.on_commit(send, robust=True)


def exclusions_imported_alert(*, exclusion_ids: Iterable[int]) -> None:
    """Tell each key worker how many suspensions or exclusions an import brought for
    students on their caseload. Call inside the import's transaction with the ids it
    created; an import that rolls back tells nobody."""
    ids = list(exclusion_ids)
    if not ids:
        return

    def send() -> None:
        from seip.behaviour.models import Exclusion

        students = list(Exclusion.objects.filter(pk__in=ids).values_list("student", flat=True))
        workers = dict(
            Case.objects.filter(
                student__in=students,
                status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE],
                key_worker__isnull=False,
            ).values_list("student", "key_worker")
        )
        per_worker = Counter(workers[s] for s in students if s in workers)
        for worker in User.objects.filter(pk__in=per_worker).order_by("pk"):
            n = per_worker[worker.pk]
            message = Message(
                kind=Kind.EXCLUSION_IMPORTED,
                subject="SEIP: a suspension or exclusion arrived for your caseload",
                body=(
                    f"A school's import brought {n} suspension or exclusion record"
                    f"{'' if n == 1 else 's'} for students on your caseload.\n\n"
                    f"See your caseload: {site_link(reverse('students:list'))}"
                ),
                counts={"exclusions": n},
            )
            deliver(message, [worker])

    transaction.on_commit(send, robust=True)
