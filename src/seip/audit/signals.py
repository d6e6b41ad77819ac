"""Sign-in events in the audit trail (P14).

Django and django-axes announce sign-out, failed sign-in and lockout only through signals,
so these receivers are the one place those facts can be caught, whatever view caused them.
They only record; they decide nothing. Each writes its event in its own transaction,
because ``audit_record`` refuses to run outside one.

A successful sign-in is not recorded here. The sign-in view's own service records the
password step (``auth.login``) and the second factor (``auth.second_factor``);
a ``user_logged_in`` receiver would record every sign-in twice, and would also fire on
``Client.force_login`` in tests and benchmarks that count events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest

from seip.audit.services import anonymous_record, audit_record

# Annotations only: accounts is above audit (its services audit), so audit must not
# import it when it loads (ADR 0052).
if TYPE_CHECKING:
    from seip.accounts.models import User

SIGN_OUT = "auth.logout"
SIGN_IN_FAILED = "auth.login_failed"
LOCKED_OUT = "auth.locked_out"


def record_sign_out(
    sender: object, *, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    """Record who signed out. Signing out with no session is not an event."""
    if user is None or not user.pk:
        return
    with transaction.atomic():
        audit_record(actor=user, action=SIGN_OUT, obj=user)


# Failed and locked-out sign-ins record the fact and the time, and nothing that identifies
# anyone. What was typed as the email may be someone else's address, or a password typed
# in the wrong box; even a correct address only says who was *targeted*, not who tried.
# The client's IP address is personal data too. The audit chain is permanent: a hashed
# event can be neither corrected nor erased (P22), so none of this may enter it. Axes keeps
# the username and address of each failure in its own table for the cool-off period only,
# which is where an attack is investigated; the audit shows when and how often.
#
# Both are written off the chain (``anonymous_record``): anyone can cause them, as fast as
# they like, and each chained write holds the chain head's lock until its transaction
# ends. The chain gets a count of them later (ADR 0025).


def record_sign_in_failed(sender: object, **kwargs: Any) -> None:
    """Record that a sign-in failed, without the credentials, the account or the address."""
    with transaction.atomic():
        anonymous_record(action=SIGN_IN_FAILED)


def record_locked_out(sender: object, **kwargs: Any) -> None:
    """Record that axes refused a sign-in for repeated failures, identifying no one."""
    with transaction.atomic():
        anonymous_record(action=LOCKED_OUT)
