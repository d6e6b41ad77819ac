"""Sending and opening transfer packages through ``seip transfer`` (P15, P13, P07, P09).

The county's provider (an alternative provider, partner of partnership A with a current
agreement) receives a package about the active case's student, whose family consented to
schools and alternative providers.
"""

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pyrage import x25519

from seip.audit.models import AuditEvent
from seip.core.tests.pdfcheck import pdf_text
from seip.organisations.models import DataSharingAgreement, OrganisationType
from seip.organisations.tests.factories import AgreementFactory, OrganisationFactory
from seip.records.models import ConcernCategory
from seip.records.services import Upload, concern_raise, need_record, note_add
from seip.records.tests.factories import AgencyFactory, school_source
from seip.referrals.services import consent_withdraw
from seip.sharing.models import Disclosure, DisclosureKind
from seip.sharing.services import involvement_create
from seip.transfers import keys, package
from seip.transfers.services import organisation_identity_create

LETTER = b"%PDF-1.4 a letter from the school\n"


@pytest.fixture(autouse=True)
def _key_folders(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.KEY_STORE_DIR = tmp_path / "keystore"


@pytest.fixture
def student(active_case, personas):
    student = active_case.student
    coordinator = personas["coordinator"]
    need_record(
        student=student, kind="sen_provision", code="K", source=school_source(), actor=coordinator
    )
    need_record(student=student, kind="sen_primary", code="SEMH", source=school_source(),
                actor=coordinator)  # fmt: skip
    note_add(
        student=student, kind="meeting", happened_on=timezone.localdate(),
        text="Met the family at school.",
        attachments=[Upload("Letter to parents.pdf", "application/pdf", LETTER)], actor=coordinator,
    )  # fmt: skip
    concern_raise(
        student=student, raised_on=timezone.localdate(),
        category=ConcernCategory.objects.get(code="neglect"),
        details="Concern details never to be sent", actions_taken="Referred", actor=coordinator,
    )  # fmt: skip
    return student


def receives(organisation, folder: Path) -> Path:
    """Give ``organisation`` an age key; return its identity file."""
    identity = folder / f"identity-{organisation.pk}.txt"
    organisation_identity_create(organisation=organisation, identity_out=identity, actor=None)
    return identity


def involve(student, organisation, personas):
    return involvement_create(
        student=student, organisation=organisation, purpose="Alternative provision placement",
        starts_on=timezone.localdate(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip


@pytest.fixture
def provider_identity(student, county, personas, tmp_path):
    involve(student, county.provider, personas)
    return receives(county.provider, tmp_path)


def export(student, organisation, by, out: Path, purpose="Placement from January") -> str:
    call_command(
        "transfer", "export", "--student", str(student.pk), "--to", str(organisation.pk),
        "--purpose", purpose, "--by", by.email, "--out", str(out),
    )  # fmt: skip
    return out.read_bytes().hex()


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("transfer", *args, stdout=out)
    return out.getvalue()


@pytest.mark.promise("P15")
def test_round_trip_through_the_commands(student, county, personas, provider_identity, tmp_path):
    package_file = tmp_path / "out.age"
    printed = run(
        "export", "--student", str(student.pk), "--to", str(county.provider.pk),
        "--purpose", "Placement from January", "--by", personas["coordinator"].email,
        "--out", str(package_file),
    )  # fmt: skip
    assert f"Package: {package_file}" in printed
    assert student.first_name not in printed
    assert student.last_name not in printed
    assert stat.S_IMODE(package_file.stat().st_mode) == 0o600
    assert package_file.read_bytes().startswith(b"age-encryption.org/v1\n")

    opened_dir = tmp_path / "opened"
    printed = run(
        "open", str(package_file), "--identity", str(provider_identity), "--out", str(opened_dir)
    )
    assert "Signature verified: signed by Alpha Vale SEIP" in printed
    assert "files match their SHA-256" in printed
    record = json.loads((opened_dir / "record.json").read_text())
    assert record["student"]["upn"] == student.upn
    assert record["chronology"][0]["text"] == "Met the family at school."
    (attachment,) = record["chronology"][0]["attachments"]
    assert (opened_dir / attachment).read_bytes() == LETTER
    assert (opened_dir / "record.pdf").read_bytes().startswith(b"%PDF")
    manifest = json.loads((opened_dir / "manifest.json").read_text())
    assert manifest["recipient"]["organisation"] == str(county.provider.pk)
    # The signature on disk still verifies against the partnership's published key.
    county.a.refresh_from_db()
    keys.partnership_public_key(county.a).verify(
        (opened_dir / "manifest.sig").read_bytes(), (opened_dir / "manifest.json").read_bytes()
    )


@pytest.mark.promise("P15")
def test_safeguarding_never_goes_and_sen_needs_go_only_to_health_or_schools(
    student, county, personas, provider_identity, tmp_path
):
    export(student, county.provider, personas["coordinator"], tmp_path / "ap.age")
    run("open", str(tmp_path / "ap.age"), "--identity", str(provider_identity),
        "--out", str(tmp_path / "ap"))  # fmt: skip
    opened = [p.read_bytes() for p in (tmp_path / "ap").rglob("*") if p.is_file()]
    assert len(opened) == 5  # record.json, record.pdf, the letter, manifest and signature
    assert not [content for content in opened if b"never to be sent" in content]
    text = pdf_text((tmp_path / "ap/record.pdf").read_bytes())
    assert "never to be sent" not in text
    assert "Met the family" in text
    record = json.loads((tmp_path / "ap/record.json").read_text())
    assert [need["kind"] for need in record["needs"]] == ["SEN provision"]

    school = county.school_a.organisation
    AgreementFactory(organisation=school, partnership=county.a)
    involve(student, school, personas)
    identity = receives(school, tmp_path)
    export(student, school, personas["coordinator"], tmp_path / "school.age")
    run("open", str(tmp_path / "school.age"), "--identity", str(identity),
        "--out", str(tmp_path / "school"))  # fmt: skip
    record = json.loads((tmp_path / "school/record.json").read_text())
    assert [n["kind"] for n in record["needs"]] == ["SEN provision", "Primary SEN type of need"]


@pytest.mark.promise("P07")
def test_health_services_involved_go_only_to_health_or_schools(
    student, county, personas, provider_identity, tmp_path
):
    AgencyFactory(
        student=student, organisation=county.agency, organisation_name="",
        role="Mental health practitioner",
    )  # fmt: skip
    AgencyFactory(student=student, organisation=None, organisation_name="Hillside Clinic")
    AgencyFactory(student=student, organisation=county.council, organisation_name="",
                  role="Attendance officer")  # fmt: skip
    export(student, county.provider, personas["coordinator"], tmp_path / "ap.age")
    run("open", str(tmp_path / "ap.age"), "--identity", str(provider_identity),
        "--out", str(tmp_path / "ap"))  # fmt: skip
    record = json.loads((tmp_path / "ap/record.json").read_text())
    assert [a["agency"] for a in record["agencies"]] == [county.council.name]
    pdf = pdf_text((tmp_path / "ap/record.pdf").read_bytes())
    assert county.agency.name not in pdf
    assert "Hillside Clinic" not in pdf


@pytest.mark.promise("P15")
def test_wrong_identity_is_refused_and_nothing_is_written(
    student, county, personas, provider_identity, tmp_path
):
    export(student, county.provider, personas["coordinator"], tmp_path / "p.age")
    other = tmp_path / "other.txt"
    other.write_text(f"{x25519.Identity.generate()}\n")
    with pytest.raises(CommandError, match="This package was not encrypted to the key you gave"):
        run("open", str(tmp_path / "p.age"), "--identity", str(other), "--out",
            str(tmp_path / "x"))  # fmt: skip
    assert not (tmp_path / "x").exists()
    assert not list(tmp_path.glob(".seip-transfer-*"))


@pytest.mark.promise("P15")
def test_a_changed_byte_is_refused_and_nothing_is_written(
    student, county, personas, provider_identity, tmp_path
):
    export(student, county.provider, personas["coordinator"], tmp_path / "p.age")
    data = bytearray((tmp_path / "p.age").read_bytes())
    data[len(data) // 2] ^= 0x40
    (tmp_path / "p.age").write_bytes(bytes(data))
    with pytest.raises(CommandError, match="The package is damaged or was altered"):
        run("open", str(tmp_path / "p.age"), "--identity", str(provider_identity),
            "--out", str(tmp_path / "x"))  # fmt: skip
    assert not (tmp_path / "x").exists()


@pytest.mark.promise("P15")
def test_the_signer_can_be_given_as_a_file_and_must_match(
    student, county, personas, provider_identity, tmp_path
):
    export(student, county.provider, personas["coordinator"], tmp_path / "p.age")
    printed = run("keygen", "--partnership", county.a.slug)
    pem = printed[printed.index("-----BEGIN") :]
    (tmp_path / "alpha.pem").write_text(pem)
    run("open", str(tmp_path / "p.age"), "--identity", str(provider_identity),
        "--signer", str(tmp_path / "alpha.pem"), "--out", str(tmp_path / "ok"))  # fmt: skip
    assert (tmp_path / "ok/record.json").exists()

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    (tmp_path / "other.pem").write_text(keys.public_pem(Ed25519PrivateKey.generate().public_key()))
    with pytest.raises(CommandError, match="signature does not verify"):
        run("open", str(tmp_path / "p.age"), "--identity", str(provider_identity),
            "--signer", str(tmp_path / "other.pem"), "--out", str(tmp_path / "no"))  # fmt: skip
    assert not (tmp_path / "no").exists()


@pytest.mark.promise("P15")
@pytest.mark.promise("P14")
def test_both_ends_are_logged_without_personal_data(
    student, county, personas, provider_identity, tmp_path
):
    export(student, county.provider, personas["key_worker"], tmp_path / "p.age")
    sent = Disclosure.objects.get(kind=DisclosureKind.TRANSFER_SENT)
    assert (sent.student, sent.organisation) == (student, county.provider)
    package_id = sent.reference
    assert (tmp_path / "p.age").exists()
    run("open", str(tmp_path / "p.age"), "--identity", str(provider_identity),
        "--out", str(tmp_path / "o"), "--by", personas["provider"].email)  # fmt: skip
    opened = Disclosure.objects.get(kind=DisclosureKind.TRANSFER_OPENED)
    assert (opened.student, opened.organisation, opened.reference) == (
        student, county.provider, package_id,
    )  # fmt: skip
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="transfer.")}
    assert events["transfer.sent"].detail["package"] == package_id
    assert events["transfer.sent"].actor == personas["key_worker"]
    assert events["transfer.opened"].detail["package"] == package_id
    assert events["transfer.opened"].actor == personas["provider"]
    assert AuditEvent.objects.filter(action="disclosure.transfer_sent").exists()
    logged = json.dumps([e.detail for e in AuditEvent.objects.all()])
    for personal in (student.first_name, student.last_name, student.upn, "Placement"):
        assert personal not in logged


# Refusals ------------------------------------------------------------------------------


def refused(student, organisation, by, tmp_path, message):
    with pytest.raises(CommandError, match=message):
        export(student, organisation, by, tmp_path / "refused.age")
    assert not (tmp_path / "refused.age").exists()
    assert not Disclosure.objects.filter(kind=DisclosureKind.TRANSFER_SENT).exists()


@pytest.mark.promise("P15")
@pytest.mark.promise("P07")
def test_refused_once_consent_for_the_category_is_withdrawn(
    student, county, personas, provider_identity, tmp_path
):
    consent_withdraw(referral=student.referral, categories={OrganisationType.ALTERNATIVE_PROVIDER},
                     actor=personas["coordinator"])  # fmt: skip
    refused(student, county.provider, personas["coordinator"], tmp_path,
            "has not agreed to share information with alternative provider")  # fmt: skip


@pytest.mark.promise("P15")
@pytest.mark.promise("P09")
def test_refused_when_the_agreement_has_expired(
    student, county, personas, provider_identity, tmp_path
):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    DataSharingAgreement.objects.filter(organisation=county.provider).update(
        signed_on=yesterday - dt.timedelta(days=365), expires_on=yesterday
    )
    refused(student, county.provider, personas["coordinator"], tmp_path,
            "no current data-sharing agreement")  # fmt: skip


@pytest.mark.promise("P15")
@pytest.mark.promise("P08")
def test_refused_without_an_involvement(student, county, personas, tmp_path):
    receives(county.provider, tmp_path)
    refused(student, county.provider, personas["coordinator"], tmp_path,
            "no active involvement")  # fmt: skip


@pytest.mark.promise("P15")
@pytest.mark.promise("P13")
def test_refused_for_an_organisation_that_is_not_a_partner(student, personas, tmp_path):
    outsider = OrganisationFactory(name="Elsewhere AP", type=OrganisationType.ALTERNATIVE_PROVIDER)
    receives(outsider, tmp_path)
    refused(student, outsider, personas["coordinator"], tmp_path, "not registered as a partner")


@pytest.mark.promise("P15")
def test_refused_for_an_organisation_without_a_key(student, county, personas, tmp_path):
    involve(student, county.provider, personas)
    refused(student, county.provider, personas["coordinator"], tmp_path, "has no age public key")


@pytest.mark.promise("P15")
@pytest.mark.parametrize("who", ["safeguarding_lead", "school_contact", "provider", "nobody"])
def test_refused_to_anyone_but_the_coordinator_dpo_or_key_worker(
    student, county, personas, provider_identity, tmp_path, who
):
    refused(student, county.provider, personas[who], tmp_path,
            "may send a student's record|No student")  # fmt: skip


@pytest.mark.promise("P15")
def test_the_dpo_may_send_into_a_folder(student, county, personas, provider_identity, tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    printed = run(
        "export", "--student", str(student.pk), "--to", str(county.provider.pk),
        "--purpose", "Placement", "--by", personas["dpo"].email, "--out", str(outbox),
    )  # fmt: skip
    sent = Disclosure.objects.get(kind=DisclosureKind.TRANSFER_SENT)
    (package_file,) = outbox.iterdir()
    assert package_file.name == f"seip-transfer-{sent.reference}.age"
    assert f"Package: {package_file}" in printed
    assert f"Package id: {sent.reference}" in printed


# Keys ----------------------------------------------------------------------------------


def test_keygen_for_an_organisation_writes_a_private_identity(county, tmp_path):
    identity = tmp_path / "id.txt"
    printed = run("keygen", "--organisation", str(county.agency.pk), "--identity-out",
                  str(identity))  # fmt: skip
    county.agency.refresh_from_db()
    assert county.agency.age_recipient.startswith("age1")
    assert county.agency.age_recipient in printed
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    assert f"# public key: {county.agency.age_recipient}" in identity.read_text()
    with pytest.raises(CommandError, match="already exists"):
        run("keygen", "--organisation", str(county.agency.pk), "--identity-out", str(identity))


def test_a_recipient_key_is_validated(county):
    with pytest.raises(CommandError, match="age public key"):
        run("keygen", "--organisation", str(county.agency.pk), "--recipient", "age1nope")


def test_export_refuses_a_signing_key_that_does_not_match_the_one_published(
    student, county, personas, provider_identity, tmp_path, settings
):
    run("keygen", "--partnership", county.a.slug)
    keys.key_path(county.a).unlink()  # the key file was lost and a new one would be made
    refused(student, county.provider, personas["coordinator"], tmp_path,
            "does not match the public key on record")  # fmt: skip


def test_production_never_invents_a_signing_key(county, settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="SEIP_TRANSFER_SIGNING_KEY_ALPHA_VALE"):
        keys.signing_key(county.a)


def test_the_signing_key_can_come_from_the_environment(county, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()  # fmt: skip
    monkeypatch.setenv("SEIP_TRANSFER_SIGNING_KEY_ALPHA_VALE", pem)
    assert keys.public_b64(keys.signing_key(county.a).public_key()) == keys.public_b64(
        key.public_key()
    )


@pytest.mark.promise("P15")
@pytest.mark.promise("P22")
def test_an_erased_record_cannot_be_sent(
    student, county, personas, provider_identity, tmp_path, django_capture_on_commit_callbacks
):
    from seip.keys.services import ShredReason, data_key_shred

    with django_capture_on_commit_callbacks(execute=True):
        data_key_shred(actor=personas["dpo"], referral=student.referral,
                       reason=ShredReason.ERASURE)  # fmt: skip
    refused(student, county.provider, personas["coordinator"], tmp_path,
            "Nothing can be sent: This record's encrypted content was erased")  # fmt: skip


@pytest.mark.promise("P15")
def test_a_package_passed_on_to_another_organisation_does_not_open(
    student, county, personas, provider_identity, tmp_path
):
    """Security review, issue 15: the provider re-encrypts its package to the agency's key.
    The agency's identity decrypts it, but the signed manifest names the provider."""
    import pyrage
    from django.core.management.base import CommandError

    export(student, county.provider, personas["coordinator"], tmp_path / "ap.age")
    agency_identity = receives(county.agency, tmp_path)
    provider_key = package.parse_identities(provider_identity.read_text())
    agency_key = package.parse_identities(agency_identity.read_text())
    inner = pyrage.decrypt((tmp_path / "ap.age").read_bytes(), provider_key)
    passed_on = tmp_path / "passed-on.age"
    passed_on.write_bytes(pyrage.encrypt(inner, [agency_key[0].to_public()]))
    with pytest.raises(CommandError, match="made for Bridgeway AP"):
        run("open", str(passed_on), "--identity", str(agency_identity),
            "--out", str(tmp_path / "agency"))  # fmt: skip
    assert not (tmp_path / "agency").exists()
