"""``seip ropa``: the Article 30 record, built from the live configuration (P24)."""

import csv
import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from seip.organisations.models import OrganisationType
from seip.organisations.tests.factories import AgreementFactory, OrganisationFactory
from seip.retention.erasure import reaching_models
from seip.retention.models import RecordType
from seip.retention.ropa import CATEGORIES, MODEL_CATEGORIES, NOT_PERSONAL
from seip.retention.services import retention_rule_set

pytestmark = pytest.mark.django_db


def ropa(*args: str) -> str:
    out = io.StringIO()
    call_command("ropa", *args, stdout=out)
    return out.getvalue()


def test_every_installed_model_is_classified_so_the_record_cannot_go_stale():
    installed = {model._meta.label for model in apps.get_models()}
    unclassified = installed - MODEL_CATEGORIES.keys() - NOT_PERSONAL.keys()
    assert not unclassified, f"add these to retention.ropa: {sorted(unclassified)}"
    assert not MODEL_CATEGORIES.keys() & NOT_PERSONAL.keys()
    assert set(MODEL_CATEGORIES.values()) <= CATEGORIES.keys()
    # Everything erasure deletes is personal data, and so is in the record.
    kept_tombstones = {"keys.DataKey"}
    assert reaching_models() - kept_tombstones <= MODEL_CATEGORIES.keys()


@pytest.mark.promise("P24")
def test_the_record_names_the_partnerships_organisations_contacts_and_periods(county):
    text = ropa("--partnership", county.a.slug)
    assert f"# Record of processing activities: {county.a.name}" in text
    assert county.a.dpo_email in text
    assert county.a.coordinator_name in text
    for school in county.a.schools.all():
        assert school.name in text
    assert "Bridgeway AP" in text
    assert "County CAMHS" in text
    for agreement in county.a.agreements.all():
        assert agreement.reference in text
        assert f"expires {agreement.expires_on:%Y-%m-%d}" in text
    assert "Beta High School" not in text  # partnership B's school
    assert "25 years after the date of birth; then disposal (default)" in text
    assert "31 years after the date of birth" in text
    assert "Article 6(1)(e) public task" in text
    assert "Article 9(2)(g)" in text
    assert "Case notes" in text  # a table that exists, named from the model
    assert "per young person" in text  # security: per-student keys


@pytest.mark.promise("P24")
def test_the_record_changes_when_the_configuration_changes(county, personas):
    before = ropa("--partnership", county.a.slug)
    retention_rule_set(
        partnership=county.a,
        record_type=RecordType.SEN_FILE,
        years=35,
        days=0,
        actor=personas["dpo"],
    )
    youth = OrganisationFactory(name="Riverside Youth Trust", type=OrganisationType.VOLUNTARY)
    youth.partnerships.add(county.a)
    AgreementFactory(
        organisation=youth,
        partnership=county.a,
        reference="DSA-RYT-1",
        signed_on=dt.date(2026, 1, 1),
        expires_on=dt.date(2029, 1, 1),
    )
    county.a.dpo_name = "Priya Newdpo"
    county.a.save()
    after = ropa("--partnership", county.a.slug)
    assert after != before
    assert "35 years after the date of birth; then disposal (set by the partnership)" in after
    assert "35 years" not in before
    assert "Riverside Youth Trust" in after
    assert "DSA-RYT-1 expires 2029-01-01" in after
    assert "Priya Newdpo" in after


@pytest.mark.promise("P24")
def test_csv_has_one_row_per_item_with_the_partnership(county, tmp_path):
    target = tmp_path / "ropa.csv"
    out = ropa("--format", "csv", "--out", str(target))
    assert "for 2 partnerships" in out
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {row["partnership"] for row in rows} == {county.a.slug, county.b.slug}
    a_recipients = [r["item"] for r in rows if r["partnership"] == county.a.slug
                    and r["section"] == "Recipients"]  # fmt: skip
    assert "Bridgeway AP" in a_recipients
    retention = [r for r in rows if r["section"] == "Retention" and r["item"] == "SEN file"]
    assert len(retention) == 2
    assert all("31 years" in r["detail"] for r in retention)


def test_an_unknown_partnership_is_an_error(county):
    with pytest.raises(CommandError):
        ropa("--partnership", "nowhere")
