"""Writes to privacy notices: editing a partnership's configuration and publishing it.

There is deliberately no function that changes or deletes a published version (P26): a
signed consent points at the version the family saw, so what it says must stay exactly as
it was. A change of wording or of contact details is published as a new version.

Every write checks :func:`~seip.notices.permissions.can_manage_notice` and records its
audit event inside its own transaction. ``actor=None`` means the system itself (the demo
generator); views always pass the signed-in user.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import User
from seip.audit.services import audit_record
from seip.notices.models import NoticeConfiguration, NoticeVersion
from seip.notices.permissions import can_manage_notice
from seip.notices.selectors import current_notice
from seip.notices.wording import (
    DEFAULT_LAWFUL_BASIS,
    DEFAULT_RETENTION,
    DEFAULT_WORDING,
    check_configuration,
    fill_notice,
)
from seip.organisations.models import OrganisationType, Partnership


def notice_title(partnership: Partnership) -> str:
    """The notice's title, naming the partnership as the one using the information (P26)."""
    return f"How {partnership.name} uses information about your child"


@transaction.atomic
def notice_configuration_for(partnership: Partnership) -> NoticeConfiguration:
    """The partnership's notice configuration, created with the default wording, the
    public-task lawful basis (P24), the default retention periods and every consent
    category the first time it is asked for."""
    configuration, created = NoticeConfiguration.objects.get_or_create(
        partnership=partnership,
        defaults={
            "wording": DEFAULT_WORDING,
            "lawful_basis": DEFAULT_LAWFUL_BASIS,
            "retention": DEFAULT_RETENTION,
            "shares_with": list(OrganisationType.values),
        },
    )
    if created:
        audit_record(actor=None, action="notice_configuration.create", obj=configuration)
    return configuration


@transaction.atomic
def notice_configuration_update(
    *,
    partnership: Partnership,
    wording: str,
    lawful_basis: str,
    retention: str,
    shares_with: Iterable[str],
    actor: User | None,
) -> NoticeConfiguration:
    """Change what the partnership's next notice version will say (P24, P26).

    Refuses, changing nothing, a text with an unknown placeholder or a stray brace, a
    wording that leaves out the sharing list, the lawful basis, the retention periods or
    the ICO's details, and an empty or unknown set of categories. Published versions are
    untouched until the next :func:`notice_publish`.
    """
    _require_manager(actor, partnership)
    texts = {
        "wording": _normalised(wording),
        "lawful_basis": _normalised(lawful_basis),
        "retention": _normalised(retention),
    }
    categories = _checked(texts, shares_with)
    configuration = NoticeConfiguration.objects.select_for_update().get(
        pk=notice_configuration_for(partnership).pk
    )
    new = {**texts, "shares_with": categories}
    changed = sorted(
        field for field, value in new.items() if getattr(configuration, field) != value
    )
    for field, value in new.items():
        setattr(configuration, field, value)
    configuration.full_clean()
    configuration.save()
    audit_record(
        actor=actor,
        action="notice_configuration.update",
        obj=configuration,
        detail={"changed": changed},
    )
    return configuration


@transaction.atomic
def notice_publish(
    *, partnership: Partnership, actor: User | None, published_at: dt.datetime | None = None
) -> NoticeVersion:
    """Publish the configuration as the partnership's next notice version (P26, P24).

    The wording is filled with the partnership's details as they are now, read afresh
    under a row lock (which also keeps two publishers from taking the same number). The
    body is stored with its SHA-256, and never changes afterwards. Publishing text
    identical to the current version is refused: it would tell families nothing new.

    ``published_at`` is for the system alone (``actor=None``): the demo county's families
    signed a year ago, so the version they were shown must be dated before that. A
    person's publication is always dated now, and no version is dated in the future or
    before the one it follows, so the evidence of what a family saw cannot be rewritten.
    """
    _require_manager(actor, partnership)
    now = timezone.now()
    if published_at is not None and (actor is not None or published_at > now):
        raise ValueError("Only the system may date a notice version, and never in the future")
    live = (
        Partnership.objects.select_for_update()
        .select_related("local_authority")
        .get(pk=partnership.pk)
    )
    configuration = notice_configuration_for(live)
    body = fill_notice(
        live,
        wording=configuration.wording,
        lawful_basis=configuration.lawful_basis,
        retention=configuration.retention,
        shares_with=configuration.shares_with,
    )
    title = notice_title(live)
    latest = current_notice(live)
    if published_at is not None and latest is not None and published_at < latest.published_at:
        raise ValueError("A notice version cannot be dated before the version it follows")
    if latest is not None and latest.body == body and latest.title == title:
        raise ValidationError(
            f"Nothing has changed since version {latest.number}, so there is no new "
            "version to publish."
        )
    version = NoticeVersion(
        partnership=live,
        number=latest.number + 1 if latest is not None else 1,
        published_at=published_at or now,
        published_by=actor if actor is not None and actor.pk else None,
        title=title,
        body=body,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action="notice.publish",
        obj=version,
        detail={"number": version.number, "sha256": version.sha256},
    )
    return version


def _require_manager(actor: User | None, partnership: Partnership) -> None:
    if actor is not None and not can_manage_notice(actor, partnership):
        raise PermissionDenied("Only the partnership's co-ordinator or DPO can change its notice")


def _normalised(text: str) -> str:
    # Browsers send textarea lines ending in CRLF; store one form so that versions compare.
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _checked(texts: dict[str, str], shares_with: Iterable[str]) -> list[str]:
    """The chosen consent categories in the Referral Form's order, once the texts and the
    categories are all valid; otherwise every problem at once, under its field's name."""
    errors: dict[str, list[str]] = {}
    try:
        check_configuration(**texts)
    except ValidationError as error:
        errors.update(error.message_dict)
    chosen = set(shares_with)
    unknown = chosen - set(OrganisationType.values)
    if unknown:
        errors["shares_with"] = [f"Unknown kind of organisation: {', '.join(sorted(unknown))}"]
    elif not chosen:
        errors["shares_with"] = ["Select at least one kind of organisation you may share with"]
    if errors:
        raise ValidationError(errors)
    return [kind for kind in OrganisationType.values if kind in chosen]
