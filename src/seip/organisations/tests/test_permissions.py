"""The who-may-manage-what rule (ADR 0032), as one table: every persona, every action,
on partnership A, on partnership B, and on each kind of organisation. Default deny."""

import pytest

from seip.organisations.permissions import Action, may_edit_organisation, may_manage

A = Action
COORDINATOR_OWN = {
    # (action, partnership, organisation) -> allowed for the co-ordinator of A
    (A.PARTNERSHIP_CREATE, None, None): False,
    (A.PARTNERSHIP_EDIT, "a", None): True,
    (A.PARTNERSHIP_EDIT, "b", None): False,
    (A.SCHOOL_MANAGE, "a", None): False,
    (A.SCHOOL_MANAGE, "a", "school_a"): False,
    (A.ORGANISATION_CREATE, "a", None): True,
    (A.ORGANISATION_CREATE, "b", None): False,
    (A.ORGANISATION_REGISTER, "a", None): True,
    (A.ORGANISATION_REGISTER, "a", "provider"): True,
    (A.ORGANISATION_REGISTER, "a", "school_b"): False,
    (A.ORGANISATION_REGISTER, "a", "council"): False,
    (A.ORGANISATION_REGISTER, "b", "provider"): False,
    # Works with A alone: the co-ordinator may edit it; with A and B: only the admin.
    (A.ORGANISATION_EDIT, "a", "agency"): True,
    (A.ORGANISATION_EDIT, "a", "provider"): False,
    (A.ORGANISATION_EDIT, "a", "school_a"): False,
    (A.ORGANISATION_EDIT, "b", "provider"): False,
    (A.AGREEMENT_MANAGE, "a", None): True,
    (A.AGREEMENT_MANAGE, "a", "provider"): True,
    (A.AGREEMENT_MANAGE, "a", "school_a"): True,
    (A.AGREEMENT_MANAGE, "a", "school_b"): False,
    (A.AGREEMENT_MANAGE, "b", "provider"): False,
}

OTHERS = (
    "key_worker",
    "safeguarding_lead",
    "dpo",
    "school_contact",
    "school_b",
    "provider",
    "agency",
    "la_officer",
    "parent",
    "student",
    "nobody",
)


def _target(county, name):
    if name is None:
        return None
    return {
        "a": county.a,
        "b": county.b,
        "provider": county.provider,
        "agency": county.agency,
        "council": county.council,
        "school_a": county.school_a.organisation,
        "school_b": county.school_b.organisation,
    }[name]


@pytest.mark.promise("P08")
@pytest.mark.parametrize("persona", ["coordinator", "admin", *OTHERS])
def test_who_may_manage_what(county, personas, persona):
    user = personas[persona]
    got, expected = {}, {}
    for (action, partnership, organisation), coordinator in COORDINATOR_OWN.items():
        key = (action, partnership, organisation)
        got[key] = may_manage(
            user,
            action,
            partnership=_target(county, partnership),
            organisation=_target(county, organisation),
        )
        expected[key] = {"admin": True, "coordinator": coordinator}.get(persona, False)
    assert got == expected


def test_a_deactivated_administrator_manages_nothing(county, personas):
    admin = personas["admin"]
    admin.is_active = False
    assert not may_manage(admin, Action.PARTNERSHIP_CREATE)


def test_editing_an_organisation_follows_its_registrations(county, personas):
    coordinator = personas["coordinator"]
    assert may_edit_organisation(coordinator, county.agency)
    assert not may_edit_organisation(coordinator, county.provider)
    county.provider.partnerships.remove(county.b)
    assert may_edit_organisation(coordinator, county.provider)
