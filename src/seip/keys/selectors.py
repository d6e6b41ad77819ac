"""What the key table holds, in counts only: nothing here names a subject (P14)."""

from dataclasses import dataclass

from django.db.models import Count

from seip.keys import crypto
from seip.keys.models import DataKey


@dataclass(frozen=True)
class KeyStatus:
    by_master_key: dict[str, int]
    shredded: int
    missing_secret: int
    current_master_key_id: str

    @property
    def live(self) -> int:
        return sum(self.by_master_key.values())


def key_status(*, check_store: bool = True) -> KeyStatus:
    """Live keys per master key id, shredded tombstones, and (with ``check_store``) live
    keys whose secret the key store no longer holds: their data is unreadable."""
    live = DataKey.objects.filter(shredded_at__isnull=True)
    by_master = dict(
        live.values("master_key_id")
        .annotate(n=Count("pk"))
        .order_by("master_key_id")
        .values_list("master_key_id", "n")
    )
    missing = 0
    if check_store:
        missing = sum(
            not crypto.store_exists(store_id)
            for store_id in live.values_list("store_id", flat=True).iterator()
        )
    return KeyStatus(
        by_master_key=by_master,
        shredded=DataKey.objects.filter(shredded_at__isnull=False).count(),
        missing_secret=missing,
        current_master_key_id=crypto.current_master_key_id(),
    )
