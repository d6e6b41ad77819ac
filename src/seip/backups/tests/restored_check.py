"""Run in a subprocess against a restored data folder: prints, as JSON, what the backup
test asserts (ids in, facts out; nothing personal leaves the restored system)."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seip.settings")
django.setup()

from seip.audit.selectors import verify  # noqa: E402
from seip.keys import crypto  # noqa: E402
from seip.keys.fields import indexed  # noqa: E402
from seip.records.models import CaseNote  # noqa: E402
from seip.records.services import NOTE_TEXT  # noqa: E402
from seip.referrals.models import Consent, Referral  # noqa: E402
from seip.students.models import Student  # noqa: E402

erased_student, erased_referral, erased_upn, kept_student = sys.argv[1:5]
kept = Student.objects.get(pk=kept_student)
note = CaseNote.objects.filter(student=kept).first()
form = Consent.objects.filter(referral=kept.referral).exclude(form_file="").first()
print(
    json.dumps(
        {
            "erased_rows": Student.objects.filter(pk=erased_student).count()
            + Student.objects.filter(upn_index=indexed("upn", erased_upn)).count()
            + Referral.objects.filter(pk=erased_referral).count()
            + Referral.objects.filter(upn_index=indexed("upn", erased_upn)).count()
            + CaseNote.objects.filter(student_id=erased_student).count(),
            # The subject is the referral, never the student: their ids differ.
            "kept_note": crypto.decrypt_for(
                kept.referral_id,
                bytes(note.text_encrypted),
                aad=NOTE_TEXT,
                row=crypto.row_id(note),
            ).decode()
            if note
            else None,
            "kept_form": len(crypto.read_encrypted_for(kept.referral, form.form_file))
            if form
            else 0,
            "audit_ok": verify().ok,
        }
    )
)
