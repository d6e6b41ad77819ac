"""No staff page is reachable without the second factor (P14).

Walks every named URL in the project, so a new view is covered without a new test.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from seip.accounts.models import SECOND_FACTOR_ROLES, Role

# The only views open before the second factor: the sign-in steps, and the public privacy
# notice with its logo, which families read before they ever have an account.
EXEMPT = {
    "accounts:login",
    "accounts:verify",
    "accounts:setup",
    "accounts:enrol",
    "accounts:invitation",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:sso_start",
    "accounts:sso_callback",
    "accounts:logout",
    "organisations:logo",
    "notices:notice",
    "notices:version",
    "notices:version_pdf",
    "concerns:public_new",
    "concerns:sent",
    "core:healthz",
}


def named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_urls(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def url_for(name, pattern, county):
    converters = pattern.pattern.converters
    # Regex groups with a fixed set of values (a file format) get a valid one.
    fixed = {"fmt": "md"}
    kwargs = {
        key: fixed.get(key)
        or (1 if isinstance(converters.get(key), IntConverter) else county.a.slug)
        for key in pattern.pattern.regex.groupindex
    }
    return reverse(name, kwargs=kwargs)


def test_only_the_known_public_views_skip_the_second_factor():
    exempt = {
        name
        for name, pattern in named_urls()
        if getattr(pattern.callback, "second_factor_exempt", False)
    }
    assert exempt == EXEMPT


STAFF = sorted(
    name
    for name, role in {
        "coordinator": Role.COORDINATOR,
        "key_worker": Role.KEY_WORKER,
        "safeguarding_lead": Role.SAFEGUARDING_LEAD,
        "dpo": Role.DPO,
        "school_contact": Role.SCHOOL_CONTACT,
        "provider": Role.PROVIDER_CONTACT,
        "agency": Role.AGENCY_CONTACT,
        "la_officer": Role.LA_OFFICER,
        "admin": Role.SYSTEM_ADMIN,
    }.items()
    if role in SECOND_FACTOR_ROLES
)
# Families pass a second factor too: a code sent by email (ADR 0024).
EVERYONE = [*STAFF, "parent", "student"]


@pytest.mark.promise("P14")
@pytest.mark.parametrize("persona", EVERYONE)
def test_every_page_needs_the_second_factor(login, personas, county, persona):
    client = login(personas[persona], second_factor=False)
    checked = 0
    for name, pattern in named_urls():
        if name in EXEMPT:
            continue
        response = client.get(url_for(name, pattern, county))
        assert response.status_code == 302, name
        assert response.url == reverse("accounts:verify"), name
        checked += 1
    assert checked >= 3


def test_user_with_no_role_also_needs_it(login, personas):
    response = login(personas["nobody"], second_factor=False).get(reverse("core:home"))
    assert response.url == reverse("accounts:verify")


def test_every_staff_role_is_in_the_second_factor_set():
    assert {Role.PARENT_CARER, Role.STUDENT}.isdisjoint(SECOND_FACTOR_ROLES)
    assert set(Role) - {Role.PARENT_CARER, Role.STUDENT} <= SECOND_FACTOR_ROLES
