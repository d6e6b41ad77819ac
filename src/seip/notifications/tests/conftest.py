"""A real SMTP server on 127.0.0.1 for each test, and a student with details distinctive
enough to find in any message that leaked them."""

import datetime as dt
import email
import logging
import socket
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from seip.imports.fixtures import make_upn
from seip.referrals.services import referral_draft_create
from seip.referrals.tests.factories import carers, pupil


@dataclass
class Received:
    """One message as the server received it: the envelope's recipients and raw bytes."""

    to: list[str]
    raw: bytes

    @property
    def parsed(self) -> Message:
        return email.message_from_bytes(self.raw, policy=default)

    @property
    def subject(self) -> str:
        return str(self.parsed["Subject"])

    @property
    def text(self) -> str:
        """The body as its reader sees it, after any transfer encoding."""
        body = self.parsed.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())  # type: ignore[attr-defined]


@dataclass
class Inbox:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        self.messages.append(Received(list(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.to]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_backend(port: int) -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }


@pytest.fixture
def smtp(settings):
    """An SMTP server the test starts on a free local port, with Django's SMTP backend
    pointed at it: messages travel over a real socket, as they would in production."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = smtp_backend(controller.port)
    settings.SITE_URL = "https://seip.test"
    yield inbox
    controller.stop()


#: A child whose every detail is unlike anything else in a message.
NAME = ("Zebedee", "Quillfeather")
UPN = make_upn("855", "4001", 11, 734)
BORN = dt.date(2011, 2, 27)


def born_spellings() -> list[str]:
    return [
        BORN.isoformat(),
        f"{BORN:%d/%m/%Y}",
        f"{BORN:%-d %B %Y}",
        f"{BORN:%-d %b %Y}",
        f"{BORN:%Y%m%d}",
    ]


def assert_no_personal_data(message: Received) -> None:
    """Neither the raw bytes on the wire nor the decoded text carry the child's name, UPN
    or date of birth, in any spelling."""
    for haystack in (message.raw.decode("ascii", "replace").casefold(), message.text.casefold()):
        for secret in (*NAME, UPN, *born_spellings()):
            assert secret.casefold() not in haystack, (secret, message.subject)


@pytest.fixture
def zebedee_draft(county, personas):
    return referral_draft_create(
        school=county.school_a,
        pupil=pupil(first_name=NAME[0], last_name=NAME[1], upn=UPN, date_of_birth=BORN),
        carers=carers(),
        actor=personas["school_contact"],
    )


@pytest.fixture
def zebedee_signed(zebedee_draft, county, personas):
    from seip.organisations.models import OrganisationType
    from seip.referrals.services import referral_sign
    from seip.referrals.tests.factories import PDF, notice_for

    referral_sign(
        referral=zebedee_draft,
        signed_by_name="Sam Quillfeather",
        relationship="Mother",
        has_parental_responsibility=True,
        signed_on=dt.date(2026, 11, 20),
        notice_version=notice_for(county.a),
        categories={OrganisationType.SCHOOL},
        form=PDF,
        actor=personas["school_contact"],
    )
    zebedee_draft.refresh_from_db()
    return zebedee_draft


@pytest.fixture
def zebedee(zebedee_signed, personas):
    """The student on the key worker's caseload."""
    from seip.students.services import case_assign_key_worker, case_open

    case = case_open(
        referral=zebedee_signed, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    )  # fmt: skip
    case_assign_key_worker(
        case=case, key_worker=personas["key_worker"], actor=personas["coordinator"]
    )
    return case.student
