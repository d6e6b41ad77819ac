"""Reads of privacy notices.

Published versions are public by design (P26): a family must be able to read the notice
before they have an account. So these selectors take a partnership, not a user; the staff
pages reach the partnership through ``partnerships_visible_to`` first.
"""

from django.db.models import QuerySet

from seip.notices.models import NoticeVersion
from seip.organisations.models import Partnership


def current_notice(partnership: Partnership) -> NoticeVersion | None:
    """The partnership's newest published notice, or ``None`` if it has never published.

    A consent being signed records this version, so the family's agreement can later be
    shown against exactly the words they saw (P26, P07).
    """
    return notice_versions(partnership).first()


def notice_versions(partnership: Partnership) -> QuerySet[NoticeVersion]:
    """Every published version of the partnership's notice, newest first (P26)."""
    return NoticeVersion.objects.filter(partnership=partnership).order_by("-number")


def notice_version(partnership: Partnership, number: int) -> NoticeVersion | None:
    """One published version by its number, or ``None``."""
    return notice_versions(partnership).filter(number=number).first()
