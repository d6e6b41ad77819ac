from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from seip.referrals.services import drafts_purge


class Command(BaseCommand):
    help = (
        "Delete unsigned referral drafts older than SEIP_DRAFT_RETENTION_DAYS (default 30). "
        "Run daily. Logs only how many were deleted, never whom (P25)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = drafts_purge()
        self.stdout.write(
            f"Purged {count} unsigned draft{'s' if count != 1 else ''} older than "
            f"{settings.DRAFT_RETENTION_DAYS} days."
        )
