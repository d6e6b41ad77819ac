"""Single sign-on through an organisation's OpenID Connect provider (ADR 0033), against a
real provider on 127.0.0.1 (``oidc_provider``): nothing of the protocol is mocked."""

import html
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from seip.accounts.models import SingleSignOn
from seip.accounts.sso import sso_configure
from seip.accounts.tests.oidc_provider import Provider
from seip.audit.models import AuditEvent

START = reverse("accounts:sso_start")
CALLBACK = reverse("accounts:sso_callback")
HOME = reverse("core:home")
VERIFY = reverse("accounts:verify")


@pytest.fixture
def provider():
    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture
def school_sso(county, personas, provider):
    """Alpha Academy signs in through ``provider`` for alpha.sch.uk; its school contact's
    account (invited earlier) has an address there."""
    contact = personas["school_contact"]
    contact.email = "contact@alpha.sch.uk"
    contact.save()
    provider.person = {"email": contact.email, "email_verified": True, "amr": ["pwd", "mfa"]}
    return sso_configure(
        organisation=county.school_a.organisation,
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        domains=["alpha.sch.uk"],
        trust_provider_mfa=True,
        actor=personas["admin"],
    )


def through_provider(client, email, start=START):
    """Type ``email`` on SEIP's page, follow the browser to the provider and back."""
    started = client.post(start, {"email": email})
    assert started.status_code == 302, started.content.decode()
    answer = requests.get(started.url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == CALLBACK
    return client.get(f"{back.path}?{back.query}")


def refused(response, reason):
    assert response.status_code == 403
    assert "You cannot sign in this way" in response.content.decode()
    event = AuditEvent.objects.filter(action="auth.sso_refused").latest("pk")
    assert event.detail == {"reason": reason}
    return event


@pytest.mark.promise("P14")
def test_school_contact_signs_in_through_provider_and_lands_on_home(client, school_sso, personas):
    response = through_provider(client, "contact@alpha.sch.uk")
    assert response.status_code == 302
    assert response.url == HOME
    assert client.get(HOME).status_code == 200
    assert client.session["_auth_user_id"] == str(personas["school_contact"].pk)
    event = AuditEvent.objects.get(action="auth.sso")
    assert event.actor == personas["school_contact"]
    assert event.detail == {
        "organisation": school_sso.organisation_id,
        "provider_mfa": True,
    }
    assert "alpha.sch.uk" not in str(event.detail)


@pytest.mark.promise("P14")
def test_with_trust_off_seip_second_factor_is_still_asked(client, school_sso, personas):
    school_sso.trust_provider_mfa = False
    school_sso.save()
    response = through_provider(client, "contact@alpha.sch.uk")
    assert response.url == VERIFY
    assert client.get(HOME).url == VERIFY


@pytest.mark.promise("P14")
def test_provider_without_mfa_is_refused_when_mfa_is_trusted(client, school_sso, provider):
    provider.person["amr"] = ["pwd"]
    refused(through_provider(client, "contact@alpha.sch.uk"), "mfa")
    assert "_auth_user_id" not in client.session


@pytest.mark.promise("P14")
def test_acr_setting_counts_only_configured_values(client, school_sso, provider):
    school_sso.mfa_claim = "acr"
    school_sso.acr_values = "urn:mfa"
    school_sso.save()
    provider.person["acr"] = "urn:password"
    refused(through_provider(client, "contact@alpha.sch.uk"), "mfa")
    provider.person["acr"] = "urn:mfa"
    assert through_provider(client, "contact@alpha.sch.uk").url == HOME


@pytest.mark.promise("P14")
def test_user_of_another_domain_is_refused(client, school_sso, provider, personas):
    # The provider vouches for an address outside alpha.sch.uk (say a personal account
    # or another tenant's): that address is never matched, even to a real SEIP account.
    provider.person["email"] = personas["school_b"].email
    refused(through_provider(client, "contact@alpha.sch.uk"), "domain")
    assert "_auth_user_id" not in client.session


@pytest.mark.promise("P14")
def test_unlinked_email_is_refused_and_no_account_is_created(client, school_sso, provider):
    from seip.accounts.models import User

    before = User.objects.count()
    provider.person["email"] = "stranger@alpha.sch.uk"
    event = refused(through_provider(client, "stranger@alpha.sch.uk"), "unlinked")
    assert "stranger" not in str(event.detail)
    assert User.objects.count() == before


@pytest.mark.promise("P14")
def test_account_of_another_organisation_is_not_linked(client, school_sso, provider, personas):
    # Beta High School's contact has an alpha.sch.uk address but no role at Alpha Academy.
    other = personas["school_b"]
    other.email = "moved@alpha.sch.uk"
    other.save()
    provider.person["email"] = other.email
    refused(through_provider(client, other.email), "unlinked")


@pytest.mark.promise("P14")
def test_closed_account_is_refused(client, school_sso, personas):
    contact = personas["school_contact"]
    contact.is_active = False
    contact.save()
    refused(through_provider(client, contact.email), "unlinked")


@pytest.mark.promise("P14")
def test_unverified_email_is_refused(client, school_sso, provider):
    provider.person["email_verified"] = False
    refused(through_provider(client, "contact@alpha.sch.uk"), "email_unverified")


@pytest.mark.promise("P14")
@pytest.mark.parametrize("tamper", ["signature", "nonce", "audience"])
def test_tampered_id_token_is_refused(client, school_sso, provider, tamper):
    provider.tamper = tamper
    refused(through_provider(client, "contact@alpha.sch.uk"), "protocol")
    assert "_auth_user_id" not in client.session


@pytest.mark.promise("P14")
def test_callback_without_a_started_sign_in_is_refused(client, school_sso, provider):
    # A code and state lifted from someone else's browser: this session never started one.
    started = client.post(START, {"email": "contact@alpha.sch.uk"})
    answer = requests.get(started.url, allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    client.cookies.clear()
    refused(client.get(f"{back.path}?{back.query}"), "no_provider")


@pytest.mark.promise("P14")
def test_forged_state_is_refused(client, school_sso, provider):
    started = client.post(START, {"email": "contact@alpha.sch.uk"})
    answer = requests.get(started.url, allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    code = back.query.split("code=")[1].split("&")[0]
    refused(client.get(f"{back.path}?code={code}&state=forged"), "protocol")
    assert provider.token_requests == 0


def test_domain_without_provider_gets_a_clear_error(client, school_sso):
    response = client.post(START, {"email": "someone@elsewhere.org.uk"})
    assert response.status_code == 200
    assert "does not sign in to SEIP this way" in response.content.decode()


def test_sign_in_page_offers_organisation_sign_in(client, db):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with your organisation" in body
    assert START in body


@pytest.mark.promise("P14")
def test_client_secret_is_sealed_at_rest(school_sso, provider):
    stored = SingleSignOn.objects.get(pk=school_sso.pk).sealed_client_secret
    assert provider.client_secret not in stored


def test_configuration_refuses_plain_http_and_shared_domains(county, school_sso):
    with pytest.raises(ValidationError, match="https"):
        sso_configure(
            organisation=county.school_b.organisation,
            issuer="http://login.example.com",
            client_id="x",
            client_secret="y",
            domains=["beta.sch.uk"],
            trust_provider_mfa=False,
            actor=None,
        )
    with pytest.raises(ValidationError, match="already signs in"):
        sso_configure(
            organisation=county.school_b.organisation,
            issuer="https://login.example.com",
            client_id="x",
            client_secret="y",
            domains=["alpha.sch.uk"],
            trust_provider_mfa=False,
            actor=None,
        )


def test_configure_command(county, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-the-portal\n")
    organisation = county.school_b.organisation
    call_command(
        "sso",
        "configure",
        "--organisation",
        str(organisation.pk),
        "--issuer",
        "https://login.microsoftonline.com/tenant-id/v2.0",
        "--client-id",
        "abc",
        "--client-secret-file",
        str(secret),
        "--domains",
        "beta.sch.uk,Beta-High.org.uk",
        "--trust-provider-mfa",
    )
    config = SingleSignOn.objects.get(organisation=organisation)
    assert config.domain_list == ["beta-high.org.uk", "beta.sch.uk"]
    assert config.trust_provider_mfa
    assert "from-the-portal" not in config.sealed_client_secret
    assert AuditEvent.objects.filter(action="sso.configure").exists()


@pytest.mark.promise("P14")
def test_article_30_record_shows_the_dpo_where_the_second_factor_is_checked(county, school_sso):
    from seip.retention.ropa import build_ropa

    rows = dict(build_ropa(county.a).sections["Security measures"])
    line = rows["Single sign-on: Alpha Academy"]
    assert "alpha.sch.uk" in line
    assert "the provider's MFA counts as SEIP's second factor" in line
    school_sso.trust_provider_mfa = False
    school_sso.save()
    rows = dict(build_ropa(county.a).sections["Security measures"])
    assert "SEIP's own second factor is still asked for" in rows["Single sign-on: Alpha Academy"]
    assert not any(
        "Single sign-on" in item for item, _ in build_ropa(county.b).sections["Security measures"]
    )


@pytest.mark.promise("P14")
def test_turning_trust_off_asks_an_open_session_for_seip_second_factor(client, school_sso):
    assert through_provider(client, "contact@alpha.sch.uk").url == HOME
    assert client.get(HOME).status_code == 200
    school_sso.trust_provider_mfa = False
    school_sso.save()
    assert client.get(HOME).url == VERIFY
    assert client.get(VERIFY).status_code == 200  # the security-code step, not a loop


@pytest.mark.promise("P14")
def test_a_used_callback_address_cannot_be_replayed(client, school_sso, provider):
    started = client.post(START, {"email": "contact@alpha.sch.uk"})
    answer = requests.get(started.url, allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    callback = f"{back.path}?{back.query}"
    assert client.get(callback).url == HOME
    client.post(reverse("accounts:logout"))
    refused(client.get(callback), "no_provider")
    assert "_auth_user_id" not in client.session


@pytest.mark.promise("P14")
def test_provider_mfa_device_accepts_no_code(client, school_sso, personas):
    from seip.accounts.models import ProviderMFADevice

    through_provider(client, "contact@alpha.sch.uk")
    device = ProviderMFADevice.objects.get(user=personas["school_contact"])
    assert not device.verify_token("123456")
    assert not device.verify_token("")


@pytest.mark.promise("P14")
def test_only_the_organisation_page_lets_a_form_go_to_the_providers(client, school_sso, provider):
    # Browsers hold the redirect after the form to the page's form-action: the providers'
    # origins are allowed there, and on no other page.
    policy = client.get(START).headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer}" in policy
    assert (
        provider.issuer
        not in client.get(reverse("accounts:login")).headers["Content-Security-Policy"]
    )


@pytest.mark.promise("P14")
def test_leaver_whose_role_was_removed_is_refused(client, school_sso, personas):
    from seip.accounts.invitations import membership_end

    contact = personas["school_contact"]
    membership_end(membership=contact.memberships.get(), actor=personas["coordinator"])
    refused(through_provider(client, contact.email), "unlinked")


# The page asked for survives single sign-on (issue 18): a link to a record leads through
# the sign-in page, the organisation's provider and back, to that record.


def organisation_link(client, target):
    """The "sign in with your organisation" link on the sign-in page a link to ``target``
    leads to, as a browser follows it."""
    first = client.get(target)
    assert first.status_code == 302
    assert first.url.startswith(f"{reverse('accounts:login')}?next=")
    body = client.get(first.url).content.decode()
    link = html.unescape(re.search(rf'href="({re.escape(START)}[^"]*)"', body).group(1))
    assert parse_qs(urlsplit(link).query) == {"next": [target]}
    return link


@pytest.mark.promise("P14")
def test_a_link_to_a_record_lands_on_that_record_through_the_provider(
    client, school_sso, active_case
):
    target = reverse("students:detail", args=[active_case.student.pk])
    response = through_provider(client, "contact@alpha.sch.uk", organisation_link(client, target))
    assert response.url == target
    assert client.get(target).status_code == 200
    assert "next" not in str(client.session.get("seip_sso", ""))  # used once, then gone


@pytest.mark.promise("P14")
def test_the_page_asked_for_survives_seip_second_factor_after_the_provider(
    client, school_sso, personas, active_case
):
    from seip.accounts.models import AuthenticatorDevice
    from seip.accounts.tests.test_sign_in import current_code

    school_sso.trust_provider_mfa = False
    school_sso.save()
    device = AuthenticatorDevice.objects.create(
        user=personas["school_contact"], name="phone", confirmed=True
    )
    target = reverse("students:detail", args=[active_case.student.pk])
    response = through_provider(client, "contact@alpha.sch.uk", organisation_link(client, target))
    assert response.url == f"{VERIFY}?next={quote(target, safe='')}"
    done = client.post(response.url, {"token": current_code(device)})
    assert done.url == target
    assert client.get(target).status_code == 200


@pytest.mark.promise("P14")
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_an_off_site_next_is_ignored_through_the_provider(client, school_sso, target):
    body = client.get(f"{reverse('accounts:login')}?next={quote(target, safe='')}").content
    assert f'href="{START}"' in body.decode()  # the link does not carry it on
    start = f"{START}?next={quote(target, safe='')}"
    assert through_provider(client, "contact@alpha.sch.uk", start).url == HOME


@pytest.mark.promise("P14")
def test_an_off_site_next_is_ignored_before_seip_second_factor(client, school_sso):
    school_sso.trust_provider_mfa = False
    school_sso.save()
    start = f"{START}?next={quote('https://evil.example/', safe='')}"
    assert through_provider(client, "contact@alpha.sch.uk", start).url == VERIFY
