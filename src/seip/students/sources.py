"""Where each fact came from and when (P11).

Most information comes from the school; the rest from the partnership's own assessments,
another agency (named), or the student and family. Every model holding facts about a
student inherits :class:`Sourced`, so the source travels with the fact into every view,
export and access bundle.
"""

from django.core.exceptions import ValidationError
from django.db import models

from seip.keys.fields import SealedCharField
from seip.organisations.models import OrganisationType, PartnerOrganisation


class SourceKind(models.TextChoices):
    SCHOOL_IMPORT = "school_import", "School (imported from the MIS)"
    SCHOOL_ENTRY = "school_entry", "School (entered)"
    PARTNERSHIP = "partnership", "Partnership's own assessment"
    AGENCY = "agency", "Another agency"
    FAMILY = "family", "The student or family"


class Sourced(models.Model):
    source_kind = models.CharField("source", max_length=20, choices=SourceKind.choices)
    source_organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The school or agency the fact came from.",
    )
    # Free text staff may type: sealed under the child's key like every other (P14). A
    # subclass that reaches its student another way redefines it with its own subject.
    source_note = SealedCharField(
        max_length=200,
        blank=True,
        help_text="For example the file name of an import.",
        subject="student.referral_id",
    )
    obtained_on = models.DateField("date obtained")

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.source_kind == SourceKind.AGENCY and self.source_organisation is None:
            raise ValidationError(
                {"source_organisation": "Name the agency this information came from"}
            )

    @property
    def source_label(self) -> str:
        """The source as any reader of the fact may see it. That a health service (CAMHS,
        school nursing) supplied a fact is itself a health detail, so it is named only
        through :meth:`source_label_for` with ``health=True`` (P07); default deny, so a
        page that forgets the rule names no health service."""
        return self.source_label_for(health=False)

    def source_label_for(self, *, health: bool) -> str:
        """The source, naming a health service only for a reader of health details."""
        label = str(self.get_source_kind_display())
        organisation = self.source_organisation
        if organisation is not None and (health or organisation.type != OrganisationType.HEALTH):
            label = f"{label}: {organisation.name}"
        return label
