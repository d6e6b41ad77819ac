from seip.audit.models import AuditEvent
from seip.demo.generator import Scale, generate
from seip.notices.demo import build_notices
from seip.notices.models import NoticeVersion
from seip.notices.selectors import current_notice


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
