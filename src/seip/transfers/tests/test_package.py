"""The package format on its own: no database (P15)."""

import datetime as dt
import io
import json
import zipfile

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from pyrage import x25519

from seip.core.tests.pdfcheck import assert_tagged, pdf_pages, pdf_text
from seip.transfers import package
from seip.transfers.record import attachment_filename

SENDER = package.Party("alpha-vale", "Alpha Vale SEIP")
RECIPIENT = package.Party("7", "Bridgeway AP")
WHEN = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
FILES = {
    "record.json": b'{"student": "example"}\n',
    "record.pdf": b"%PDF-1.4 example\n" * 50,
    "attachments/3-letter.txt": b"A letter from the school.\n",
}


@pytest.fixture
def signer():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def identity():
    return x25519.Identity.generate()


def build(signer, identity, files=FILES, **kwargs):
    return package.build(
        files=files,
        sender=SENDER,
        recipient=RECIPIENT,
        recipient_key=str(identity.to_public()),
        purpose="Placement at Bridgeway from January",
        subject={"student_id": 12},
        signing_key=signer,
        created_at=WHEN,
        **kwargs,
    )


def open_(data, identity, signer):
    return package.open_package(data, [identity], lambda manifest: signer.public_key())


def inner_entries(data, identity):
    with zipfile.ZipFile(io.BytesIO(pyrage.decrypt(data, [identity]))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.promise("P15")
def test_round_trip_gives_back_every_file_and_the_manifest(signer, identity):
    built = build(signer, identity)
    assert built.data.startswith(b"age-encryption.org/v1\n")
    opened = open_(built.data, identity, signer)
    assert opened.files == FILES
    manifest = opened.manifest
    assert manifest["package_id"] == built.package_id
    assert manifest["sender"] == {"partnership": "alpha-vale", "name": "Alpha Vale SEIP"}
    assert manifest["recipient"]["organisation"] == "7"
    assert manifest["created_at"] == "2026-11-30T09:00:00+00:00"
    assert {f["name"]: f["size"] for f in manifest["files"]} == {
        name: len(content) for name, content in FILES.items()
    }
    assert opened.signer_key_id == package.key_id(signer.public_key())
    # The signed bytes travel with the files, so anyone can check them again later.
    signer.public_key().verify(opened.signature, opened.manifest_bytes)


def test_the_inner_archive_is_deterministic(signer, identity):
    first = build(signer, identity, package_id="p1")
    second = build(signer, identity, package_id="p1")
    assert first.data != second.data  # age uses a fresh file key each time
    assert inner_entries(first.data, identity) == inner_entries(second.data, identity)
    assert package._zip(FILES) == package._zip(dict(reversed(FILES.items())))


@pytest.mark.promise("P15")
def test_a_package_opened_with_the_wrong_key_is_refused_clearly(signer, identity):
    built = build(signer, identity)
    stranger = x25519.Identity.generate()
    with pytest.raises(package.WrongKey, match="not encrypted to the key you gave") as refused:
        open_(built.data, stranger, signer)
    assert str(stranger.to_public()) in str(refused.value)


@pytest.mark.promise("P15")
def test_one_byte_changed_anywhere_is_refused(signer, identity):
    built = build(signer, identity)
    data = built.data
    header_end = data.index(b"\n---") + len(b"\n--- ") + 43 + 1
    for position in range(len(data)):
        changed = bytearray(data)
        changed[position] ^= 0x01
        with pytest.raises(package.PackageError) as refused:
            open_(bytes(changed), identity, signer)
        if position >= header_end:
            # The encrypted body: age's authentication fails, and we say so plainly.
            assert isinstance(refused.value, package.Damaged), position
            assert "damaged or was altered" in str(refused.value)


@pytest.mark.promise("P15")
def test_a_truncated_package_is_refused_as_damaged(signer, identity):
    built = build(signer, identity)
    with pytest.raises(package.Damaged, match="damaged or was altered"):
        open_(built.data[:-1], identity, signer)


@pytest.mark.promise("P15")
def test_an_edited_manifest_re_encrypted_to_the_recipient_fails_the_signature(signer, identity):
    """Anyone can encrypt to a public key: the signature is what proves the sender."""
    built = build(signer, identity)
    entries = inner_entries(built.data, identity)
    manifest = json.loads(entries["manifest.json"])
    manifest["purpose"] = "Something else"
    entries["manifest.json"] = package.canonical_json(manifest)
    forged = pyrage.encrypt(rezip(entries), [identity.to_public()])
    with pytest.raises(package.BadSignature, match="does not verify with the key of Alpha Vale"):
        open_(forged, identity, signer)


@pytest.mark.promise("P15")
def test_a_package_signed_by_another_key_is_refused(signer, identity):
    built = build(Ed25519PrivateKey.generate(), identity)
    with pytest.raises(package.BadSignature, match="not signed by that partnership"):
        open_(built.data, identity, signer)


@pytest.mark.promise("P15")
def test_a_changed_file_fails_its_checksum_naming_the_file(signer, identity):
    built = build(signer, identity)
    entries = inner_entries(built.data, identity)
    entries["attachments/3-letter.txt"] = b"A different letter.\n"
    forged = pyrage.encrypt(rezip(entries), [identity.to_public()])
    with pytest.raises(package.ChecksumMismatch, match=r"^attachments/3-letter\.txt does not"):
        open_(forged, identity, signer)


@pytest.mark.promise("P15")
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("record.pdf"), "missing: record.pdf"),
        (lambda e: e.update({"attachments/9-extra.txt": b"x"}), "added: attachments/9-extra"),
        (lambda e: e.update({"../evil": b"x"}), "should not: ../evil"),
        (lambda e: e.pop("manifest.sig"), "no signature"),
        (lambda e: e.pop("manifest.json"), "no readable manifest"),
    ],
)
def test_missing_extra_and_unsafe_files_are_refused(signer, identity, change, message):
    built = build(signer, identity)
    entries = inner_entries(built.data, identity)
    change(entries)
    forged = pyrage.encrypt(rezip(entries), [identity.to_public()])
    with pytest.raises(package.PackageError, match=message):
        open_(forged, identity, signer)


def test_a_package_without_its_record_cannot_be_built(signer, identity):
    with pytest.raises(package.BadContents, match=r"record\.pdf"):
        build(signer, identity, files={"record.json": b"{}"})
    with pytest.raises(package.BadContents, match="cannot go in a package"):
        build(signer, identity, files={**FILES, "attachments/../x": b"x"})


def test_identity_files_in_age_keygen_format_are_read():
    identity = x25519.Identity.generate()
    text = f"# created: 2026-11-30T09:00:00\n# public key: {identity.to_public()}\n{identity}\n"
    (parsed,) = package.parse_identities(text)
    assert str(parsed.to_public()) == str(identity.to_public())
    with pytest.raises(package.WrongKey, match="no age secret key"):
        package.parse_identities("# nothing here\n")
    with pytest.raises(package.WrongKey, match="not an age secret key"):
        package.parse_identities("AGE-SECRET-KEY-1NOTAKEY\n")


@given(st.text(max_size=300) | st.text(alphabet="./\\-a ", max_size=20))
def test_any_attachment_name_becomes_a_safe_package_name(name):
    filename = attachment_filename(42, name)
    assert package.safe_name(filename), filename


def test_attachment_names_keep_what_is_readable():
    assert attachment_filename(5, "Letter to parents.pdf") == "attachments/5-Letter-to-parents.pdf"
    assert attachment_filename(5, "../../etc/passwd") == "attachments/5-etc-passwd"
    assert attachment_filename(5, "a..b") == "attachments/5-a.b"


def test_the_pdf_lays_out_long_notes_and_markup_safely():
    from seip.transfers.record import record_pdf

    empty_rate = {"half_terms": []}
    document = {
        "student": {"first_name": "Ada <b>", "last_name": "Example & Co", "upn": "A123",
                    "date_of_birth": "2012-01-01", "nc_year": 9,
                    "school": {"name": "Alpha Academy", "urn": "100001"}},
        "needs": [], "contacts": [], "plan": None, "attendance": empty_rate,
        "behaviour": empty_rate, "provision": [],
        "reviews": [{"held_on": "2026-10-01", "next_steps": "Keep going"}],
        "chronology": [{"date": "2026-10-02", "kind": "Meeting",
                        "text": "A long note <with> markup & more. " * 3000}],
        "withheld": ["Safeguarding concerns are never sent in a transfer package."],
    }  # fmt: skip
    pdf = record_pdf(document, title="Student record", author="Alpha Vale SEIP")
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) > 5  # the note ran on over many pages
    text = pdf_text(pdf)
    assert "Ada <b> Example & Co" in text
    assert "A long note <with> markup & more." in text
    roles = assert_tagged(pdf, title="Student record")
    assert roles["/H1"] == 1
    assert roles["/H2"] == 8  # six parts in tables, reviews, chronology
    assert roles["/Table"] >= 1  # the student; the parts with nothing say so
    assert roles["/H3"] == 2  # the review and the note


@pytest.mark.promise("P15")
def test_a_package_made_for_another_organisation_is_refused_even_if_it_decrypts(signer, identity):
    """Security review, issue 15: organisation A re-encrypts the package it received to
    organisation B's key. age then opens it for B, and the signature still holds, but the
    signed manifest names A as the recipient: B must be refused."""
    built = build(signer, identity)
    other = x25519.Identity.generate()
    passed_on = pyrage.encrypt(pyrage.decrypt(built.data, [identity]), [other.to_public()])
    with pytest.raises(package.WrongRecipient, match="made for Bridgeway AP"):
        open_(passed_on, other, signer)
    # A package encrypted to both keys is refused to the one the manifest does not name.
    both = pyrage.encrypt(
        pyrage.decrypt(built.data, [identity]), [identity.to_public(), other.to_public()]
    )
    with pytest.raises(package.WrongRecipient):
        open_(both, other, signer)
    assert open_(both, identity, signer).manifest["recipient"]["name"] == "Bridgeway AP"
