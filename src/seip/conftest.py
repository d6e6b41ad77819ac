"""Shared fixtures: a small county and a persona for every role.

Partnership A has two schools; partnership B has one. The provider works with both
partnerships; everyone else belongs to A, except ``school_b``, who belongs to B.
"""

import importlib
from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from seip.accounts.models import AuthenticatorDevice, Membership, Role, User
from seip.accounts.tests.factories import UserFactory
from seip.organisations.models import OrganisationType, PartnerOrganisation, Partnership, School
from seip.organisations.tests.factories import (
    AgreementFactory,
    LocalAuthorityFactory,
    OrganisationFactory,
    PartnershipFactory,
    SchoolFactory,
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads, the key store and local key files go to this test's own folder, never to
    the developer's var/; and no unwrapped key outlives the test that made it (SQLite
    reuses ids after a rollback)."""
    from seip.keys import crypto

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.KEY_STORE_DIR = tmp_path / "keys"
    crypto.cache_clear()
    yield
    crypto.cache_clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests that check hashing itself override this back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class County:
    a: Partnership
    b: Partnership
    school_a: School
    school_b: School
    provider: PartnerOrganisation
    agency: PartnerOrganisation
    council: PartnerOrganisation


@pytest.fixture
def county(db) -> County:
    la = LocalAuthorityFactory()
    council = OrganisationFactory(
        name=la.name, type=OrganisationType.LOCAL_AUTHORITY, local_authority=la
    )
    a = PartnershipFactory(name="Alpha Vale SEIP", slug="alpha-vale", local_authority=la)
    b = PartnershipFactory(name="Beta Heath SEIP", slug="beta-heath", local_authority=la)
    school_a = SchoolFactory(partnership=a, name="Alpha Academy")
    SchoolFactory(partnership=a, name="Alpha Community College")
    school_b = SchoolFactory(partnership=b, name="Beta High School")
    provider = OrganisationFactory(name="Bridgeway AP", type=OrganisationType.ALTERNATIVE_PROVIDER)
    provider.partnerships.add(a, b)
    agency = OrganisationFactory(name="County CAMHS", type=OrganisationType.HEALTH)
    agency.partnerships.add(a)
    council.partnerships.add(a, b)
    AgreementFactory(organisation=provider, partnership=a)
    AgreementFactory(organisation=agency, partnership=a)
    return County(a, b, school_a, school_b, provider, agency, council)


PERSONA_ROLES = {
    "coordinator": Role.COORDINATOR,
    "key_worker": Role.KEY_WORKER,
    "safeguarding_lead": Role.SAFEGUARDING_LEAD,
    "dpo": Role.DPO,
    "school_contact": Role.SCHOOL_CONTACT,
    "school_b": Role.SCHOOL_CONTACT,
    "provider": Role.PROVIDER_CONTACT,
    "agency": Role.AGENCY_CONTACT,
    "la_officer": Role.LA_OFFICER,
    "parent": Role.PARENT_CARER,
    "student": Role.STUDENT,
    "admin": Role.SYSTEM_ADMIN,
}


@pytest.fixture
def personas(county: County) -> dict[str, User]:
    """One user per role, plus ``nobody`` (no membership) and ``school_b``."""
    scope = {
        "school_contact": {"organisation": county.school_a.organisation},
        "school_b": {"organisation": county.school_b.organisation},
        "provider": {"organisation": county.provider},
        "agency": {"organisation": county.agency},
        "la_officer": {"organisation": county.council},
        "admin": {},
    }
    people: dict[str, User] = {}
    for name, role in PERSONA_ROLES.items():
        user = UserFactory(
            email=f"{name}@seip.test", full_name=f"{name.replace('_', ' ').title()} Person"
        )
        Membership.objects.create(
            user=user, role=role, **scope.get(name, {"partnership": county.a})
        )
        people[name] = user
    people["nobody"] = UserFactory(email="nobody@seip.test", full_name="Nobody Person")
    return people


def signed_in(client: Client, user: User, *, second_factor: bool = True) -> Client:
    """Sign ``user`` in, passing the second factor through django-otp's own session key."""
    client.force_login(user)
    if second_factor:
        device = AuthenticatorDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login(client: Client):
    def _login(user: User, *, second_factor: bool = True) -> Client:
        return signed_in(client, user, second_factor=second_factor)

    return _login


# Referral-stage fixtures (draft, signed, case, active_case) live beside the apps that
# define them, and are shared with every app's tests.
from seip.conftest_referrals import active_case, case, draft, signed  # noqa: E402, F401


def forget_task_backends() -> None:
    """Django caches task backends by alias: forget them so the next use reads TASKS."""
    from django.tasks import task_backends

    task_backends.__dict__.pop("settings", None)
    task_backends._settings = None
    if hasattr(task_backends._connections, "default"):
        del task_backends["default"]


@pytest.fixture
def immediate_tasks(settings):
    """Run background tasks in the request that queues them (Django's ImmediateBackend),
    so a test sees the work finish. Apps whose pages queue tasks use it for every test."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    forget_task_backends()
    yield
    forget_task_backends()


@pytest.fixture
def database_tasks(settings, immediate_tasks):
    """The production backend instead: tasks wait in the database for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    forget_task_backends()


@pytest.fixture
def seeded_codes(transactional_db) -> None:
    """The code lists a data migration seeds, put back for a transactional test: an
    earlier transactional test's flush removes them."""
    from django.apps import apps

    importlib.import_module("seip.records.migrations.0002_seed_codes").seed(apps, None)
