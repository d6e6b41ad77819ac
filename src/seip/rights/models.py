"""The register of rights requests (P18 to P22) and the events that move their clock.

A request is kept for the partnership that must answer it. It names a student when the
person is on record (or still archived); a request can also arrive before anyone knows
who the child is, or about a child the partnership never held or has already erased. Then
``subject_details`` keeps the name and date of birth as the requester gave them, only
because the request cannot be searched for or answered without them (P25: nothing about
such a child is ever counted in a report, and this register is not a record of the child).

The due date is never stored: it is worked out by ``seip.rights.clock`` from the inputs
kept here (date received, the clock events, the extension), so it cannot drift from them.
"""

from django.conf import settings
from django.db import models

from seip.keys.fields import SealedTextField
from seip.organisations.models import Partnership
from seip.rights.fields import LinkedSealedCharField, LinkedSealedTextField
from seip.students.models import Student

# The text of a request and its rows is sealed under the child's own key once the request
# names a student, and with the service key until then (``rights.fields``, ADR 0035).
SUBJECT = "student.referral_id"
REQUEST_SUBJECT = "request.student.referral_id"
NOTICE_SUBJECT = "correction.request.student.referral_id"


class RequestType(models.TextChoices):
    ACCESS = "access", "Access (a copy of the record)"
    RECTIFICATION = "rectification", "Correction (rectification)"
    OBJECTION = "objection", "Objection to processing"
    ERASURE = "erasure", "Erasure"
    PORTABILITY = "portability", "Moving information (portability)"


class RequesterKind(models.TextChoices):
    PARENT_CARER = "parent_carer", "Parent or carer with parental responsibility"
    STUDENT = "student", "The student"
    REPRESENTATIVE = "representative", "A representative (for example a solicitor or advocate)"


class ReceivedVia(models.TextChoices):
    PORTAL = "portal", "Family portal"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    PHONE = "phone", "Phone"
    IN_PERSON = "in_person", "In person"


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    AWAITING = "awaiting", "Waiting for identity, clarification or fee"
    IN_PROGRESS = "in_progress", "In progress"
    EXTENDED = "extended", "Extended"
    COMPLETED = "completed", "Completed"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (Status.RECEIVED, Status.AWAITING, Status.IN_PROGRESS, Status.EXTENDED)
CLOSED_STATUSES = (Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN)


class PauseReason(models.TextChoices):
    # Identity and fee move the start of the clock (the "relevant time"); clarification
    # stops it, and the days waited are added (clock.py explains both).
    IDENTITY = "identity", "Waiting for proof of identity"
    CLARIFICATION = "clarification", "Waiting for clarification"
    FEE = "fee", "Waiting for a fee"


class RightsRequest(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="rights_requests"
    )
    # SET_NULL: erasing the student must leave the request (and its tombstone) behind.
    student = models.ForeignKey(
        Student, on_delete=models.SET_NULL, null=True, blank=True, related_name="rights_requests"
    )
    subject_details = LinkedSealedCharField(
        "the child, as the requester described them",
        max_length=300,
        blank=True,
        help_text="Only when the child is not on record: name and date of birth as given.",
        subject=SUBJECT,
    )
    type = models.CharField(max_length=20, choices=RequestType.choices)
    details = LinkedSealedTextField("what was asked for", blank=True, subject=SUBJECT)
    requester_kind = models.CharField(max_length=20, choices=RequesterKind.choices)
    # The requester's name and how to reply are needed to answer; nothing more is kept.
    # Required by the services; blank here because an erasure empties them (tombstone).
    requester_name = LinkedSealedCharField(max_length=200, blank=True, subject=SUBJECT)
    requester_contact = LinkedSealedCharField(
        "how to reply", max_length=300, blank=True, subject=SUBJECT
    )
    requester_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rights_requests",
        help_text="The portal account that made the request, if it came through the portal.",
    )
    received_via = models.CharField(max_length=20, choices=ReceivedVia.choices)
    received_on = models.DateField()

    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    identity_checked_on = models.DateField(null=True, blank=True)
    identity_check_method = LinkedSealedCharField(max_length=300, blank=True, subject=SUBJECT)
    parental_responsibility_confirmed = models.BooleanField(default=False)
    parental_responsibility_how = LinkedSealedCharField(max_length=300, blank=True, subject=SUBJECT)
    child_view_sought = models.BooleanField(default=False)
    child_view = LinkedSealedTextField("the child's view", blank=True, subject=SUBJECT)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    extension_months = models.PositiveSmallIntegerField(default=0)
    extension_reason = LinkedSealedTextField(blank=True, subject=SUBJECT)
    extension_notified_on = models.DateField(
        "the requester was told of the extension on", null=True, blank=True
    )
    outcome_notes = LinkedSealedTextField(blank=True, subject=SUBJECT)
    closed_on = models.DateField(null=True, blank=True)
    #: Set when the student's erasure emptied this request down to its tombstone: dates,
    #: type, status, who decided and the reference stay; the rest was blanked (P22).
    details_erased_on = models.DateField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        indexes = [models.Index(fields=["partnership", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extension_months__lte=2), name="rights_extension_at_most_two"
            ),
        ]

    def __str__(self) -> str:
        return f"Rights request {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def identity_checked(self) -> bool:
        return self.identity_checked_on is not None


class ClockPause(models.Model):
    """A stretch of time spent waiting for the requester; open while ``ended_on`` is empty."""

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=20, choices=PauseReason.choices)
    started_on = models.DateField("asked on")
    ended_on = models.DateField("received on", null=True, blank=True)
    note = LinkedSealedCharField(max_length=300, blank=True, subject=REQUEST_SUBJECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(ended_on__isnull=True),
                name="rights_one_open_pause",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="rights_pause_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Clock pause {self.pk}"


class Decision(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"


class ProposedCorrection(models.Model):
    """One correction a rectification request asks for (P19), and the staff decision.

    A structured fact is named by app label, model, primary key and field (for example
    ``records.need`` ``12`` ``code``) so the approved value goes through that app's own
    correction service. Anything else is described in ``description`` and corrected by
    hand. ``value_before`` and ``value_after`` are copied when the correction is applied,
    because some facts (behaviour) are corrected in place: this row is their history.
    They are about the child, so the row is erased with them (retention PLAN).
    """

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="corrections")
    fact_app = models.CharField(max_length=40, blank=True)
    fact_model = models.CharField(max_length=40, blank=True)
    fact_pk = models.PositiveIntegerField(null=True, blank=True)
    fact_field = models.CharField(max_length=40, blank=True)
    description = LinkedSealedTextField(
        "what is wrong, if it is not a listed fact", blank=True, subject=REQUEST_SUBJECT
    )
    proposed_value = LinkedSealedTextField("what it should say", subject=REQUEST_SUBJECT)
    reason = LinkedSealedTextField(
        "why the requester says it is wrong", blank=True, subject=REQUEST_SUBJECT
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)

    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = LinkedSealedTextField(blank=True, subject=REQUEST_SUBJECT)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    value_before = LinkedSealedTextField(blank=True, subject=REQUEST_SUBJECT)
    value_after = LinkedSealedTextField(blank=True, subject=REQUEST_SUBJECT)
    #: When the wrong value was obtained: disclosures since then must be told (Art 19).
    obtained_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "pk"]

    def __str__(self) -> str:
        return f"Proposed correction {self.pk}"

    @property
    def is_structured(self) -> bool:
        return bool(self.fact_app and self.fact_model and self.fact_pk)


class NoticeMethod(models.TextChoices):
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    PHONE = "phone", "Phone"
    TRANSFER = "transfer", "Secure transfer"
    IMPOSSIBLE = "impossible", "Not told: impossible or disproportionate (reason recorded)"


class RectificationNotice(models.Model):
    """An organisation that received the old value was told of the correction (Art 19)."""

    correction = models.ForeignKey(
        ProposedCorrection, on_delete=models.CASCADE, related_name="notices"
    )
    organisation = models.ForeignKey(
        "organisations.PartnerOrganisation", on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    method = models.CharField(max_length=20, choices=NoticeMethod.choices)
    note = LinkedSealedCharField(max_length=300, blank=True, subject=NOTICE_SUBJECT)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["correction", "organisation"], name="rights_one_notice_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"Rectification notice {self.pk}"


class RestrictionOutcome(models.TextChoices):
    PENDING = "pending", "Restricted while the objection is decided"
    COMPELLING = "compelling", "Compelling legitimate grounds: processing continues"
    UPHELD = "upheld", "Objection upheld: processing stopped"
    WITHDRAWN = "withdrawn", "Objection withdrawn"


class Restriction(models.Model):
    """Processing of a student's record is restricted because of an objection (P20, Art
    18(1)(d) and 21). While ``lifted_at`` is empty nothing is shared (the query in
    ``sharing.selectors.live_involvements`` leaves the student out), transfers are refused
    and the student is left out of new reports (``rights.selectors.restricted_student_ids``).
    An upheld objection keeps the restriction: processing stays stopped until erasure.
    """

    request = models.OneToOneField(
        RightsRequest, on_delete=models.CASCADE, related_name="restriction"
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="restrictions")
    since = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=RestrictionOutcome.choices, default=RestrictionOutcome.PENDING
    )
    reasons = SealedTextField(
        "the balancing decision's reasons", blank=True, subject="student.referral_id"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["since", "pk"]
        indexes = [models.Index(fields=["student", "lifted_at"])]

    def __str__(self) -> str:
        return f"Restriction {self.pk}"
