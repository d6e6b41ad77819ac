import datetime as dt

import pytest
from django.utils import timezone

from seip.progress.models import PortalLink, PortalRelationship
from seip.records import services as records
from seip.records.models import ConcernCategory
from seip.records.services import Source
from seip.rights.models import RequestType
from seip.rights.services import rights_request_portal
from seip.sharing.services import record_read

#: Words that appear only in the note the tests withhold, or the one they redact.
WITHHELD_WORDS = "Priya said the uncle shouted"
REDACTED_WORDS = "Mentioned her neighbour Alex Other"
PLAIN_WORDS = "Attendance plan agreed with the school"


@pytest.fixture
def student(active_case):
    return active_case.student


@pytest.fixture
def history(student, personas):
    """A record with a third-party contact, notes that name people and one that does not,
    a safeguarding concern, an attached file and a read by the co-ordinator."""
    key_worker = personas["key_worker"]
    today = timezone.localdate()
    records.contact_add(
        student=student, name="Alex Other", relationship="Neighbour",
        parental_responsibility=False, phone="07000 000000",
        source=Source("family", today), actor=personas["coordinator"],
    )  # fmt: skip
    notes = {
        "withheld": records.note_add(
            student=student, kind="meeting", happened_on=today - dt.timedelta(days=3),
            text=WITHHELD_WORDS, actor=key_worker,
        ),
        "redacted": records.note_add(
            student=student, kind="phone_call", happened_on=today - dt.timedelta(days=2),
            text=REDACTED_WORDS, actor=key_worker,
        ),
        "plain": records.note_add(
            student=student, kind="meeting", happened_on=today - dt.timedelta(days=1),
            text=PLAIN_WORDS,
            attachments=[records.Upload("plan.txt", "text/plain", b"the attendance plan")],
            actor=key_worker,
        ),
    }  # fmt: skip
    records.concern_raise(
        student=student, raised_on=today, category=ConcernCategory.objects.get(code="neglect"),
        details="Came to school hungry", actions_taken="Spoke to the DSL", actor=key_worker,
    )  # fmt: skip
    record_read(actor=personas["coordinator"], student=student, part="profile")
    return notes


@pytest.fixture
def linked(student, personas):
    PortalLink.objects.create(
        user=personas["parent"], student=student,
        relationship=PortalRelationship.PARENT_CARER, parental_responsibility=True,
    )  # fmt: skip
    PortalLink.objects.create(
        user=personas["student"], student=student, relationship=PortalRelationship.STUDENT
    )
    return student


@pytest.fixture
def access_request(linked, history, personas):
    """The parent asks for a copy in the portal (identity and PR are taken from the link)."""
    return rights_request_portal(
        student=linked, type=RequestType.ACCESS, details="", actor=personas["parent"]
    )


@pytest.fixture(autouse=True)
def _tasks_at_once(immediate_tasks):
    """Bundles are prepared by a background task; here in the request that queues it
    (``seip.conftest.immediate_tasks``), so a test sees the bundle at once."""
