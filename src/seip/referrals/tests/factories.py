import datetime as dt

from django.utils import timezone

from seip.notices.models import NoticeVersion
from seip.referrals.models import Tier
from seip.referrals.services import CarerDetails, PupilDetails, SignedForm

PDF = SignedForm(content=b"%PDF-1.4 signed referral form scan", content_type="application/pdf")


def notice_for(partnership, number=1):
    return NoticeVersion.objects.get_or_create(
        partnership=partnership,
        number=number,
        defaults={
            "published_at": timezone.now(),
            "title": f"{partnership.name} privacy notice",
            "body": f"How {partnership.name} uses information.",
            "sha256": "0" * 64,
        },
    )[0]


def pupil(**overrides):
    values = {
        "upn": "B801200005001",
        "first_name": "Jordan",
        "last_name": "Example",
        "date_of_birth": dt.date(2012, 3, 14),
        "sex": "M",
        "nc_year": 9,
        "reasons": "Repeated suspensions this term.",
        "support_tried": "Mentoring in school; report card.",
        "attendance_summary": "86% this year",
        "behaviour_summary": "Two suspensions",
        "requested_tier": Tier.TARGETED,
    }
    values.update(overrides)
    return PupilDetails(**values)


def carers():
    return [CarerDetails(name="Sam Example", relationship="Mother", parental_responsibility=True)]
