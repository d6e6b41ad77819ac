"""The access bundle of a rights request and its redaction review (P18, P21).

A bundle is prepared for one access or portability request. Preparing it flags the items
a reviewer must look at (third parties, safeguarding); each gets a decision: release,
redact with a replacement text, or withhold under a named exemption. Only when every flag
is decided can the bundle be released, and the released copy is built from the decisions
and stored encrypted under the student's own key (so erasing the student shreds it too).

Nothing here holds personal content in the clear: a redaction's replacement text is
sealed under the student's key, and a flagged item is named by its type and id only.
"""

from django.conf import settings
from django.db import models

from seip.keys.fields import SealedTextField
from seip.rights.models import RightsRequest
from seip.students.models import Student


class BundleStatus(models.TextChoices):
    PREPARING = "preparing", "Being prepared"
    FAILED = "failed", "Could not be prepared"
    REVIEW = "review", "In redaction review"
    RELEASED = "released", "Released"


class AccessBundle(models.Model):
    request = models.OneToOneField(RightsRequest, on_delete=models.CASCADE, related_name="bundle")
    # The student as well as the request: the request's link is emptied by erasure, and
    # the erasure plan must find this row (and its files) through the student.
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=BundleStatus.choices, default=BundleStatus.REVIEW
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    prepared_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # Storage names of the sealed files (keys.crypto.store_encrypted_for) and the SHA-256
    # of each plaintext, so a copy the family holds can be matched to what was released.
    pdf_file = models.CharField(max_length=200, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    zip_file = models.CharField(max_length=200, blank=True)
    zip_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-pk"]

    def __str__(self) -> str:
        return f"Access bundle {self.pk}"

    @property
    def is_preparing(self) -> bool:
        return self.status == BundleStatus.PREPARING

    @property
    def is_released(self) -> bool:
        return self.status == BundleStatus.RELEASED


class Flag(models.TextChoices):
    THIRD_PARTY = "third_party", "Names or is about another person"
    SAFEGUARDING = "safeguarding", "Safeguarding: may be withheld where it would cause serious harm"
    FILE = "file", "A file: its content cannot be checked automatically"


class Decision(models.TextChoices):
    RELEASE = "release", "Release as it is"
    REDACT = "redact", "Redact: replace the content with a text"
    WITHHOLD = "withhold", "Withhold, and say so in the bundle"
    # Where saying that something was withheld would itself cause the harm (a concern
    # about the person asking): the bundle says nothing about the item (ADR 0028).
    NEITHER_CONFIRM_NOR_DENY = (
        "ncnd",
        "Withhold, and neither confirm nor deny that it exists",
    )


#: Decisions that leave the item out of the released bundle; each needs an exemption.
WITHHOLDING = frozenset({Decision.WITHHOLD, Decision.NEITHER_CONFIRM_NOR_DENY})


class Exemption(models.TextChoices):
    THIRD_PARTY = (
        "third_party",
        "DPA 2018 Schedule 2 paragraph 16 (information about another person)",
    )
    SERIOUS_HARM = (
        "serious_harm",
        "DPA 2018 Schedule 3 (serious harm to the physical or mental health of the child "
        "or another person)",
    )


class FlaggedItem(models.Model):
    """One item of the bundle a reviewer must decide, named by type and id only."""

    bundle = models.ForeignKey(AccessBundle, on_delete=models.CASCADE, related_name="items")
    item_type = models.CharField(max_length=40, help_text="The bundle section, e.g. case_notes.")
    item_id = models.PositiveBigIntegerField()
    flags = models.JSONField(default=list, help_text="Codes from Flag.")
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    # Sealed under the student's key: a replacement can still quote the child.
    replacement_encrypted = models.BinaryField(blank=True, default=b"")
    exemption = models.CharField(max_length=20, choices=Exemption.choices, blank=True)
    # The reviewer's reason can quote the child or the item: sealed too (P14, P22).
    reason = SealedTextField(blank=True, subject="bundle.student.referral_id")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bundle", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bundle", "item_type", "item_id"], name="bundles_one_flag_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"Flagged {self.item_type} {self.item_id}"

    @property
    def key(self) -> tuple[str, int]:
        return (self.item_type, self.item_id)
