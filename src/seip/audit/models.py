"""The audit trail of actions.

Every service that changes data writes one of these inside its own transaction, so an
action and its record stand or fall together (P14). Events name objects by type and id
and never copy personal data into ``detail``: the trail must be safe to keep after a
record is erased (P22).

The trail is append-only and hash-chained (see :mod:`seip.audit.chain`): the models refuse
to change or delete a row, and ``seip audit verify`` shows that nobody did it behind their
back, in the database itself.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """The audit trail is append-only (P14)."""


class AppendOnlyQuerySet[M: models.Model](models.QuerySet[M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")


class AppendOnly(models.Model):
    """Rows that may be inserted and never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class AuditEvent(AppendOnly):
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # No database constraint and no SET_NULL: the actor's id is part of the hash, so it
    # must outlive the account rather than be blanked when a user is removed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class ChainHead(models.Model):
    """The one row that holds the end of the chain.

    Appending locks it (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise writers), so two writers can never take the same
    position or link to the same predecessor.
    """

    ONLY = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONLY)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    # How far the unchained anonymous events have been summarised into the chain, and
    # when that was last looked at (see ``services.anonymous_rollup``).
    anonymous_upto = models.PositiveBigIntegerField(default=0)
    anonymous_rolled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit chain head at {self.seq}"


class AuditCheckpoint(AppendOnly):
    """A signed statement that the chain had ``hash`` at position ``seq``.

    Exported copies kept away from the server let the DPO show later that history up to
    here has not been rewritten, even by someone who could recompute every hash.
    """

    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    signature = models.CharField(max_length=100)
    public_key = models.CharField(max_length=60)
    key_id = models.CharField(max_length=16)
    # The checkpoint interval in force when this was signed, and signed with it, so that a
    # verifier can tell when a checkpoint that was due is missing. Null: signed before the
    # interval was recorded (the message then has no ``every``).
    every = models.PositiveIntegerField(null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return f"audit checkpoint at {self.seq}"


class AnonymousEvent(AppendOnly):
    """An event nobody signed in for: a failed sign-in, a lockout, a public concern.

    Kept off the chain so that an anonymous flood never takes the chain head's lock and
    cannot hold up signed-in work; ``services.anonymous_rollup`` later writes a chained
    summary (how many of each action, between which ids and times), which ``verify``
    holds the table to. Like the chain, it names objects by id and never a person.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} (anonymous)"
