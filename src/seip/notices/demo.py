"""The demo county's privacy notices: version 1 for every partnership (P26)."""

from typing import TYPE_CHECKING

from seip.notices.selectors import current_notice
from seip.notices.services import notice_publish

if TYPE_CHECKING:
    # Imported for types only: the demo generator imports this module to run the step.
    from seip.demo.generator import County, Scale


def build_notices(county: "County", scale: "Scale") -> None:
    """Publish version 1 of the default notice for each demo partnership that has none.

    Idempotent: a partnership that has published keeps its versions, and a second run
    writes nothing (not even an audit event). The scale does not change the notices.
    """
    for partnership in county.partnerships:
        if current_notice(partnership) is None:
            notice_publish(partnership=partnership, actor=None)
