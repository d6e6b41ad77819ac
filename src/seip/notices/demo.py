"""The demo county's privacy notices: version 1 for every partnership (P26)."""

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from seip.demo.casework import NOTICE_PUBLISHED
from seip.notices.selectors import current_notice
from seip.notices.services import notice_publish

if TYPE_CHECKING:
    # Imported for types only: the demo generator imports this module to run the step.
    from seip.demo.generator import County, Scale


def build_notices(county: "County", scale: "Scale") -> None:
    """Publish version 1 of the default notice for each demo partnership that has none.

    The version is dated :data:`~seip.demo.casework.NOTICE_PUBLISHED`, before the first
    signature that cites it: the demo's families signed from the last school year on, and a
    consent naming a notice published after it was signed would contradict itself (issue 19).

    Idempotent: a partnership that has published keeps its versions, and a second run
    writes nothing (not even an audit event). The scale does not change the notices.
    """
    published_at = timezone.make_aware(dt.datetime.combine(NOTICE_PUBLISHED, dt.time(9)))
    for partnership in county.partnerships:
        if current_notice(partnership) is None:
            notice_publish(
                partnership=partnership,
                actor=None,
                published_at=min(published_at, timezone.now()),
            )
