"""Sending and opening transfer packages, and the keys they need (P15, P13).

A package leaves only when the student's information may go to that organisation at all
(``sharing.selectors.sharing_refusal``: registered partner, consent for its category,
current agreement, active involvement) and the organisation has an age key to encrypt
to. Both ends are logged: the sender's disclosure and audit event are written before the
package file is put in place, so a package never exists without its log entry.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage  # type: ignore[import-untyped]  # no stubs published
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from pyrage import x25519

from seip.accounts.models import Role, User
from seip.audit.services import audit_record
from seip.keys import crypto
from seip.organisations.models import PartnerOrganisation, Partnership
from seip.records import selectors as records
from seip.sharing.models import DisclosureKind
from seip.sharing.selectors import sharing_refusal
from seip.sharing.services import disclosure_record
from seip.students.models import Student
from seip.students.selectors import current_case
from seip.transfers import keys, package
from seip.transfers.record import attachment_filename, record_document, record_pdf

#: Partnership roles that may send a student's record out (besides the key worker).
SENDING_ROLES = frozenset({Role.COORDINATOR, Role.DPO})


class TransferRefused(Exception):
    """An export was refused; the message says why and, where it can, what to do."""


@dataclass(frozen=True)
class Exported:
    path: Path
    package_id: str
    sha256: str
    files: int


@dataclass(frozen=True)
class OpenedTransfer:
    path: Path
    package_id: str
    sender: str
    signer_key_id: str
    files: int
    logged_against_student: bool


def may_send(actor: User, student: Student) -> bool:
    """The co-ordinator or DPO of the student's partnership, or the student's key worker
    (P15): the people answerable for what leaves the partnership."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.memberships.filter(
        partnership=student.partnership_id, role__in=SENDING_ROLES
    ).exists():
        return True
    case = current_case(student)
    return case is not None and case.key_worker_id == actor.pk


# Keys ----------------------------------------------------------------------------------


@transaction.atomic
def partnership_signing_key_publish(
    *, partnership: Partnership, actor: User | None
) -> Ed25519PublicKey:
    """Make (if needed) the partnership's signing key and record its public half.

    Replacing a different public key is allowed here, the operator's explicit step, and
    audited with both key ids; an export never replaces one.
    """
    try:
        public = keys.signing_key(partnership, create=True).public_key()
    except ImproperlyConfigured as exc:
        raise TransferRefused(str(exc)) from None
    old = partnership.signing_public_key
    new = keys.public_b64(public)
    if old != new:
        partnership.signing_public_key = new
        partnership.full_clean()
        partnership.save(update_fields=["signing_public_key"])
        audit_record(
            actor=actor,
            action="transfer.signing_key_publish",
            obj=partnership,
            detail={
                "key_id": package.key_id(public),
                "replaced": package.key_id(keys.parse_public_key(old)) if old else None,
            },
        )
    return public


@transaction.atomic
def organisation_recipient_set(
    *, organisation: PartnerOrganisation, recipient: str, actor: User | None
) -> PartnerOrganisation:
    """Record the age public key packages for ``organisation`` are encrypted to."""
    recipient = recipient.strip()
    try:
        x25519.Recipient.from_str(recipient)
    except pyrage.RecipientError:
        raise ValidationError({"age_recipient": "Enter an age public key, starting age1"}) from None
    organisation.age_recipient = recipient
    organisation.full_clean()
    organisation.save(update_fields=["age_recipient"])
    audit_record(actor=actor, action="transfer.recipient_key_set", obj=organisation)
    return organisation


def organisation_identity_create(
    *, organisation: PartnerOrganisation, identity_out: Path, actor: User | None
) -> str:
    """Make an age identity for ``organisation``: the secret goes to ``identity_out``
    (mode 0600, never overwriting a file), the public key onto the organisation.

    For the demo and for organisations that want SEIP to make their key; others run
    ``age-keygen`` themselves and give only the public key.
    """
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    keys.write_private_file(identity_out, keys.identity_file_text(identity, now=timezone.now()))
    try:
        organisation_recipient_set(organisation=organisation, recipient=recipient, actor=actor)
    except BaseException:
        identity_out.unlink(missing_ok=True)
        raise
    return recipient


# Sending -------------------------------------------------------------------------------


def _signing_key_for(partnership: Partnership) -> Ed25519PrivateKey:
    try:
        key = keys.signing_key(partnership)
    except ImproperlyConfigured as exc:
        raise TransferRefused(str(exc)) from None
    on_record = keys.partnership_public_key(partnership)
    if on_record is not None and keys.public_b64(on_record) != keys.public_b64(key.public_key()):
        raise TransferRefused(
            f"{partnership.name}'s signing key (key {package.key_id(key.public_key())}) does "
            f"not match the public key on record (key {package.key_id(on_record)}): recipients "
            "could not verify the package. Publish the new key with `seip transfer keygen "
            f"--partnership {partnership.slug}` and send it to your recipients first."
        )
    return key


def _attachments(student: Student, user: User, notes: list[records.NoteView]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for view in notes:
        for attachment in view.attachments:
            stored = records.attachment_for(student, user, attachment.pk)
            if stored is None:  # pragma: no cover - the chronology just listed it
                continue
            try:
                content = crypto.read_encrypted_for(student.referral_id, stored.stored_as)
            except crypto.DataUnavailable as exc:
                raise TransferRefused(f"Attachment {attachment.pk}: {exc.message}") from None
            if package.sha256(content) != stored.sha256:
                raise TransferRefused(
                    f"Attachment {attachment.pk} does not match the checksum it was stored "
                    "with, so it cannot be sent; tell the DPO"
                )
            found[attachment_filename(attachment.pk, attachment.name)] = content
    return found


def _write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def transfer_export(
    *,
    student: Student,
    organisation: PartnerOrganisation,
    purpose: str,
    actor: User,
    out: Path | None = None,
) -> Exported:
    """Build a signed package of ``student``'s record, encrypted to ``organisation`` (P15),
    and write it to ``out`` (a new file, or a folder to put it in; default: here).

    Refused, with the reason, when ``actor`` is not the co-ordinator, DPO or key worker;
    when the organisation is not a registered partner of the student's partnership (P13),
    the family's consent does not cover its category (P07), its agreement is not current
    (P09) or it has no active involvement (P08); or when it has no age key.
    """
    purpose = purpose.strip()
    if not purpose:
        raise TransferRefused("Say why the record is being sent (--purpose)")
    if not may_send(actor, student):
        raise TransferRefused(
            "Only the partnership's co-ordinator, its data protection officer or the "
            "student's key worker may send a student's record"
        )
    refusal = sharing_refusal(student, organisation)
    if refusal is not None:
        raise TransferRefused(refusal)
    if not organisation.age_recipient:
        raise TransferRefused(
            f"{organisation.name} has no age public key on record, so a package cannot be "
            "encrypted to it: ask them for one and record it with `seip transfer keygen "
            f"--organisation {organisation.pk} --recipient age1...`"
        )
    partnership = student.partnership
    signing = _signing_key_for(partnership)
    try:
        notes = records.chronology(student, actor)
        document = record_document(student, actor, organisation, notes=notes)
        attachments = _attachments(student, actor, notes)
    except crypto.DataUnavailable as exc:
        # A shredded key (P22): the record's encrypted parts are gone for good.
        raise TransferRefused(f"Nothing can be sent: {exc.message}") from None
    files = {
        "record.json": package.canonical_json(document),
        "record.pdf": record_pdf(
            document, title="Student record (secure transfer)", author=partnership.name
        ),
        **attachments,
    }
    built = package.build(
        files=files,
        sender=package.Party(partnership.slug, partnership.name),
        recipient=package.Party(str(organisation.pk), organisation.name),
        recipient_key=organisation.age_recipient,
        purpose=purpose,
        subject={"student_id": student.pk},
        signing_key=signing,
        created_at=timezone.now(),
    )
    # The file name carries the package id only, never the student's name.
    name = f"seip-transfer-{built.package_id}.age"
    path = (out or Path.cwd()).resolve()
    if path.is_dir():
        path = path / name
    if path.exists():
        raise TransferRefused(f"{path} already exists; choose another --out")
    partial = path.with_name(f".{path.name}.partial")
    _write_new(partial, built.data)
    try:
        with transaction.atomic():
            if not partnership.signing_public_key:
                partnership_signing_key_publish(partnership=partnership, actor=actor)
            disclosure_record(
                actor=actor,
                student=student,
                organisation=organisation,
                kind=DisclosureKind.TRANSFER_SENT,
                purpose=purpose,
                reference=built.package_id,
            )
            audit_record(
                actor=actor,
                action="transfer.sent",
                obj=student,
                detail={
                    "package": built.package_id,
                    "organisation": organisation.pk,
                    "sha256": built.sha256,
                    "files": len(files),
                },
            )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Exported(path=path, package_id=built.package_id, sha256=built.sha256, files=len(files))


# Opening -------------------------------------------------------------------------------


def _known_signer(manifest: dict[str, Any]) -> Ed25519PublicKey:
    sender = manifest.get("sender") or {}
    slug = str(sender.get("partnership", ""))
    partnership = Partnership.objects.filter(slug=slug).first()
    public = keys.partnership_public_key(partnership) if partnership is not None else None
    if public is None:
        raise package.BadSignature(
            f"The sending partnership {slug!r} has no public key in this database, so the "
            "signature cannot be checked: give the sender's public key with --signer FILE"
        )
    return public


def _extract(opened: package.Opened, out_dir: Path) -> Path:
    """Write every file into a new private folder beside ``out_dir``; the caller renames
    it into place, so a half-written folder is never left under the final name."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".seip-transfer-", dir=out_dir.parent))
    try:
        signed = {package.MANIFEST: opened.manifest_bytes, package.SIGNATURE: opened.signature}
        for name, content in {**opened.files, **signed}.items():
            target = staging / name
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_new(target, content)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _student_here(opened: package.Opened, signer: Ed25519PublicKey) -> Student | None:
    """The student, if the package was sent from this very database: its sender is a
    partnership here whose key on record is the one that verified it."""
    sender = opened.manifest.get("sender") or {}
    partnership = Partnership.objects.filter(slug=str(sender.get("partnership", ""))).first()
    if partnership is None or partnership.signing_public_key != keys.public_b64(signer):
        return None
    student_id = (opened.manifest.get("subject") or {}).get("student_id")
    if not isinstance(student_id, int):
        return None
    return Student.objects.filter(pk=student_id, partnership=partnership).first()


def transfer_open(
    *,
    data: bytes,
    identity_text: str,
    out_dir: Path,
    actor: User | None,
    signer: Ed25519PublicKey | None = None,
) -> OpenedTransfer:
    """Decrypt and verify a package, then write its files to ``out_dir`` (P15).

    Nothing is written until the package decrypted, its manifest's signature verified
    against the sender's key (``signer``, or the partnership's key on record here) and
    every file matched its checksum; any failure raises :class:`package.PackageError`.
    """
    out_dir = out_dir.resolve()
    if out_dir.exists():
        raise TransferRefused(f"{out_dir} already exists; choose another --out")
    identities = package.parse_identities(identity_text)
    trusted: list[Ed25519PublicKey] = []

    def resolve(manifest: dict[str, Any]) -> Ed25519PublicKey:
        trusted.append(signer if signer is not None else _known_signer(manifest))
        return trusted[0]

    opened = package.open_package(data, identities, resolve)
    manifest = opened.manifest
    package_id = str(manifest.get("package_id", ""))
    staging = _extract(opened, out_dir)
    try:
        student = _student_here(opened, trusted[0])
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="transfer.opened",
                detail={
                    "package": package_id,
                    "sender": str((manifest.get("sender") or {}).get("partnership", "")),
                    "signer_key_id": opened.signer_key_id,
                    "files": len(opened.files),
                },
            )
            if student is not None:
                recipient = manifest.get("recipient") or {}
                ref = str(recipient.get("organisation", ""))
                organisation = (
                    PartnerOrganisation.objects.filter(
                        pk=int(ref), age_recipient=str(recipient.get("age_recipient", ""))
                    ).first()
                    if ref.isdigit()
                    else None
                )
                disclosure_record(
                    actor=actor,
                    student=student,
                    organisation=organisation,
                    kind=DisclosureKind.TRANSFER_OPENED,
                    purpose=str(manifest.get("purpose", "")),
                    reference=package_id,
                )
        os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return OpenedTransfer(
        path=out_dir,
        package_id=package_id,
        sender=str((manifest.get("sender") or {}).get("name", "")),
        signer_key_id=opened.signer_key_id,
        files=len(opened.files),
        logged_against_student=student is not None,
    )
