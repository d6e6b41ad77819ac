"""Step 3 of 3 (ADR 0034, 0035): the plain columns go; the sealed ones take their names."""

from django.db import migrations

import seip.keys.fields
import seip.rights.fields
from seip.keys.sealing import swap_to_sealed

F = seip.keys.fields
L = seip.rights.fields
S = "student.referral_id"
R = "request.student.referral_id"


class Migration(migrations.Migration):
    dependencies = [("rights", "0004_seal_rows")]

    operations = [
        *swap_to_sealed(
            "rightsrequest",
            {
                "subject_details": L.LinkedSealedCharField(
                    "the child, as the requester described them",
                    blank=True,
                    help_text="Only when the child is not on record: name and date of birth "
                    "as given.",
                    max_length=300,
                    subject=S,
                ),
                "details": L.LinkedSealedTextField("what was asked for", blank=True, subject=S),
                "requester_name": L.LinkedSealedCharField(max_length=200, blank=True, subject=S),
                "requester_contact": L.LinkedSealedCharField(
                    "how to reply", max_length=300, blank=True, subject=S
                ),
                "identity_check_method": L.LinkedSealedCharField(
                    max_length=300, blank=True, subject=S
                ),
                "parental_responsibility_how": L.LinkedSealedCharField(
                    max_length=300, blank=True, subject=S
                ),
                "child_view": L.LinkedSealedTextField("the child's view", blank=True, subject=S),
                "extension_reason": L.LinkedSealedTextField(blank=True, subject=S),
                "outcome_notes": L.LinkedSealedTextField(blank=True, subject=S),
            },
        ),
        *swap_to_sealed(
            "clockpause", {"note": L.LinkedSealedCharField(max_length=300, blank=True, subject=R)}
        ),
        *swap_to_sealed(
            "proposedcorrection",
            {
                "description": L.LinkedSealedTextField(
                    "what is wrong, if it is not a listed fact", blank=True, subject=R
                ),
                "proposed_value": L.LinkedSealedTextField("what it should say", subject=R),
                "reason": L.LinkedSealedTextField(
                    "why the requester says it is wrong", blank=True, subject=R
                ),
                "decision_reason": L.LinkedSealedTextField(blank=True, subject=R),
                "value_before": L.LinkedSealedTextField(blank=True, subject=R),
                "value_after": L.LinkedSealedTextField(blank=True, subject=R),
            },
        ),
        *swap_to_sealed(
            "rectificationnotice",
            {
                "note": L.LinkedSealedCharField(
                    max_length=300, blank=True, subject="correction.request.student.referral_id"
                )
            },
        ),
        *swap_to_sealed(
            "restriction",
            {
                "reasons": F.SealedTextField(
                    "the balancing decision's reasons", blank=True, subject=S
                )
            },
        ),
    ]
