import datetime as dt

import pytest

from seip.progress.models import PortalLink, PortalRelationship
from seip.rights.models import ReceivedVia, RequesterKind, RequestType
from seip.rights.services import IdentityCheck, Requester, rights_request_create

#: A Thursday in the past: due Monday 2 November 2026 (1 November is a Sunday).
RECEIVED = dt.date(2026, 10, 1)


@pytest.fixture
def student(active_case):
    return active_case.student


@pytest.fixture
def linked(student, personas):
    """The parent (with parental responsibility) and the student follow Jordan in the portal."""
    PortalLink.objects.create(
        user=personas["parent"], student=student,
        relationship=PortalRelationship.PARENT_CARER, parental_responsibility=True,
    )  # fmt: skip
    PortalLink.objects.create(
        user=personas["student"], student=student, relationship=PortalRelationship.STUDENT
    )
    return student


def make_request(*, partnership, student, actor, identity=False, received_on=RECEIVED, **overrides):
    values = {
        "partnership": partnership,
        "student": student,
        "type": RequestType.ACCESS,
        "details": "Everything you hold about my son.",
        "requester": Requester(RequesterKind.PARENT_CARER, "Sam Example", "sam@example.test"),
        "received_via": ReceivedVia.EMAIL,
        "received_on": received_on,
        "identity": IdentityCheck(received_on, "Known to the co-ordinator") if identity else None,
        "actor": actor,
    }
    values.update(overrides)
    return rights_request_create(**values)


@pytest.fixture
def access_request(county, student, personas):
    """An emailed access request from Jordan's mother, identity not yet checked."""
    return make_request(partnership=county.a, student=student, actor=personas["coordinator"])
