"""Recipient keys for the demo's partner organisations, so a transfer can be tried end to
end: ``seip transfer open PACKAGE --identity <SEIP_DATA_DIR>/transfer-identities/<id>.txt``.

The identities live in the demo's data folder, never in the repository. Running the demo
again keeps an organisation's key; a rebuilt database picks up the identity already on
disk rather than making one the old file no longer matches.
"""

from pathlib import Path

from django.conf import settings
from pyrage import x25519  # type: ignore[import-untyped]  # no stubs published

from seip.organisations.models import PartnerOrganisation
from seip.transfers import package
from seip.transfers.services import organisation_identity_create, organisation_recipient_set

IDENTITY_DIR = "transfer-identities"


def identity_path(organisation: PartnerOrganisation) -> Path:
    return Path(settings.DATA_DIR) / IDENTITY_DIR / f"{organisation.pk}.txt"


def give_recipient_key(organisation: PartnerOrganisation) -> None:
    """Give a demo organisation an age key, with its identity in the data folder."""
    if organisation.age_recipient:
        return
    path = identity_path(organisation)
    if path.exists():
        (identity,) = package.parse_identities(path.read_text(encoding="utf-8"))
        public: x25519.Recipient = identity.to_public()
        organisation_recipient_set(organisation=organisation, recipient=str(public), actor=None)
    else:
        organisation_identity_create(organisation=organisation, identity_out=path, actor=None)
