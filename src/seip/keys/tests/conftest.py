import base64
import datetime as dt
import os

import pytest

from seip.keys import crypto
from seip.keys.models import DataKey
from seip.organisations.models import OrganisationType
from seip.records import services as records
from seip.records.models import ConcernCategory
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from seip.students.services import case_open


def new_master_key() -> bytes:
    return os.urandom(32)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture(autouse=True)
def _own_key_store(settings, tmp_path):
    """Each test has its own key store and master key, and starts with an empty cache."""
    settings.KEY_STORE_DIR = tmp_path / "keys"
    settings.MASTER_KEYS = [("test-1", new_master_key())]
    crypto.cache_clear()
    yield
    crypto.cache_clear()


@pytest.fixture
def other_student(county, personas):
    """A second student of the same partnership, with their own referral and key."""
    referral = referral_draft_create(
        school=county.school_a,
        pupil=pupil(upn="Q801200005002", first_name="Riley", last_name="Other"),
        carers=carers(),
        actor=personas["school_contact"],
    )
    referral_sign(
        referral=referral,
        signed_by_name="Alex Other",
        relationship="Father",
        has_parental_responsibility=True,
        signed_on=dt.date(2026, 11, 21),
        notice_version=notice_for(county.a),
        categories={OrganisationType.SCHOOL},
        form=PDF,
        actor=personas["school_contact"],
    )
    case = case_open(
        referral=referral, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    )  # fmt: skip
    return case.student


def give_history(student, actor):
    """A note with an attachment and a safeguarding concern, through the services."""
    note = records.note_add(
        student=student,
        kind="home_visit",
        happened_on=dt.date(2026, 11, 27),
        text=f"Home visit {student.pk}: discussed the move.",
        attachments=[records.Upload("plan.txt", "text/plain", b"attached plan")],
        actor=actor,
    )
    concern = records.concern_raise(
        student=student,
        raised_on=dt.date(2026, 11, 27),
        category=ConcernCategory.objects.get(code="neglect"),
        details="Arrived hungry again.",
        actions_taken="Spoke to the DSL.",
        actor=actor,
    )
    return note, concern


@pytest.fixture
def unsigned(county, personas, settings):
    """A subject with no data key yet. A draft's identity is sealed, so saving it makes its
    key; the key is taken away again here, to test what happens before the first one."""
    referral = referral_draft_create(
        school=county.school_a,
        pupil=pupil(upn="E801200005003", first_name="Casey", last_name="Draft"),
        carers=carers(),
        actor=personas["school_contact"],
    )
    for key in DataKey.objects.filter(referral=referral):
        crypto.store_destroy(key.store_id)
        key.delete()
    crypto.cache_clear()
    return referral
