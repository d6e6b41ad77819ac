"""The demo's partner organisations can receive a package (P15)."""

import stat

from seip.organisations.models import PartnerOrganisation
from seip.transfers import package
from seip.transfers.demo import give_recipient_key, identity_path


def test_a_demo_organisation_gets_a_key_with_its_identity_in_the_data_folder(
    county, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    give_recipient_key(county.provider)
    path = identity_path(county.provider)
    assert path.parent == tmp_path / "transfer-identities"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    (identity,) = package.parse_identities(path.read_text())
    assert str(identity.to_public()) == county.provider.age_recipient


def test_a_rebuilt_database_reuses_the_identity_on_disk(county, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    give_recipient_key(county.provider)
    first = county.provider.age_recipient
    PartnerOrganisation.objects.filter(pk=county.provider.pk).update(age_recipient="")
    county.provider.refresh_from_db()
    give_recipient_key(county.provider)
    assert county.provider.age_recipient == first
