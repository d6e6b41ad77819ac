"""What production needs before it may write an audit trail (P14, ADR 0025).

Without a signing key every audited action, signing in included, would fail at the first
periodic checkpoint and at every one after it; without a witness, someone who owns the
database and the host could re-sign a rewritten history. ``seip serve`` and ``seip worker``
refuse to start on these problems, and ``seip check --deploy`` lists them. (The key store's
own problems are the keys app's: ``seip.keys.checks``, checked by the same commands.)
"""

import os
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from seip.audit import keys
from seip.audit.witness import ENV_NAME as WITNESS_ENV
from seip.audit.witness import witness_path


def production_problems() -> list[str]:
    """Each reason, one line naming its variable, why production cannot keep the audit
    trail; empty outside production, which makes its own key and witness."""
    if not settings.PRODUCTION:
        return []
    problems = []
    try:
        keys.signing_key()
    except ImproperlyConfigured as exc:
        problems.append(str(exc))
    try:
        path = witness_path()
    except ImproperlyConfigured as exc:
        problems.append(str(exc))
    else:
        # The file, or the nearest folder that exists (witness_append makes the rest).
        target = path
        while not target.exists() and target != target.parent:
            target = target.parent
        if not os.access(target, os.W_OK):
            problems.append(f"{WITNESS_ENV} ({path}): this process cannot append to it")
    if settings.AUDIT_CHECKPOINT_EVERY < 1:
        problems.append(
            "SEIP_AUDIT_CHECKPOINT_EVERY must be 1 or more when SEIP_PRODUCTION=true: "
            "without periodic checkpoints a removed one cannot be noticed"
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def audit_trail_check(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(problem, id=f"seip.audit.E{number:03d}")
        for number, problem in enumerate(production_problems(), start=1)
    ]
