"""The student's profile, chronology and safeguarding concerns (P01, P02, P11, P12, P19).

Needs are ONE ``Need`` table keyed by ``kind`` rather than a model per kind. Every need is
the same shape (a coded value, an optional detail such as the first language or the
looked-after local authority, a source and a verification date), so one table gives one
history rule, one "current values" query and one verification service for all of them.
The codes themselves are data (:class:`NeedCode`, seeded with the DfE census codes by a
migration), so a new DfE code is a row, not a release. A change never overwrites a row:
the old row is kept with ``superseded_at``/``superseded_by`` and a new row is added, so
the value before and after a correction can always be shown (P12, P19).

Contacts and agencies carry their source (P11) and the date last confirmed (P12). Case
notes and safeguarding concerns hold their text encrypted at rest (P14); concerns are a
restricted record type (P02) whose readers are decided in ``records.permissions``. Every
other free text about the child and every contact detail is a sealed field
(``keys.fields``) under the child's own key, so shredding it erases them from every copy
of the database (P14, P22): the database cannot filter or order by them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from seip.keys.fields import SealedCharField, SealedEmailField, SealedTextField
from seip.organisations.models import OrganisationType, PartnerOrganisation
from seip.students.models import Student
from seip.students.sources import Sourced


class CodeScheme(models.TextChoices):
    SEN_PROVISION = "sen_provision", "SEN provision"
    SEN_NEED = "sen_need", "SEN type of need"
    YES_NO = "yes_no", "Yes or no"


class NeedKind(models.TextChoices):
    SEN_PROVISION = "sen_provision", "SEN provision"
    SEN_PRIMARY = "sen_primary", "Primary SEN type of need"
    SEN_SECONDARY = "sen_secondary", "Secondary SEN type of need"
    EAL = "eal", "English as an additional language"
    LOOKED_AFTER = "looked_after", "Looked after"
    FSM = "fsm", "Eligible for free school meals"
    FSM6 = "fsm6", "FSM ever 6 (pupil premium)"


#: Which code list each kind of need draws its value from.
SCHEME_FOR_KIND: dict[str, str] = {
    NeedKind.SEN_PROVISION: CodeScheme.SEN_PROVISION,
    NeedKind.SEN_PRIMARY: CodeScheme.SEN_NEED,
    NeedKind.SEN_SECONDARY: CodeScheme.SEN_NEED,
    NeedKind.EAL: CodeScheme.YES_NO,
    NeedKind.LOOKED_AFTER: CodeScheme.YES_NO,
    NeedKind.FSM: CodeScheme.YES_NO,
    NeedKind.FSM6: CodeScheme.YES_NO,
}

#: The label of the free-text detail, for the kinds that have one.
DETAIL_LABEL: dict[str, str] = {
    NeedKind.EAL: "First language",
    NeedKind.LOOKED_AFTER: "Responsible local authority",
}


class NeedCode(models.Model):
    """One code of a DfE code list, such as SEN provision ``K`` or need type ``SEMH``."""

    scheme = models.CharField(max_length=20, choices=CodeScheme.choices)
    code = models.CharField(max_length=10)
    label = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_need_code"),
        ]

    def __str__(self) -> str:
        return self.label if self.scheme == CodeScheme.YES_NO else f"{self.code}: {self.label}"


class Need(Sourced):
    """One value of one kind of need, with its source (P11) and last check (P12).

    At most one current row per student and kind. A change or correction supersedes the
    current row instead of editing it, so the history keeps the value before and after
    (P19).
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="needs")
    kind = models.CharField(max_length=20, choices=NeedKind.choices)
    code = models.ForeignKey(NeedCode, on_delete=models.PROTECT, related_name="+")
    # Free text about the child (a first language, a local authority): sealed under the
    # child's own key (P14, P22; ADR 0034), as is every contact detail below.
    detail = SealedCharField(max_length=100, blank=True, subject="student.referral_id")
    verified_on = models.DateField("last verified", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    correction_reason = SealedCharField(
        max_length=300,
        blank=True,
        help_text="Set when this row corrects an earlier value.",
        subject="student.referral_id",
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )

    class Meta:
        ordering = ["student", "kind", "recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "kind"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_current_need_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["student", "superseded_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value_label}"

    def clean(self) -> None:
        super().clean()
        scheme = SCHEME_FOR_KIND.get(self.kind)
        if self.code_id is not None and self.code.scheme != scheme:
            raise ValidationError({"code": "Choose a value from the list for this kind of need"})
        if self.kind == NeedKind.EAL and not self.detail.strip():
            raise ValidationError({"detail": "Enter the student's first language"})
        looked_after = self.kind == NeedKind.LOOKED_AFTER and self.code_id is not None
        if looked_after and self.code.code == "Y" and not self.detail.strip():
            raise ValidationError(
                {"detail": "Enter the local authority that looks after the student"}
            )

    @property
    def value_label(self) -> str:
        label = str(self.code)
        if self.detail:
            label = f"{label} ({DETAIL_LABEL.get(self.kind, 'Detail')}: {self.detail})"
        return label

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class Contact(Sourced):
    """A parent, carer or other contact, and whether they hold parental responsibility."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="contacts")
    name = SealedCharField(max_length=200, subject="student.referral_id")
    relationship = SealedCharField(max_length=100, subject="student.referral_id")
    parental_responsibility = models.BooleanField()
    phone = SealedCharField(max_length=40, blank=True, subject="student.referral_id")
    email = SealedEmailField(blank=True, subject="student.referral_id")
    address = SealedTextField(blank=True, subject="student.referral_id")
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 is the first to contact.")
    verified_on = models.DateField("last verified", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student", "priority", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class StudentAgency(Sourced):
    """An agency working with the student: a registered organisation or a named one."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="agencies")
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Typed in by staff about this child's involvement (it may name a clinic): sealed, like
    # the worker's name and role.
    organisation_name = SealedCharField(
        max_length=200,
        blank=True,
        help_text="For an agency that is not registered here.",
        subject="student.referral_id",
    )
    worker_name = SealedCharField(max_length=200, blank=True, subject="student.referral_id")
    role = SealedCharField(max_length=100, blank=True, subject="student.referral_id")
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    verified_on = models.DateField("last verified", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "agency involved"
        verbose_name_plural = "agencies involved"
        ordering = ["student", "since", "pk"]

    def __str__(self) -> str:
        return self.agency_name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.organisation_id is None and not self.organisation_name.strip():
            errors["organisation"] = "Choose the agency, or enter its name if it is not listed"
        if self.since and self.until and self.until < self.since:
            errors["until"] = "The end date must be on or after the start date"
        if errors:
            raise ValidationError(errors)

    @property
    def agency_name(self) -> str:
        return self.organisation.name if self.organisation is not None else self.organisation_name

    @property
    def reveals_health(self) -> bool:
        """Whether the involvement itself is a health detail (P07): that CAMHS or the school
        nursing service works with a child says something about the child's health. A
        registered organisation's type decides; a name typed in cannot be classified (it
        may be a clinic), so it is treated as health until the organisation is registered.
        Default deny."""
        if self.organisation is None:
            return True
        return self.organisation.type == OrganisationType.HEALTH


class SupportPlan(models.Model):
    """The student's support plan (P01); its targets are what progress is measured by."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="support_plans")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["student", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Support plan {self.pk}"


class TargetDomain(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    BEHAVIOUR = "behaviour", "Behaviour"
    ATTAINMENT = "attainment", "Attainment"
    ATTITUDE = "attitude", "Attitude"
    OTHER = "other", "Other"


class TargetStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


class Target(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="targets")
    domain = models.CharField(max_length=20, choices=TargetDomain.choices)
    description = SealedTextField(subject="plan.student.referral_id")
    measure = SealedCharField(
        max_length=300, help_text="How we will know it is met.", subject="plan.student.referral_id"
    )
    due_on = models.DateField("due date")
    status = models.CharField(
        max_length=20, choices=TargetStatus.choices, default=TargetStatus.OPEN
    )

    class Meta:
        ordering = ["plan", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_domain_display()} target {self.pk}"


class NoteKind(models.TextChoices):
    CONTACT = "contact", "Contact"
    MEETING = "meeting", "Meeting"
    HOME_VISIT = "home_visit", "Home visit"
    PHONE_CALL = "phone_call", "Phone call"
    PANEL = "panel", "Panel"
    OTHER = "other", "Other"


class CaseNote(models.Model):
    """One dated entry in the chronology. The text is AES-GCM ciphertext under the
    student's own key (P14): read it only through ``records.selectors.chronology``."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="case_notes")
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    happened_on = models.DateField("date")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student", "-happened_on", "-pk"]
        indexes = [models.Index(fields=["student", "happened_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.happened_on:%Y-%m-%d}"


class NoteAttachment(models.Model):
    """A file attached to a case note, stored encrypted under a random name (P14)."""

    note = models.ForeignKey(CaseNote, on_delete=models.CASCADE, related_name="attachments")
    stored_as = models.CharField(max_length=200)
    name_encrypted = models.BinaryField(help_text="The original file name, encrypted.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["note", "pk"]

    def __str__(self) -> str:
        return f"Attachment {self.pk}"


class ConcernCategory(models.Model):
    """A category of safeguarding concern, as data (seeded by a migration)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "concern categories"
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class SafeguardingConcern(models.Model):
    """A restricted record (P02): only the safeguarding lead and the co-ordinator read it;
    other partnership staff must break glass. Details and actions are encrypted (P14)."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="safeguarding_concerns"
    )
    raised_on = models.DateField("date of concern")
    category = models.ForeignKey(ConcernCategory, on_delete=models.PROTECT, related_name="+")
    details_encrypted = models.BinaryField()
    actions_encrypted = models.BinaryField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student", "-raised_on", "-pk"]

    def __str__(self) -> str:
        return f"Safeguarding concern {self.pk}"


class BreakGlassAccess(models.Model):
    """A non-designated staff member opened a concern, and why (P02). Written in the same
    transaction as its audit event; the access lasts only for that request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    concern = models.ForeignKey(
        SafeguardingConcern, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    # The staff member's reason may name the child or what they fear: sealed (P14).
    reason = SealedTextField(subject="concern.student.referral_id")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "break-glass access"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Break-glass access {self.pk}"
