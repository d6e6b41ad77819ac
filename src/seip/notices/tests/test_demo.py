import datetime as dt

import pytest
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.demo.generator import Scale, generate
from seip.notices.demo import build_notices
from seip.notices.models import NoticeVersion
from seip.notices.selectors import current_notice
from seip.notices.services import notice_publish


def test_every_demo_partnership_gets_version_1_once(db):
    scale = Scale(partnerships=2, schools_per_partnership=1, students=60)
    county, _ = generate(scale)
    build_notices(county, scale)
    for partnership in county.partnerships:
        notice = current_notice(partnership)
        assert notice is not None
        assert notice.number == 1
        assert partnership.name in notice.body
    events = AuditEvent.objects.count()
    build_notices(county, scale)
    assert NoticeVersion.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_demo_partnerships_svg_logos_leave_a_readable_pdf(db, client):
    scale = Scale(partnerships=1, schools_per_partnership=1, students=60)
    county, _ = generate(scale)
    build_notices(county, scale)
    slug = county.partnerships[0].slug
    response = client.get(f"/privacy/{slug}/v1.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_only_the_system_may_date_a_version_and_never_in_the_future(db, personas, county):
    past = timezone.now() - dt.timedelta(days=400)
    with pytest.raises(ValueError, match="Only the system"):
        notice_publish(partnership=county.a, actor=personas["coordinator"], published_at=past)
    with pytest.raises(ValueError, match="Only the system"):
        notice_publish(
            partnership=county.a, actor=None, published_at=timezone.now() + dt.timedelta(days=1)
        )
    version = notice_publish(partnership=county.a, actor=None, published_at=past)
    assert version.published_at == past
    assert not NoticeVersion.objects.filter(partnership=county.a, number=2).exists()
