"""Who wears a partnership's branding (P26, issue 19).

A user whose work lies within one partnership sees its name and logo on every page; a user
who works across partnerships (an LA officer, the administrator, a provider working with
two) sees the neutral SEIP header rather than whichever partnership sorts first.
"""

import pytest
from django.urls import reverse

from seip.organisations.selectors import brand_partnership, home_partnership

HOME = reverse("core:home")
NEUTRAL = '<span class="seip-header__name">Secondary Education and Inclusion Partnerships</span>'


@pytest.mark.promise("P26")
@pytest.mark.parametrize("persona", ["la_officer", "admin", "provider"])
def test_users_across_partnerships_see_neutral_branding(login, personas, persona):
    body = login(personas[persona]).get(HOME).content.decode()
    assert NEUTRAL in body
    assert "Alpha Vale SEIP</span>" not in body
    assert "Beta Heath SEIP</span>" not in body
    assert "seip-header__logo" not in body


@pytest.mark.promise("P26")
@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("coordinator", "Alpha Vale SEIP"),
        ("agency", "Alpha Vale SEIP"),
        ("school_b", "Beta Heath SEIP"),
    ],
)
def test_users_within_one_partnership_wear_its_branding(login, personas, persona, name):
    body = login(personas[persona]).get(HOME).content.decode()
    assert f'<span class="seip-header__name">{name}</span>' in body
    assert NEUTRAL not in body


def test_brand_is_the_home_partnership_only_when_it_is_the_only_one(personas, county):
    assert brand_partnership(personas["key_worker"]) == county.a
    assert home_partnership(personas["la_officer"]) == county.a  # the home page still has one
    assert brand_partnership(personas["la_officer"]) is None
    assert brand_partnership(personas["nobody"]) is None
