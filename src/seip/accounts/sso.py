"""Single sign-on with an organisation's OpenID Connect provider (ADR 0033).

The protocol is authlib's: discovery, state, nonce, PKCE (S256), the code exchange and the
ID token's signature (the provider's JWKS), issuer, audience, expiry and nonce are all
checked by its Django client. This module only decides what a checked ID token may do:
link to an existing, invited account of the organisation, never create one or a role.
"""

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.core.exceptions import ValidationError
from django.db import transaction

from seip.accounts.models import MfaClaim, SingleSignOn, User
from seip.audit.services import audit_record
from seip.core import crypto
from seip.organisations.models import PartnerOrganisation

#: Why a single sign-on was refused, as recorded in the audit trail (never the email).
REFUSALS = {
    "no_provider": "No organisation signs in with this provider for that address.",
    "protocol": "The provider's answer could not be checked.",
    "email_unverified": "The provider did not confirm the email address.",
    "domain": "The provider vouched for an address outside the organisation's domains.",
    "unlinked": "No SEIP account of this organisation has that email address.",
    "mfa": "The provider did not say a second factor was used.",
}


@dataclass(frozen=True)
class Outcome:
    user: User | None
    verified: bool  # the provider's MFA counts as the second factor
    refusal: str = ""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def issuer_check(issuer: str) -> str:
    """An issuer must be https; plain http only on this machine's loopback (tests)."""
    parts = urlsplit(issuer.strip())
    if not parts.hostname or parts.query or parts.fragment:
        raise ValidationError(f"The issuer URL {issuer!r} is not a URL without a query.")
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
        raise ValidationError("The issuer URL must start with https://.")
    return issuer.strip().rstrip("/")


def domains_check(domains: list[str]) -> list[str]:
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    if not cleaned:
        raise ValidationError("Give at least one allowed email domain.")
    for domain in cleaned:
        if "." not in domain or "@" in domain or " " in domain:
            raise ValidationError(f"{domain!r} is not an email domain such as school.sch.uk.")
    taken = SingleSignOn.objects.exclude(domains="")
    for other in taken:
        clash = set(other.domain_list) & set(cleaned)
        if clash:
            # One domain, one provider: the domain is what picks the provider.
            raise ValidationError(
                f"{', '.join(sorted(clash))} already signs in through organisation "
                f"{other.organisation_id}."
            )
    return cleaned


@transaction.atomic
def sso_configure(
    *,
    organisation: PartnerOrganisation,
    issuer: str,
    client_id: str,
    client_secret: str,
    domains: list[str],
    trust_provider_mfa: bool,
    mfa_claim: str = MfaClaim.AMR,
    acr_values: list[str] | None = None,
    actor: User | None,
) -> SingleSignOn:
    """Set (or replace) ``organisation``'s provider; the secret is sealed at rest."""
    if not client_id.strip() or not client_secret.strip():
        raise ValidationError("Give the client id and the client secret from the provider.")
    if mfa_claim == MfaClaim.ACR and not acr_values:
        raise ValidationError("With --mfa-claim acr, give the acr values that mean MFA.")
    config = SingleSignOn.objects.filter(organisation=organisation).first()
    if config is not None:
        config.domains = ""
        config.save(update_fields=["domains"])
    config = config or SingleSignOn(organisation=organisation)
    config.issuer = issuer_check(issuer)
    config.client_id = client_id.strip()
    config.sealed_client_secret = crypto.encrypt(client_secret.strip().encode()).decode()
    config.domains = ",".join(domains_check(domains))
    config.trust_provider_mfa = trust_provider_mfa
    config.mfa_claim = mfa_claim
    config.acr_values = ",".join(acr_values or [])
    config.enabled = True
    config.full_clean()
    config.save()
    audit_record(
        actor=actor,
        action="sso.configure",
        obj=organisation,
        detail={"trust_provider_mfa": trust_provider_mfa, "mfa_claim": str(mfa_claim)},
    )
    return config


def sso_for_email(email: str) -> SingleSignOn | None:
    """The provider whose allowed domains hold ``email``'s domain, if any."""
    domain = email.strip().lower().rpartition("@")[2]
    if not domain:
        return None
    for config in SingleSignOn.objects.filter(enabled=True, domains__icontains=domain):
        if domain in config.domain_list:
            return config
    return None


def sso_origins() -> list[str]:
    """The origins of the enabled providers' issuers. The "Sign in with your organisation"
    form posts to SEIP, which redirects to the provider, and browsers hold that redirect
    to the form page's CSP ``form-action``: these must be in it, and nothing else."""
    origins = set()
    for issuer in SingleSignOn.objects.filter(enabled=True).values_list("issuer", flat=True):
        parts = urlsplit(issuer)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def sso_client(config: SingleSignOn) -> DjangoOAuth2App:
    """authlib's OpenID Connect client for this organisation, from the provider's own
    discovery document. Built per request: the secret is unsealed only while used."""
    oauth = OAuth()
    client: DjangoOAuth2App = oauth.register(
        name=f"sso{config.pk}",
        client_id=config.client_id,
        client_secret=crypto.decrypt(config.sealed_client_secret.encode()).decode(),
        server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "timeout": 10,
        },
    )
    return client


def _mfa_used(config: SingleSignOn, claims: dict[str, Any]) -> bool:
    if config.mfa_claim == MfaClaim.ACR:
        return str(claims.get("acr", "")) in config.acr_list
    amr = claims.get("amr") or []
    return isinstance(amr, list) and "mfa" in amr


def sso_link(*, config: SingleSignOn, claims: dict[str, Any]) -> Outcome:
    """The invited account these (already checked) ID-token claims belong to, or why not.

    The email must be one the provider says it verified, in the organisation's domains,
    of an active account holding a role in this organisation."""
    email = str(claims.get("email", "")).strip().lower()
    if not email or claims.get("email_verified") is not True:
        return Outcome(None, False, "email_unverified")
    if email.rpartition("@")[2] not in config.domain_list:
        return Outcome(None, False, "domain")
    user = User.objects.filter(
        email=email, is_active=True, memberships__organisation=config.organisation
    ).first()
    if user is None:
        return Outcome(None, False, "unlinked")
    if config.trust_provider_mfa and not _mfa_used(config, claims):
        return Outcome(None, False, "mfa")
    return Outcome(user, config.trust_provider_mfa)


@transaction.atomic
def sso_sign_in_record(*, config: SingleSignOn, user: User, verified: bool) -> None:
    audit_record(
        actor=user,
        action="auth.sso",
        obj=user,
        detail={"organisation": config.organisation_id, "provider_mfa": verified},
    )


@transaction.atomic
def sso_refusal_record(*, config: SingleSignOn | None, reason: str) -> None:
    """A refused single sign-on: the organisation and the reason, never who it claimed."""
    audit_record(
        actor=None,
        action="auth.sso_refused",
        obj=config.organisation if config is not None else None,
        detail={"reason": reason},
    )
