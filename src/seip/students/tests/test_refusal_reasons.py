"""One rule decides a write to a student's record and gives its reason (issue 19)."""

import pytest

from seip.accounts.models import Role
from seip.students.permissions import (
    ARCHIVED,
    NOT_CASE_STAFF,
    NOT_ON_CASELOAD,
    refusal_for,
)


def _never() -> bool:
    raise AssertionError("the caseload is asked only of a key worker")


@pytest.mark.promise("P08")
@pytest.mark.parametrize(
    ("roles", "archived", "holds", "reason"),
    [
        ({Role.COORDINATOR}, False, _never, None),
        ({Role.SAFEGUARDING_LEAD}, False, _never, None),
        ({Role.KEY_WORKER}, False, lambda: True, None),
        ({Role.KEY_WORKER}, False, lambda: False, NOT_ON_CASELOAD),
        ({Role.DPO}, False, _never, NOT_CASE_STAFF),
        ({Role.SCHOOL_CONTACT}, False, _never, NOT_CASE_STAFF),
        (set(), False, _never, NOT_CASE_STAFF),
        ({Role.COORDINATOR}, True, _never, ARCHIVED),
        ({Role.KEY_WORKER}, True, _never, ARCHIVED),
    ],
)
def test_the_reason_comes_from_the_rule(roles, archived, holds, reason):
    assert refusal_for(roles=roles, archived=archived, holds=holds) == reason


def test_the_caseload_reason_says_so():
    assert NOT_ON_CASELOAD.startswith("This student is not on your caseload")
