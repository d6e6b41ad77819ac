"""Erasure, retention and disposal (P17, P22).

Nothing here may hold personal data about an erased or disposed-of child: the tombstones
(:class:`Erasure`, :class:`Disposal`) keep ids, dates, grounds and counts, which is what
the ICO expects of an erasure log ("logs of erasure must not contain the erased data").
The former ids are kept on purpose: they are the same ids the audit trail already names,
and they are what an operator needs to replay erasures after restoring an old backup.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from seip.audit.models import AppendOnly, AppendOnlyQuerySet

# A reference is a code such as "RR-2026-014", never a name: letters, digits and - / . _
reference_code = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9/._-]*$",
    "Enter the request's reference, such as RR-2026-014 (letters, digits and - / . _ only)",
)


class ErasureGround(models.TextChoices):
    """The Article 17 grounds that apply when the lawful basis is public task (6(1)(e)).

    There is no general right to erasure under public task: 17(1)(b) (consent withdrawn)
    and 17(1)(f) (online services offered to a child) cannot apply, and are refused by
    ``student_erase`` with a message saying why.
    """

    NO_LONGER_NEEDED = (
        "no_longer_needed",
        "Article 17(1)(a): the data is no longer necessary for the purposes it was "
        "collected or processed for",
    )
    OBJECTION_UPHELD = (
        "objection_upheld",
        "Article 17(1)(c): the person objected under Article 21(1) and there are no "
        "overriding legitimate grounds for the processing",
    )
    UNLAWFUL = "unlawful", "Article 17(1)(d): the data was processed unlawfully"


class ErasureSource(models.TextChoices):
    REQUEST = "request", "A rights request decided by the DPO"
    RETENTION = "retention", "The retention schedule (seip retention sweep)"
    REPLAY = "replay", "Replayed after restoring a backup (seip retention replay)"


class Erasure(AppendOnly):
    """The tombstone of one erased data subject: no name, UPN, date of birth or hash of
    any of them (P22). Append-only, like the audit trail it complements."""

    erased_at = models.DateTimeField()
    ground = models.CharField(max_length=30, choices=ErasureGround.choices)
    source = models.CharField(max_length=20, choices=ErasureSource.choices)
    request_reference = models.CharField(max_length=40, blank=True, validators=[reference_code])
    # Plain ids, not foreign keys: the rows they named are gone, and the actor's account
    # may be removed later without changing what this record says.
    actor_id = models.PositiveIntegerField(null=True, blank=True)
    partnership = models.ForeignKey(
        "organisations.Partnership", on_delete=models.PROTECT, related_name="+"
    )
    referral_id = models.PositiveIntegerField(help_text="The erased subject's former id.")
    student_id = models.PositiveIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, help_text="Rows deleted, per table.")
    stores = models.JSONField(default=list, help_text="Which stores the erasure covered, how.")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-erased_at", "-pk"]

    def __str__(self) -> str:
        return f"Erasure {self.pk}"


class RecordType(models.TextChoices):
    """The record types of the retention schedule; defaults in ``retention.schedule``."""

    PUPIL_RECORD = "pupil_record", "General pupil record"
    SEN_FILE = "sen_file", "SEN file"
    SAFEGUARDING = "safeguarding", "Child protection / safeguarding record"
    DECLINED_REFERRAL = "declined_referral", "Declined referral"
    WITHDRAWN_REFERRAL = "withdrawn_referral", "Referral withdrawn before a case opened"


class RetentionRule(models.Model):
    """A partnership's own period for one record type, replacing the default.

    Only overrides are stored: a partnership with no rows follows the defaults in
    ``retention.schedule.DEFAULTS``, so a new partnership is never without a schedule.
    """

    partnership = models.ForeignKey(
        "organisations.Partnership", on_delete=models.PROTECT, related_name="retention_rules"
    )
    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    years = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField(default=0)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partnership", "record_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "record_type"], name="one_rule_per_record_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.years} years, {self.days} days"


class LegalHold(models.Model):
    """Keeps a subject's record past its retention period, for example for litigation or
    an inquiry (P17). While a hold is live, neither the sweep nor an erasure request
    touches the record.

    The subject is the referral, as for data keys: a declined referral can be held too.
    The reason is about the child, so the hold is erased with them once lifted.
    """

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_live_hold_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.lifted_at is None


class Disposal(AppendOnly):
    """One line of the disposal log written by ``seip retention sweep`` (P17): what went,
    under which rule, when it was due. Ids and dates only."""

    at = models.DateTimeField()
    partnership = models.ForeignKey(
        "organisations.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    record_type = models.CharField(max_length=30)
    referral_id = models.PositiveIntegerField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(default=1)
    erasure = models.ForeignKey(
        Erasure, on_delete=models.PROTECT, null=True, blank=True, related_name="disposals"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Disposal {self.pk}"
