"""Writing audit events. Called by every other app's services, never by views."""

from typing import Any

from django.db import models, transaction

from seip.accounts.models import User
from seip.audit.models import AuditEvent

_PERSONAL_KEYS = frozenset(
    {"name", "full_name", "email", "dob", "date_of_birth", "upn", "password"}
)


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``obj``.

    Must run inside the caller's transaction: an audit row written after a failed change,
    or a change committed without its audit row, would both make the trail lie.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    detail = detail or {}
    leaked = _PERSONAL_KEYS & detail.keys()
    if leaked:
        raise ValueError(f"audit detail must not hold personal data: {sorted(leaked)}")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )
