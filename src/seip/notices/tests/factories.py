import hashlib

import factory
from django.utils import timezone

from seip.notices.models import NoticeVersion
from seip.organisations.tests.factories import PartnershipFactory


class NoticeVersionFactory(factory.django.DjangoModelFactory):
    """A published version made directly, for other apps' tests (a consent needs one).

    Tests of publishing itself use ``services.notice_publish``.
    """

    class Meta:
        model = NoticeVersion

    partnership = factory.SubFactory(PartnershipFactory)
    number = factory.Sequence(lambda n: n + 1)
    published_at = factory.LazyFunction(timezone.now)
    title = factory.LazyAttribute(
        lambda v: f"How {v.partnership.name} uses information about your child"
    )
    body = factory.LazyAttribute(lambda v: f"We are {v.partnership.name}.")
    sha256 = factory.LazyAttribute(lambda v: hashlib.sha256(v.body.encode()).hexdigest())
