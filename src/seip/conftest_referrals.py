import datetime as dt

import pytest

from seip.organisations.models import OrganisationType
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from seip.students.services import case_assign_key_worker, case_open


@pytest.fixture
def draft(personas, county):
    return referral_draft_create(
        school=county.school_a, pupil=pupil(), carers=carers(), actor=personas["school_contact"]
    )


@pytest.fixture
def signed(draft, personas, county):
    referral_sign(
        referral=draft,
        signed_by_name="Sam Example",
        relationship="Mother",
        has_parental_responsibility=True,
        signed_on=dt.date(2026, 11, 20),
        notice_version=notice_for(county.a),
        categories={OrganisationType.SCHOOL, OrganisationType.ALTERNATIVE_PROVIDER},
        form=PDF,
        actor=personas["school_contact"],
    )
    draft.refresh_from_db()
    return draft


@pytest.fixture
def case(signed, personas):
    return case_open(
        referral=signed, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    )  # fmt: skip


@pytest.fixture
def active_case(case, personas):
    return case_assign_key_worker(
        case=case, key_worker=personas["key_worker"], actor=personas["coordinator"]
    )


def assign_to_key_worker(case, personas):
    """For modules whose ``case`` must be on the key worker's caseload, since key workers
    write only to their own cases: override ``case`` with a fixture that calls this."""
    return case_assign_key_worker(
        case=case, key_worker=personas["key_worker"], actor=personas["coordinator"]
    )
