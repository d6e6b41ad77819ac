import pytest
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.organisations.selectors import partnerships_visible_to


def page(partnership):
    return reverse("organisations:partnership", args=[partnership.slug])


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("coordinator", {"alpha-vale"}),
        ("key_worker", {"alpha-vale"}),
        ("safeguarding_lead", {"alpha-vale"}),
        ("dpo", {"alpha-vale"}),
        ("school_contact", {"alpha-vale"}),
        ("school_b", {"beta-heath"}),
        ("provider", {"alpha-vale", "beta-heath"}),
        ("agency", {"alpha-vale"}),
        ("la_officer", {"alpha-vale", "beta-heath"}),
        ("parent", {"alpha-vale"}),
        ("student", {"alpha-vale"}),
        ("admin", {"alpha-vale", "beta-heath"}),
        ("nobody", set()),
    ],
)
def test_partnerships_visible_to_each_role(personas, persona, sees):
    visible = set(partnerships_visible_to(personas[persona]).values_list("slug", flat=True))
    assert visible == sees


def test_inactive_user_sees_nothing(personas):
    user = personas["coordinator"]
    user.is_active = False
    user.save()
    assert not partnerships_visible_to(user).exists()


def test_coordinator_sees_own_partnership_with_schools_and_agreements(login, personas, county):
    response = login(personas["coordinator"]).get(page(county.a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha Academy" in body
    assert "Beta High School" not in body
    assert "Bridgeway AP" in body


def test_school_contact_of_a_gets_404_for_b_not_403(login, personas, county):
    response = login(personas["school_contact"]).get(page(county.b))
    assert response.status_code == 404
    assert "Beta" not in response.content.decode()


def test_unknown_partnership_is_the_same_404(login, personas):
    response = login(personas["school_contact"]).get("/partnerships/no-such-place/")
    assert response.status_code == 404


def test_family_sees_contacts_but_not_the_working_detail(login, personas, county):
    body = login(personas["parent"]).get(page(county.a)).content.decode()
    assert county.a.coordinator_name in body
    assert "Alpha Academy" not in body
    assert "data-sharing" not in body


def test_anonymous_is_sent_to_sign_in(client, county):
    response = client.get(page(county.a))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_partnership_list_shows_school_counts(login, personas):
    body = (
        login(personas["la_officer"])
        .get(reverse("organisations:partnership_list"))
        .content.decode()
    )
    assert "Alpha Vale SEIP" in body
    assert "Beta Heath SEIP" in body


def test_reading_a_partnership_page_writes_nothing(login, personas, county):
    before = AuditEvent.objects.count()
    login(personas["coordinator"]).get(page(county.a))
    assert AuditEvent.objects.count() == before


def test_logo_is_served_publicly_with_a_locked_down_policy(client, county):
    from seip.organisations.services import partnership_logo_set

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
    partnership_logo_set(partnership=county.a, filename="a.svg", content=svg, actor=None)
    response = client.get(reverse("organisations:logo", args=[county.a.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert b"".join(response.streaming_content) == svg


def test_partnership_without_a_logo_has_none(client, county):
    response = client.get(reverse("organisations:logo", args=[county.b.slug]))
    assert response.status_code == 404


def test_logo_must_be_png_or_svg(county):
    from django.core.exceptions import ValidationError

    from seip.organisations.services import partnership_logo_set

    with pytest.raises(ValidationError):
        partnership_logo_set(partnership=county.a, filename="a.html", content=b"<p>", actor=None)


def test_header_shows_the_logo_when_there_is_one(login, personas, county):
    from seip.organisations.services import partnership_logo_set

    partnership_logo_set(partnership=county.a, filename="a.svg", content=b"<svg/>", actor=None)
    body = login(personas["coordinator"]).get(reverse("core:home")).content.decode()
    assert f'src="/partnerships/{county.a.slug}/logo"' in body
