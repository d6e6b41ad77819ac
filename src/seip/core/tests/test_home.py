import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seip.organisations.tests.factories import SchoolFactory

HOME = reverse("core:home")


def test_anonymous_home_goes_to_sign_in(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


@pytest.mark.promise("P26")
def test_header_names_the_users_partnership(login, personas):
    body = login(personas["coordinator"]).get(HOME).content.decode()
    assert '<span class="seip-header__name">Alpha Vale SEIP</span>' in body


@pytest.mark.promise("P26")
def test_header_names_the_schools_partnership_for_school_b(login, personas):
    body = login(personas["school_b"]).get(HOME).content.decode()
    assert '<span class="seip-header__name">Beta Heath SEIP</span>' in body
    assert "Alpha Vale SEIP" not in body


@pytest.mark.parametrize(
    ("persona", "expected", "absent"),
    [
        (
            "coordinator",
            [
                "Check data-sharing agreements",
                "Schools in the partnership",
                "Check the details families see",
            ],
            ["Partnerships in the county"],
        ),
        ("dpo", ["Check data-sharing agreements"], []),
        ("key_worker", ["Schools in the partnership"], ["Check data-sharing agreements"]),
        ("school_contact", ["Contact the partnership"], ["Check data-sharing agreements"]),
        ("la_officer", ["Partnerships in the county"], ["Check data-sharing agreements"]),
        (
            "parent",
            ["Who to contact", "about your child", "how you sign in"],
            ["Schools in the partnership", "second factor"],
        ),
        (
            "student",
            ["Who to contact", "How we use information about you<"],
            ["Schools in the partnership", "about your child", "second factor"],
        ),
        ("admin", ["Partnerships in the county"], []),
        ("nobody", ["a user with no role yet", "Your account"], ["Schools in the partnership"]),
    ],
)
def test_home_is_role_aware(login, personas, persona, expected, absent):
    body = login(personas[persona]).get(HOME).content.decode()
    for text in expected:
        assert text in body, text
    for text in absent:
        assert text not in body, text


def test_agreement_counts_on_the_coordinators_home(login, personas):
    body = login(personas["coordinator"]).get(HOME).content.decode()
    assert "2 current, 0 expiring within 60 days, 0 expired" in body


@pytest.mark.parametrize("persona", ["coordinator", "la_officer"])
def test_home_query_count_does_not_grow_with_schools(login, personas, county, persona):
    client = login(personas[persona])
    client.get(HOME)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    SchoolFactory.create_batch(25, partnership=county.a)
    SchoolFactory.create_batch(25, partnership=county.b)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)
    assert len(many) == len(few)
